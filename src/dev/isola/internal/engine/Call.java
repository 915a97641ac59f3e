package dev.isola.internal.engine;

import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.internal.capability.CallCapabilities;
import dev.isola.internal.capability.RouteCapabilities;
import java.util.Map;

/**
 * Everything one call hands to a prepared handler: the request, what routing found, and the limits
 * with their deadline already fixed.
 *
 * @param route the route as declared, e.g. {@code GET /hello/:name}
 * @param params decoded path parameters in declaration order
 * @param tail decoded wildcard remainder, {@code ""} if the route has none
 * @param deadlineNanos {@link System#nanoTime()} by which the call must end
 * @param capabilities what the call may reach of the host: the only way to it
 * @param logSink where the guest's log lines go besides SLF4J ({@link GuestLog.Sink#NONE} normally)
 */
public record Call(
    String route,
    Request request,
    Map<String, String> params,
    String tail,
    String requestId,
    Limits limits,
    long deadlineNanos,
    CallCapabilities capabilities,
    GuestLog.Sink logSink) {

  /** Checks that nothing is null. */
  public Call {
    java.util.Objects.requireNonNull(capabilities, "capabilities");
    java.util.Objects.requireNonNull(logSink, "logSink");
  }

  /** Capabilities that grant nothing, for build-time checks. */
  public static CallCapabilities withoutCapabilities(String route) {
    return RouteCapabilities.none(route).forCall("", null, System.nanoTime(), 0);
  }

  /** A call with no capabilities (build-time checks, warm-up). */
  public Call(String route, Request request, Map<String, String> params, String tail, String requestId, Limits limits,
      long deadlineNanos) {
    this(route, request, params, tail, requestId, limits, deadlineNanos,
        RouteCapabilities.none(route).forCall("", null, deadlineNanos, limits.maxResponseBody().bytes()),
        GuestLog.Sink.NONE);
  }
}
