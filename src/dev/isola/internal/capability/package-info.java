/**
 * Capabilities a route may be granted, checked at the host boundary on every call. Outbound HTTP
 * lives here: {@link dev.isola.internal.capability.http.OriginAllowList} parses a route's granted
 * origins, {@link dev.isola.internal.capability.http.AddressPolicy} keeps requests away from loopback,
 * private and metadata addresses unless one is granted by address, and {@link
 * dev.isola.internal.capability.http.OutboundHttp} performs a guest's request with the JDK's HTTP client,
 * following redirects itself so that every hop is checked again, within the call's deadline and body
 * caps. Internal: not exported, may change without notice.
 */
@NullMarked
package dev.isola.internal.capability;

import dev.isola.internal.capability.http.AddressPolicy;
import dev.isola.internal.capability.http.OriginAllowList;
import dev.isola.internal.capability.http.OutboundHttp;
import org.jspecify.annotations.NullMarked;
