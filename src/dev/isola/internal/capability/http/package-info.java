/**
 * The outbound HTTP capability's room: {@link dev.isola.internal.capability.http.HttpGate} (one
 * call's requests), origins and allow-lists ({@code Origin}, {@code OriginAllowList}), the address
 * policy, the client that follows redirects hop by hop and adds granted secret headers ({@code
 * OutboundHttp}, {@code SecretHeader}, {@code Redirects}, {@code RequestHeaders}, {@code
 * BoundedBody}) and the exchange it runs on ({@code HttpTransport}, {@code NetworkTransport}).
 * Internal: not exported, may change without notice.
 */
@NullMarked
package dev.isola.internal.capability.http;

import org.jspecify.annotations.NullMarked;
