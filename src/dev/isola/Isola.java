package dev.isola;

import dev.isola.LimitExceededException.Limit;
import dev.isola.internal.capability.HttpTransport;
import dev.isola.internal.capability.OriginAllowList;
import dev.isola.internal.capability.OutboundHttp;
import dev.isola.internal.capability.RouteCapabilities;
import dev.isola.internal.capability.CapabilityObserver;
import dev.isola.internal.capability.Extensions;
import dev.isola.internal.capability.GrantResolver;
import dev.isola.internal.engine.Call;
import dev.isola.internal.engine.CallEvent;
import dev.isola.internal.engine.CallListener;
import dev.isola.internal.engine.GuestEngine;
import dev.isola.internal.engine.GuestThreads;
import dev.isola.internal.engine.Outcomes;
import dev.isola.internal.engine.GuestLog;
import dev.isola.internal.engine.PreparedHandler;
import dev.isola.internal.engine.SandboxPreparer;
import dev.isola.internal.engine.Watchdog;
import dev.isola.internal.js.JsEngine;
import dev.isola.internal.pipeline.Access;
import dev.isola.metrics.IsolaMetrics;
import dev.isola.internal.route.HttpMethods;
import dev.isola.internal.route.Lookup;
import dev.isola.internal.route.RoutePattern;
import dev.isola.internal.route.Router;
import dev.isola.internal.wasm.WasmEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * Routes requests to handlers and runs every call in a fresh sandbox. Built once with {@link
 * #newBuilder()}, then immutable and safe to share between threads.
 *
 * <pre>{@code
 * try (Isola isola = Isola.newBuilder()
 *     .route("GET /hello/:name", Handler.javascript(Path.of("handlers/hello.js")))
 *     .build()) {
 *   Response r = isola.handle(Request.get("/hello/world"));
 * }
 * }</pre>
 *
 * <p>{@link #handle(Request)} answers 404 when no route matches, 405 (with {@code Allow}) when a
 * route matches the path but not the method, and 400 for paths that cannot be routed safely (dot
 * segments, encoded slashes, bad percent-encoding). Failures of the handler itself are exceptions
 * ({@link GuestException}, {@link LimitExceededException}), each with {@link
 * IsolaException#httpStatus()} for HTTP adapters.
 *
 * <p>JavaScript guests always run on platform threads owned by this {@code Isola}; the caller only
 * waits for the answer, so a guest that does not stop never holds the caller's thread (it is written
 * off, see SECURITY.md). WebAssembly guests run on the calling thread when that is a platform
 * thread; calls from virtual threads, and {@link #handleAsync(Request)}, run on platform threads
 * owned by this {@code Isola}, because allocation is measured per platform thread. {@link #close()}
 * stops them.
 *
 * <p>Every routed call is observable: its log lines carry the MDC keys {@code isola.route} and
 * {@code isola.requestId}; it is a JDK Flight Recorder event {@code dev.isola.Call}; and with
 * {@link Builder#metrics(IsolaMetrics)} it is counted and timed in Micrometer.
 */
public final class Isola implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Isola.class);
  private static final String MDC_ROUTE = "isola.route";
  private static final String MDC_REQUEST_ID = "isola.requestId";
  /** Calls from virtual threads that may wait for a call thread, per call thread. */
  private static final int QUEUED_PER_THREAD = 16;

  private final Router<Route> router;
  private final Watchdog watchdog;
  /** The engines the routes need, started on first use while building; closed with this Isola. */
  private final Map<Boolean, GuestEngine> engines;
  /** Resolves routes' grants while building; holds the outbound HTTP client, closed with this Isola. */
  private final GrantResolver grants;
  /** Told of each use of an application capability (metrics). */
  private final CapabilityObserver observer =
      (route, capability, operation, outcome, nanos) -> listener().capabilityUsed(route, capability, operation, outcome, nanos);
  private final ExecutorService callThreads;
  /** The threads JavaScript guests run on, for every caller (see GuestThreads). */
  private final GuestThreads guestThreads;
  private final List<String> routeSpecs;
  /** Slots of the routes with a maxInFlight limit, by route. */
  private final Map<String, java.util.concurrent.Semaphore> admission = new java.util.HashMap<>();
  /** Slots of the whole Isola (Builder.maxInFlight), or null for no limit. */
  private final java.util.concurrent.@org.jspecify.annotations.Nullable Semaphore globalSlots;
  private final int maxInFlight;

  /** Each route's capabilities, in declaration order. */
  private final Map<String, RouteCapabilities> capabilities = new LinkedHashMap<>();
  /** Stores registered with {@link Builder#ownedStore}, closed with this Isola. */
  private final List<AutoCloseable> owned;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Routed calls running or waiting for a call thread, for the metrics' gauge. */
  private final AtomicInteger inflight = new AtomicInteger();
  /** Builds each route's next sandboxes ahead of its calls; {@link SandboxPreparer#NONE} if told to. */
  private final SandboxPreparer preparer;
  /** Told of every routed call; {@link CallListener#NONE} without {@link Builder#metrics}. */
  private final CallListener listener;
  /** Where guest log lines also go: {@link GuestLog.Sink#NONE} unless dev.isola.testing set one. */
  private final GuestLog.Sink guestLogSink;
  /** A test's fixed clock for guests, or null for the real time. */
  private final java.time.@org.jspecify.annotations.Nullable Clock guestClock;

  private record Route(String spec, PreparedHandler handler, Limits limits, RouteCapabilities capabilities) {}

  private Isola(Builder b) {
    this.owned = List.copyOf(b.owned);
    this.maxInFlight = b.maxInFlight;
    this.globalSlots = b.maxInFlight == Limits.UNLIMITED ? null : new java.util.concurrent.Semaphore(b.maxInFlight);
    this.guestLogSink = b.guestLogSink;
    this.guestClock = b.guestClock;
    // A replaced transport belongs to this Isola from here on, used by a route or not.
    Extensions extensions = Extensions.of(b.capabilities);
    this.grants = new GrantResolver(b.stores, b.variables, b.secrets, b.providers, extensions,
        b.outboundTransport.map(OutboundHttp::new).orElse(null));
    this.watchdog = new Watchdog("isola-watchdog");
    this.preparer = b.readySandboxes == 0 ? SandboxPreparer.NONE : new SandboxPreparer(b.readySandboxes, "isola-prepare");
    this.guestThreads = new GuestThreads(watchdog, b.callThreads, "isola-js");
    this.engines = new java.util.HashMap<>();
    try {
      Router.Builder<Route> routes = Router.builder();
      for (Map.Entry<String, Handler> e : b.routes.entrySet()) {
        routes.add(e.getKey(), prepare(e.getKey(), e.getValue(), b));
      }
      this.router = routes.build();
      Map<String, AtomicLong> denials = new LinkedHashMap<>();
      capabilities.forEach((spec, route) -> denials.put(spec, route.denials()));
      this.listener = b.listeners.create(denials, inflight, guestThreads);
    } catch (RuntimeException e) {
      try {
        preparer.close();
        closeEngines();
      } catch (RuntimeException closing) {
        e.addSuppressed(closing);
      } finally {
        if (grants.outboundHttp() != null) {
          grants.outboundHttp().close();
        }
        closeOwned();
        guestThreads.close();
        watchdog.close();
      }
      throw e;
    }
    this.routeSpecs = List.copyOf(b.routes.keySet());
    // Bounded threads and a bounded queue: past both, a call is refused at once (OverloadedException).
    // A queued call's deadline already runs, so waiting counts against its timeout.
    ThreadPoolExecutor pool = new ThreadPoolExecutor(b.callThreads, b.callThreads, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(b.callThreads * QUEUED_PER_THREAD),
        Thread.ofPlatform().daemon().name("isola-call-", 1).factory());
    pool.allowCoreThreadTimeOut(true);
    this.callThreads = pool;
  }

  private Route prepare(String spec, Handler handler, Builder b) {
    Limits limits = handler.limits().orElse(b.defaultLimits);
    List<Grant> granted = new java.util.ArrayList<>(b.defaultGrants);
    granted.addAll(handler.grants());
    RouteCapabilities capabilities = grants.resolve(spec, granted);
    if (limits.maxInFlight() != Limits.UNLIMITED) {
      admission.put(spec, new java.util.concurrent.Semaphore(limits.maxInFlight()));
    }
    this.capabilities.put(spec, capabilities);
    GuestEngine engine = engines.computeIfAbsent(handler.isWasm(), wasm -> wasm
        ? new WasmEngine(watchdog, guestClock == null ? java.time.Clock.systemUTC() : guestClock, preparer)
        : new JsEngine(guestThreads, guestClock, preparer, grants.extensions()));
    byte[] code = handler.code().map(text -> text.getBytes(StandardCharsets.UTF_8))
        .or(handler::module)
        .orElseGet(() -> read(spec, handler));
    return new Route(spec, engine.prepare(spec, handler, code, limits, capabilities), limits, capabilities);
  }

  private static byte[] read(String spec, Handler handler) {
    var file = handler.file().orElseThrow();
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new HandlerLoadException("handler file " + file.toAbsolutePath() + " of route \"" + spec
          + "\" does not exist: check the path (relative paths start at " + Path.of("").toAbsolutePath() + ")", e);
    } catch (IOException e) {
      throw new HandlerLoadException("handler file " + file.toAbsolutePath() + " of route \"" + spec
          + "\" cannot be read: " + e, e);
    }
  }

  private void closeEngines() {
    RuntimeException failure = null;
    for (GuestEngine engine : engines.values()) {
      try {
        engine.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** A builder with no routes and {@link Limits#defaults()}. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * How many capability denials each route has had since this {@code Isola} was built (routes
   * without any are left out): a handler reaching for what it was not granted is a bug or an attack,
   * worth an alert. Each denial is also logged as a warning.
   */
  public Map<String, Long> capabilityDenials() {
    Map<String, Long> counts = new LinkedHashMap<>();
    capabilities.forEach((spec, route) -> {
      if (route.denials().get() > 0) {
        counts.put(spec, route.denials().get());
      }
    });
    return counts;
  }

  /** The routes as declared, in declaration order. */
  public List<String> routes() {
    return routeSpecs;
  }

  /**
   * The limits of the route that {@code method} and {@code path} (raw, as in {@link Request#path()})
   * would reach, if any. HTTP adapters use it to bound how much of a request body they read before
   * calling {@link #handle(Request)}.
   */
  public java.util.Optional<Limits> limitsFor(String method, String path) {
    return router.match(method, path) instanceof Lookup.Found<Route> found
        ? java.util.Optional.of(found.target().limits())
        : java.util.Optional.empty();
  }

  /**
   * Routes {@code request} and runs its handler in a fresh sandbox, blocking until it answers.
   *
   * @throws GuestException if the handler threw or answered with something that is not a response
   * @throws LimitExceededException if the call crossed one of its route's {@link Limits}
   * @throws OverloadedException if the call came from a virtual thread and every call thread is busy
   * @throws IsolaException if the call was stopped because this {@code Isola} closed
   * @throws IllegalStateException if this {@code Isola} is closed
   */
  public Response handle(Request request) {
    return handle(request, CallOptions.none());
  }

  /**
   * Like {@link #handle(Request)}, with the call's grants narrowed by {@code options} (a key prefix
   * for a tenant, fewer origins); a call never gets more than its route was granted.
   */
  public Response handle(Request request, CallOptions options) {
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(options, "options");
    checkOpen();
    Lookup<Route> lookup = router.match(request.method(), request.path());
    return switch (lookup) {
      case Lookup.Found<Route> found -> run(found, request, options);
      case Lookup.MethodNotAllowed<Route> m -> Response.newBuilder()
          .status(405)
          .header("Allow", String.join(", ", m.allowed()))
          .header("Content-Type", "text/plain; charset=utf-8")
          .body("405 Method Not Allowed: " + request.method() + " " + request.path() + " allows " + String.join(", ", m.allowed()) + "\n")
          .build();
      case Lookup.NotFound<Route> n -> Response.of(404, "404 Not Found: no route matches " + request.path() + "\n");
      case Lookup.BadPath<Route> bad -> Response.of(400, "400 Bad Request: " + bad.reason() + "\n");
    };
  }

  /**
   * Like {@link #handle(Request)}, on a platform thread of this {@code Isola}. The future fails with
   * the same exceptions {@code handle} throws.
   */
  public CompletableFuture<Response> handleAsync(Request request) {
    Objects.requireNonNull(request, "request");
    checkOpen();
    try {
      return CompletableFuture.supplyAsync(() -> handle(request), callThreads);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(overloaded(e));
    }
  }

  /** Runs the call and reports it, however it ends, to JFR and the listener. */
  private Response run(Lookup.Found<Route> found, Request request, CallOptions options) {
    Route route = found.target();
    String requestId = requestId(request);
    // No JFR event class is loaded until JFR runs in this JVM (see CallEvent.begun).
    CallEvent event = jdk.jfr.FlightRecorder.isInitialized() ? CallEvent.begun() : null;
    long start = System.nanoTime();
    inflight.incrementAndGet();
    try {
      Response response = dispatch(found, request, options, requestId);
      completed(event, start, route, request, requestId, response.status(), Outcomes.OK);
      return response;
    } catch (RuntimeException | Error e) {
      completed(event, start, route, request, requestId, Outcomes.status(e), Outcomes.of(e));
      throw e;
    } finally {
      inflight.decrementAndGet();
    }
  }

  private void completed(@org.jspecify.annotations.Nullable CallEvent event, long start, Route route,
      Request request, String requestId, int status, String outcome) {
    long nanos = System.nanoTime() - start;
    if (event != null) {
      event.commitIfWanted(route.spec(), request.method(), request.path(), status, outcome, requestId);
    }
    try {
      listener.completed(route.spec(), request.method(), status, outcome, nanos);
    } catch (RuntimeException e) {
      log.warn("the call listener failed on a call of route {}", route.spec(), e);
    }
  }

  private Response dispatch(Lookup.Found<Route> found, Request request, CallOptions options, String requestId) {
    Route route = found.target();
    Limits limits = route.limits();
    if (request.bodyLength() > limits.maxRequestBody().bytes()) {
      throw new LimitExceededException(route.spec(), Limit.REQUEST_BODY,
          "the request body of " + request.bodyLength() + " bytes is larger than max_request_body "
              + limits.maxRequestBody() + "; send less or raise maxRequestBody");
    }
    long deadline = System.nanoTime() + limits.timeout().toNanos();
    if (options.timeout().isPresent()) { // the embedder's deadline, if sooner, wins
      deadline = Math.min(deadline, System.nanoTime() + options.timeout().get().toNanos());
    }
    java.util.concurrent.Semaphore routeSlots = admission.get(route.spec());
    if (globalSlots != null && !globalSlots.tryAcquire()) {
      throw new OverloadedException("this Isola already runs its limit of " + maxInFlight + " calls at once"
          + " (Isola.Builder.maxInFlight); try again shortly, or raise the limit", java.time.Duration.ofSeconds(1));
    }
    try {
      if (routeSlots != null && !routeSlots.tryAcquire()) {
        throw new OverloadedException("route \"" + route.spec() + "\" already runs its limit of " + limits.maxInFlight()
            + " calls at once (max_in_flight); try again shortly, or raise it", java.time.Duration.ofSeconds(1));
      }
      try {
        return admitted(found, request, options, requestId, route, limits, deadline);
      } finally {
        if (routeSlots != null) {
          routeSlots.release();
        }
      }
    } finally {
      if (globalSlots != null) {
        globalSlots.release();
      }
    }
  }

  private Response admitted(Lookup.Found<Route> found, Request request, CallOptions options, String requestId,
      Route route, Limits limits, long deadline) {
    Call call = new Call(route.spec(), request, found.params(), found.tail(), requestId, limits, deadline,
        route.capabilities().forCall(options.keyPrefix(), options.outboundHttp().map(OriginAllowList::of).orElse(null),
            deadline, limits.maxResponseBody().bytes(), requestId, options, observer), guestLogSink);
    // Allocation is measured per platform thread: guest code never runs on a virtual thread.
    boolean here = !Thread.currentThread().isVirtual() || route.handler().runsOnOwnThreads();
    Response response = here ? runHere(route, call) : onPlatformThread(route, call);
    return "HEAD".equals(request.method()) ? response.toBuilder().body(Body.EMPTY).build() : response;
  }

  private Response runHere(Route route, Call call) {
    MDC.put(MDC_ROUTE, route.spec());
    MDC.put(MDC_REQUEST_ID, call.requestId());
    long start = System.nanoTime();
    try {
      Response response = route.handler().call(call);
      log.debug("{} {} -> {} in {} us", call.request().method(), call.request().path(), response.status(),
          (System.nanoTime() - start) / 1000);
      return response;
    } catch (IsolaException e) {
      log.debug("{} {} -> {}", call.request().method(), call.request().path(), e.getMessage());
      // A guest that was denied a capability and then failed failed because of the denial (403).
      if (e instanceof GuestException && call.capabilities().firstDenial().isPresent()) {
        CapabilityDeniedException denied = call.capabilities().firstDenial().get();
        denied.addSuppressed(e);
        throw denied;
      }
      // Likewise a guest whose put was refused by a store's quota (507).
      if (e instanceof GuestException && call.capabilities().firstStoreFull().isPresent()) {
        dev.isola.kv.StoreQuotaExceededException full = call.capabilities().firstStoreFull().get();
        full.addSuppressed(e);
        throw full;
      }
      throw e;
    } finally {
      MDC.remove(MDC_ROUTE);
      MDC.remove(MDC_REQUEST_ID);
    }
  }

  private Response onPlatformThread(Route route, Call call) {
    Future<Response> future;
    try {
      future = callThreads.submit(() -> runHere(route, call));
    } catch (RejectedExecutionException e) {
      throw overloaded(e);
    }
    try {
      return future.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IsolaException("route \"" + route.spec() + "\": the call failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      // Not future.cancel(true): interrupting a thread inside GraalJS is reported to the guest. The
      // call runs on to its own limits; its caller is gone.
      Thread.currentThread().interrupt();
      throw new IsolaException("route \"" + route.spec() + "\": interrupted while waiting for the call", e);
    }
  }

  private IsolaException overloaded(RejectedExecutionException e) {
    if (closed.get()) {
      return new IsolaException("this Isola is closed: build a new one with Isola.newBuilder()", e);
    }
    int threads = ((ThreadPoolExecutor) callThreads).getMaximumPoolSize();
    return new OverloadedException("all " + threads + " call threads of this Isola are busy and "
        + threads * QUEUED_PER_THREAD + " calls wait for them (calls from virtual threads and handleAsync);"
        + " try again shortly, or raise Isola.Builder.callThreads", java.time.Duration.ofSeconds(1));
  }

  /** The caller's plain {@code X-Request-Id}, else a new random id. */
  private static String requestId(Request request) {
    return request.requestId()
        .orElseGet(() -> Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE));
  }

  private CallListener listener() {
    CallListener l = listener;
    return l == null ? CallListener.NONE : l;
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("this Isola is closed: build a new one with Isola.newBuilder()");
    }
  }

  /**
   * Refuses new calls, stops the calls still running (they end with an {@link IsolaException}),
   * waits up to 5 seconds for them to leave, and releases the engine and threads. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    callThreads.shutdown();
    guestThreads.shutdown();
    watchdog.cancelAll();
    preparer.close(); // after cancelAll: it waits for a build in progress, which is stopped now
    try {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      if (!callThreads.awaitTermination(5, TimeUnit.SECONDS)
          || !guestThreads.awaitQuiet(java.time.Duration.ofNanos(Math.max(0, until - System.nanoTime())))) {
        log.warn("calls were still running 5 s after close(); releasing the engine anyway");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      closeEngines();
    } finally {
      if (grants.outboundHttp() != null) {
        grants.outboundHttp().close();
      }
      closeOwned();
      guestThreads.close();
      watchdog.close();
      listener.close();
    }
  }

  private void closeOwned() {
    for (AutoCloseable resource : owned) {
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("closing {} failed", resource, e);
      }
    }
  }

  /** Builds an {@link Isola}; not thread-safe. Each setting is checked where it is written. */
  public static final class Builder {
    static {
      Access.register(new Access.BuilderHooks() {
        @Override
        public void outboundTransport(Builder builder, HttpTransport transport) {
          builder.outboundTransport = java.util.Optional.of(Objects.requireNonNull(transport, "transport"));
        }

        @Override
        public void guestLogSink(Builder builder, GuestLog.Sink sink) {
          builder.guestLogSink = Objects.requireNonNull(sink, "sink");
        }

        @Override
        public void guestClock(Builder builder, java.time.Clock clock) {
          builder.guestClock = Objects.requireNonNull(clock, "clock");
        }
      });
    }

    private final Map<String, Handler> routes = new LinkedHashMap<>();
    private final java.util.Set<String> extensionMethods = new java.util.HashSet<>();
    private Limits defaultLimits = Limits.defaults();
    private int callThreads = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
    private final Map<String, dev.isola.kv.KeyValueStore> stores = new LinkedHashMap<>();
    private final Map<String, String> variables = new LinkedHashMap<>();
    private final Map<String, String> secrets = new LinkedHashMap<>();
    private List<Grant> defaultGrants = List.of();
    private final List<dev.isola.capability.Capability<?, ?>> capabilities = new java.util.ArrayList<>();
    private final List<AutoCloseable> owned = new java.util.ArrayList<>();
    private final List<SecretProvider> providers = new java.util.ArrayList<>();
    private CallListener.Factory listeners = CallListener.Factory.NONE;
    private java.util.Optional<HttpTransport> outboundTransport = java.util.Optional.empty();
    private GuestLog.Sink guestLogSink = GuestLog.Sink.NONE;
    private int maxInFlight = Limits.UNLIMITED;
    private int readySandboxes = 1;
    private java.time.@org.jspecify.annotations.Nullable Clock guestClock;

    private Builder() {}

    /**
     * Reports every routed call to {@code metrics}, e.g. {@link IsolaMetrics#micrometer} (which
     * lists the meters); replaces an earlier setting. Without it, calls are only logged and
     * recorded as JFR events.
     */
    public Builder metrics(IsolaMetrics metrics) {
      this.listeners = Access.metrics().listeners(Objects.requireNonNull(metrics, "metrics"));
      return this;
    }

    /**
     * Registers {@code store} as {@code name}, for routes granted {@link Grants#keyValue(String)}.
     * The embedder keeps ownership: {@link Isola#close()} does not close it.
     */
    public Builder store(String name, dev.isola.kv.KeyValueStore store) {
      Grants.checkName(name, "store", "sessions");
      stores.put(name, Objects.requireNonNull(store, "store"));
      return this;
    }

    /**
     * Like {@link #store(String, dev.isola.kv.KeyValueStore)}, and closes the store when the {@link
     * Isola} closes (or when {@link #build()} fails): for stores opened just for this Isola.
     */
    public Builder ownedStore(String name, dev.isola.kv.KeyValueStore store) {
      store(name, store);
      owned.add(store);
      return this;
    }

    /**
     * The most calls this {@code Isola} runs at once, all routes together; a call past it is refused
     * at once with {@link OverloadedException} (503 with {@code Retry-After}). Unlimited by default;
     * each route may also have its own limit ({@link Limits.Builder#maxInFlight}).
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxInFlight(int calls) {
      if (calls < 1) {
        throw new IllegalArgumentException("maxInFlight " + calls + " must be at least 1");
      }
      this.maxInFlight = calls;
      return this;
    }

    /** Declares variable {@code name}, readable by routes granted {@link Grants#variables(String...)}. */
    public Builder variable(String name, String value) {
      Grants.checkName(name, "variable", "GREETING");
      variables.put(name, Objects.requireNonNull(value, () -> "variable " + name + " has no value (null)"));
      return this;
    }

    /**
     * Declares secret {@code name}, which the host sends in a header of the outbound requests of
     * routes granted {@link Grants#secret(String)} (to the origins that grant names only), and which
     * a guest reads only with {@link Grants#readableSecrets(String...)}.
     */
    public Builder secret(String name, String value) {
      Grants.checkName(name, "secret", "API_KEY");
      secrets.put(name, GrantResolver.checkSecret(name, Objects.requireNonNull(value, () -> "secret " + name + " has no value (null):"
          + " if it is read from the environment, set that variable before starting")));
      return this;
    }

    /**
     * Asks {@code provider} for every granted secret not declared with {@link #secret}, when the
     * {@link Isola} is built; providers are asked in the order added, the first answer wins.
     */
    public Builder secrets(SecretProvider provider) {
      providers.add(Objects.requireNonNull(provider, "provider"));
      return this;
    }

    /**
     * Offers an application capability to routes granted it, e.g. {@link
     * dev.isola.capability.HostInterface#of HostInterface.of("billing", Billing.class, billing)} for
     * routes granted {@link Grants#hostInterface(String) Grants.hostInterface("billing")}. Guests
     * reach it as {@code env.billing} (JavaScript) or through host functions (Wasm); see {@link
     * dev.isola.capability.Capability}.
     *
     * @throws IllegalArgumentException if another capability of this builder has the same name
     */
    public Builder capability(dev.isola.capability.Capability<?, ?> capability) {
      Objects.requireNonNull(capability, "capability");
      List<dev.isola.capability.Capability<?, ?>> all = new java.util.ArrayList<>(capabilities);
      all.add(capability);
      Extensions.of(all); // checks the name, the operations and that the name is new
      capabilities.add(capability);
      return this;
    }

    /** Grants for every route, before each handler's own {@link Handler#grants(Grant...)}. */
    public Builder defaultGrants(Grant... grants) {
      this.defaultGrants = List.of(grants);
      return this;
    }

    /**
     * The most JavaScript guests this {@code Isola} runs at once (every JavaScript call runs on one
     * of its threads, whatever the caller's thread), and the most WebAssembly calls it runs for
     * callers on virtual threads and for {@link Isola#handleAsync}; default 4 × the processors, at
     * least 8. Up to 16 calls per thread wait for one (their timeout runs while they wait); past
     * that, calls are refused at once with {@link OverloadedException}. WebAssembly calls from
     * platform threads run on the caller's thread and do not count.
     *
     * @throws IllegalArgumentException if {@code threads < 1}
     */
    public Builder callThreads(int threads) {
      if (threads < 1) {
        throw new IllegalArgumentException("callThreads " + threads + " must be at least 1");
      }
      this.callThreads = threads;
      return this;
    }

    /**
     * How many sandboxes each route keeps built ahead of its calls, off the request path (default
     * 1; 0 turns it off). A ready sandbox is still fresh: it has run nothing but the handler's own
     * set-up (for JavaScript, the module's top level), it serves exactly one call and is discarded
     * after it, and the request and grants reach it only when its call starts. A call that finds
     * one pays only for running the handler; under saturation the pools are empty and calls build
     * their own, as with 0. Each ready sandbox holds memory while it waits (see the README's
     * Performance section for sizes).
     *
     * @throws IllegalArgumentException if {@code perRoute} is negative or more than 16
     */
    public Builder readySandboxes(int perRoute) {
      if (perRoute < 0 || perRoute > 16) {
        throw new IllegalArgumentException("readySandboxes " + perRoute
            + " must be between 0 (build every sandbox in its call) and 16");
      }
      this.readySandboxes = perRoute;
      return this;
    }

    /**
     * Routes requests matching {@code spec} to {@code handler}. Specs: {@code "/exact"}, {@code
     * "/users/:id"} (one segment), {@code "/static/..."} (any rest), each with an optional method
     * prefix such as {@code "GET /hello/:name"}. The method must be one of RFC 9110's ({@code GET},
     * {@code HEAD}, {@code POST}, {@code PUT}, {@code DELETE}, {@code CONNECT}, {@code OPTIONS},
     * {@code TRACE}), {@code PATCH}, or one declared before with {@link #extensionMethods}.
     *
     * @throws IllegalArgumentException if {@code spec} is not a valid route (e.g. {@code "GETT /x"},
     *     which suggests {@code GET}) or is declared twice
     */
    public Builder route(String spec, Handler handler) {
      Objects.requireNonNull(spec, "spec");
      Objects.requireNonNull(handler, "handler");
      RoutePattern pattern = RoutePattern.parse(spec);
      if (pattern.method().isPresent()) {
        String problem = HttpMethods.unknownProblem(spec, pattern.method().get(), extensionMethods);
        if (problem != null) {
          throw new IllegalArgumentException(problem);
        }
      }
      if (routes.putIfAbsent(spec, handler) != null) {
        throw new IllegalArgumentException("route \"" + spec + "\" is declared twice: keep one");
      }
      return this;
    }

    /**
     * Declares methods beyond RFC 9110's and {@code PATCH} that routes may name, e.g. WebDAV's
     * {@code "PROPFIND"}; call it before the {@link #route} that names one. Without it such a route
     * is refused as a likely typo ({@code "GETT /x"}: did you mean {@code GET}?).
     *
     * @throws IllegalArgumentException if a method is not an uppercase RFC 9110 token
     */
    public Builder extensionMethods(String... methods) {
      for (String method : methods) {
        Objects.requireNonNull(method, "method");
        String problem = HttpMethods.tokenProblem(method);
        if (problem != null) {
          throw new IllegalArgumentException("extension method: " + problem);
        }
      }
      extensionMethods.addAll(List.of(methods));
      return this;
    }

    /** Limits for every route whose handler does not set its own; {@link Limits#defaults()} if unset. */
    public Builder defaultLimits(Limits limits) {
      this.defaultLimits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /**
     * Reads and checks every handler, checks the route table, and starts the engines.
     *
     * @throws HandlerLoadException if a handler file is missing or its code does not load
     * @throws RouteConflictException if two routes match the same requests with equal rank
     */
    public Isola build() {
      return new Isola(this);
    }
  }
}
