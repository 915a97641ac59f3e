package dev.isola.internal.pipeline;

import dev.isola.CallOptions;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.capability.CapabilityObserver;
import dev.isola.internal.engine.CallListener;
import dev.isola.internal.engine.GuestLog;
import dev.isola.internal.route.Lookup;
import dev.isola.internal.route.Router;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The path of every call through an {@code Isola}, one stage after the other. Its stages, in order,
 * are listed in the constructor; each has one job and hands the call to the next (see {@link
 * Stage}). Made once per {@code Isola}; a call allocates only its {@link Exchange}.
 */
public final class Pipeline {
  private final Router<Route> router;
  private final Stage first;
  private final ComponentEndpoint endpoint;
  /** Where a component call starts: after routing, since its route is known. */
  private final Stage componentFirst;
  /** The components this node serves, by name. */
  private final java.util.Map<String, Route> components;

  /**
   * @param router the routes
   * @param listener told of every routed call (metrics)
   * @param inflight routed calls running or waiting for a call thread, for the metrics' gauge
   * @param maxInFlight the most calls at once, all routes together, or {@link Limits#UNLIMITED}
   * @param observer told of each use of an application capability
   * @param auditor records what routes use ({@code Isola.Builder.audit}), or null
   * @param guestLogSink where guest log lines also go
   * @param runtime the call threads
   * @param components the components this node serves, by name
   * @param directory where component calls go; connected to this pipeline for the local ones
   */
  public Pipeline(Router<Route> router, CallListener listener, AtomicInteger inflight, int maxInFlight,
      CapabilityObserver observer, dev.isola.internal.capability.@org.jspecify.annotations.Nullable AuditRecorder auditor,
      GuestLog.Sink guestLogSink, IsolaRuntime runtime, java.util.Map<String, Route> components,
      dev.isola.internal.capability.component.Components directory) {
    this.router = router;
    this.components = java.util.Map.copyOf(components);
    this.first = chain(
        new Routing(router, endpoint = new ComponentEndpoint(directory, this.components, this)), // 404, 405, 400; peers' calls
        new Observation(listener, inflight),        // request id, JFR event, listener, in-flight gauge
        new Deadline(),                             // maxRequestBody (413); deadline = min(timeout, options)
        new Admission(maxInFlight),                 // Isola-wide and route permits, else 503
        new Narrowing(observer, auditor, guestLogSink),      // the Call and its narrowed capabilities
        new Answer(),                               // denial after failure -> 403/507; HEAD -> no body
        new ThreadHop(runtime),                     // virtual thread -> platform call thread, else 503
        new Diagnostics(),                          // MDC keys, debug log, on the guest's thread
        new Sandbox());                             // PreparedHandler.call in a fresh sandbox
    this.componentFirst = first.next;
    // A JavaScript callee's guest gets a thread of its own anyway (GuestThreads.nested): its caller
    // waits for it in place. Any other callee gets a thread of its own here (IsolaRuntime.nested).
    directory.bind((name, request, deadline, depth, link, writes, options) ->
        this.components.get(name).handler().runsOnOwnThreads()
            ? runtime.nestedInPlace(() -> component(name, request, deadline, depth, link, writes, options), link::cancel)
            : runtime.nested(() -> component(name, request, deadline, depth, link, writes, options), link::cancel));
  }

  private static Stage chain(Stage... stages) {
    for (int i = 0; i < stages.length - 1; i++) {
      stages[i].next = stages[i + 1];
    }
    return stages[0];
  }

  /** Runs one call through every stage. */
  public Response handle(Request request, CallOptions options) {
    return first.handle(new Exchange(request, options));
  }

  /** Runs one call whose key-value writes wait in {@code writes} for the caller's transaction. */
  public Response handle(Request request, CallOptions options, dev.isola.kv.PendingWrites writes) {
    Exchange exchange = new Exchange(request, options);
    exchange.pendingWrites = writes;
    return first.handle(exchange);
  }

  /**
   * Runs one call of component {@code name}, served here: from {@link Observation} on, as a routed
   * call, with no path parameters, at call depth {@code depth}, never past {@code callerDeadline} and
   * narrowed by {@code options} as its caller was.
   */
  Response component(String name, Request request, long callerDeadline, int depth,
      dev.isola.internal.capability.component.@org.jspecify.annotations.Nullable CalleeLink link,
      dev.isola.kv.@org.jspecify.annotations.Nullable PendingWrites writes, CallOptions options) {
    Route route = components.get(name);
    Exchange exchange = new Exchange(request, options);
    exchange.route = route;
    exchange.depth = depth;
    exchange.hasCallerDeadline = true;
    exchange.callerDeadline = callerDeadline;
    exchange.link = link;
    exchange.pendingWrites = writes;
    return componentFirst.handle(exchange);
  }

  /** The limits of the route {@code method} and {@code path} would reach, if any. */
  public Optional<Limits> limitsFor(String method, String path) {
    Optional<Limits> component = endpoint.limitsFor(path);
    if (component.isPresent()) {
      return component;
    }
    return router.match(method, path) instanceof Lookup.Found<Route> found
        ? Optional.of(found.target().limits())
        : Optional.empty();
  }
}
