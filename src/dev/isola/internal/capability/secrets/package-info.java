/**
 * The secrets capability's room: {@link dev.isola.internal.capability.secrets.Secrets} (resolving
 * grants at build: values, providers, where each injected secret goes) and {@link
 * dev.isola.internal.capability.secrets.SecretGate} (readable secrets in a call). Injected secrets
 * reach the wire only through {@code http.OutboundHttp}. Internal: not exported, may change without
 * notice.
 */
@NullMarked
package dev.isola.internal.capability.secrets;

import org.jspecify.annotations.NullMarked;
