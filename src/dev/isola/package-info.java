/**
 * Isola: in-process isolated handlers. Start at {@link dev.isola.Isola#newBuilder()}.
 *
 * <p>Routes map requests to handlers (JavaScript modules on GraalJS); every call runs in a fresh
 * sandbox under the route's {@link dev.isola.Limits}, and the embedding application keeps its own
 * HTTP server.
 */
@NullMarked
package dev.isola;

import org.jspecify.annotations.NullMarked;
