package dev.isola.internal.engine;

import dev.isola.Limits;
import dev.isola.Request;
import java.util.Map;

/**
 * Everything one call hands to a prepared handler: the request, what routing found, and the limits
 * with their deadline already fixed.
 *
 * @param route the route as declared, e.g. {@code GET /hello/:name}
 * @param params decoded path parameters in declaration order
 * @param tail decoded wildcard remainder, {@code ""} if the route has none
 * @param deadlineNanos {@link System#nanoTime()} by which the call must end
 */
public record Call(
    String route,
    Request request,
    Map<String, String> params,
    String tail,
    String requestId,
    Limits limits,
    long deadlineNanos) {}
