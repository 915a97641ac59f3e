package dev.isola.internal.pipeline;

import dev.isola.CallOptions;
import dev.isola.Limits;
import dev.isola.Response;
import dev.isola.internal.capability.CallCapabilities;
import dev.isola.internal.capability.CapabilityObserver;
import dev.isola.internal.capability.http.OriginAllowList;
import dev.isola.internal.engine.Call;
import dev.isola.internal.engine.GuestLog;
import dev.isola.internal.route.Lookup;
import java.util.Map;

/**
 * Makes the {@link Call} the engine gets, with the call's own capabilities: the route's, narrowed by
 * the caller's {@link CallOptions} (a key prefix, fewer origins) and bound to the call's deadline and
 * response cap. A call never gets more than its route was granted.
 */
final class Narrowing extends Stage {
  private final CapabilityObserver observer;
  private final GuestLog.Sink guestLogSink;
  private final dev.isola.internal.capability.@org.jspecify.annotations.Nullable AuditRecorder auditor;

  Narrowing(CapabilityObserver observer, dev.isola.internal.capability.@org.jspecify.annotations.Nullable AuditRecorder auditor,
      GuestLog.Sink guestLogSink) {
    this.observer = observer;
    this.auditor = auditor;
    this.guestLogSink = guestLogSink;
  }

  @Override
  Response handle(Exchange exchange) {
    Route route = exchange.route;
    Limits limits = route.limits();
    CallOptions options = exchange.options;
    String requestId = exchange.requestId;
    long deadline = exchange.deadline;
    CallCapabilities capabilities = route.capabilities().forCall(options.keyPrefix(),
        options.outboundHttp().map(OriginAllowList::of).orElse(null), deadline, limits.maxResponseBody().bytes(),
        requestId, options, observer, auditor);
    capabilities.link(exchange.link);
    capabilities.pendingWrites(exchange.pendingWrites);
    if (!route.capabilities().calls().isEmpty()) {
      capabilities.chain(exchange.depth, exchange.request.headers().first("traceparent").orElse(null));
    }
    Lookup.Found<Route> found = exchange.found; // null for a component call: no path parameters
    exchange.call = new Call(route.spec(), exchange.request, found == null ? Map.of() : found.params(),
        found == null ? "" : found.tail(), requestId, limits, deadline, capabilities, guestLogSink);
    return next.handle(exchange);
  }
}
