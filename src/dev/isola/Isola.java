package dev.isola;

import dev.isola.LimitExceededException.Limit;
import dev.isola.internal.capability.HttpTransport;
import dev.isola.internal.capability.OriginAllowList;
import dev.isola.internal.capability.OutboundHttp;
import dev.isola.internal.capability.RouteCapabilities;
import dev.isola.internal.capability.SecretHeader;
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
import java.util.EnumMap;
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
  private final Map<Handler.Language, GuestEngine> engines;
  /** The client for outbound HTTP, made while building when a route is granted it; closed with this Isola. */
  private OutboundHttp outboundHttp; // set once, in the constructor's call of capabilities()
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
    b.outboundTransport.ifPresent(transport -> outboundHttp = new OutboundHttp(transport));
    this.watchdog = new Watchdog("isola-watchdog");
    this.preparer = b.readySandboxes == 0 ? SandboxPreparer.NONE : new SandboxPreparer(b.readySandboxes, "isola-prepare");
    this.guestThreads = new GuestThreads(watchdog, b.callThreads, "isola-js");
    this.engines = new EnumMap<>(Handler.Language.class);
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
        if (outboundHttp != null) {
          outboundHttp.close();
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
    RouteCapabilities capabilities = capabilities(spec, handler, b);
    if (limits.maxInFlight() != Limits.UNLIMITED) {
      admission.put(spec, new java.util.concurrent.Semaphore(limits.maxInFlight()));
    }
    this.capabilities.put(spec, capabilities);
    GuestEngine engine = engines.computeIfAbsent(handler.language(), language -> switch (language) {
      case JAVASCRIPT -> new JsEngine(guestThreads, guestClock, preparer);
      case WASM -> new WasmEngine(watchdog, guestClock == null ? java.time.Clock.systemUTC() : guestClock, preparer);
    });
    byte[] code = handler.code().map(text -> text.getBytes(StandardCharsets.UTF_8))
        .or(handler::module)
        .orElseGet(() -> read(spec, handler));
    return new Route(spec, engine.prepare(spec, handler, code, limits, capabilities), limits, capabilities);
  }

  /** Resolves the route's grants (the Isola's defaults, then the handler's) against what b declares. */
  private RouteCapabilities capabilities(String spec, Handler handler, Builder b) {
    List<Grant> grants = new java.util.ArrayList<>(b.defaultGrants);
    grants.addAll(handler.grants());
    if (grants.isEmpty()) {
      return RouteCapabilities.none(spec);
    }
    Map<String, dev.isola.kv.KeyValueStore> stores = new LinkedHashMap<>();
    Map<String, String> variables = new LinkedHashMap<>();
    Map<String, String> secrets = new LinkedHashMap<>();
    java.util.Set<String> readable = new java.util.HashSet<>();
    List<String> origins = new java.util.ArrayList<>();
    Map<String, Path> mounts = new LinkedHashMap<>();
    // The same grant twice (in the defaults and the handler's) is one.
    java.util.Set<Grant.InjectedSecret> injected = new java.util.LinkedHashSet<>();
    for (Grant grant : grants) {
      switch (grant) {
        case Grant.KeyValue kv -> stores.put(kv.store(), declared(spec, b.stores, kv.store(), "key-value store",
            "Isola.Builder.store(\"" + kv.store() + "\", KeyValueStores.file(...)) or [store." + kv.store() + "] in isola.toml"));
        case Grant.Variables vars -> vars.names().forEach(n -> variables.put(n, declared(spec, b.variables, n,
            "variable", "Isola.Builder.variable(\"" + n + "\", value) or [variables] " + n + " = \"...\" in isola.toml")));
        case Grant.ReadableSecrets sec -> sec.names().forEach(n -> {
          secrets.put(n, secretValue(spec, b, n));
          readable.add(n);
        });
        case Grant.InjectedSecret sec -> injected.add(sec);
        case Grant.OutboundHttp http -> origins.addAll(http.origins());
        case Grant.Files files -> mounts.put(files.mount(), realDirectory(spec, files));
      }
    }
    OriginAllowList allow = null;
    if (!origins.isEmpty()) {
      allow = OriginAllowList.of(origins);
      if (outboundHttp == null) {
        outboundHttp = new OutboundHttp();
      }
    }
    List<SecretHeader> secretHeaders = new java.util.ArrayList<>();
    for (Grant.InjectedSecret sec : injected) {
      secretHeaders.add(secretHeader(spec, sec, secretValue(spec, b, sec.name()), allow));
    }
    checkDistinctHeaders(spec, secretHeaders);
    return new RouteCapabilities(spec, stores, allow, allow == null ? null : outboundHttp, variables, secrets, readable,
        secretHeaders, mounts, new java.util.concurrent.atomic.AtomicLong());
  }

  private static String secretValue(String spec, Builder b, String name) {
    Map<String, String> known = b.secrets.containsKey(name) ? b.secrets : provided(spec, b.providers, name);
    return declared(spec, known, name, "secret", "Isola.Builder.secret(\"" + name + "\", value), a SecretProvider"
        + " that knows it, or [secrets] " + name + " = { env = \"...\" } in isola.toml");
  }

  /**
   * The header the host adds for {@code sec}, checked: each of its origins must be one the route may
   * reach, and the filled-in value must be a header value the HTTP client sends (never quoted in a
   * message: it holds the secret).
   */
  private static SecretHeader secretHeader(String spec, Grant.InjectedSecret sec, String secret,
      @org.jspecify.annotations.Nullable OriginAllowList allow) {
    OriginAllowList to = OriginAllowList.of(sec.origins());
    for (OriginAllowList.Entry entry : to.entries()) {
      boolean reachable = allow != null && allow.entries().stream().anyMatch(granted -> covers(granted, entry));
      if (!reachable) {
        throw new HandlerLoadException("route \"" + spec + "\" sends secret " + sec.name() + " to " + entry
            + ", which the route may not reach: grant that origin too, with outbound_http = [...] in isola.toml or"
            + " Grants.outboundHttp(...) in Java");
      }
    }
    int at = sec.template().indexOf("{}");
    String value = sec.template().substring(0, at) + secret + sec.template().substring(at + 2);
    try {
      java.net.http.HttpRequest.newBuilder().header(sec.header(), value);
    } catch (IllegalArgumentException e) { // not e's message: it quotes the value
      throw new HandlerLoadException("route \"" + spec + "\": secret " + sec.name() + " cannot be sent in header "
          + sec.header() + ": its value, put into template \"" + sec.template() + "\", is not a valid header value"
          + " (only visible ASCII characters and spaces)");
    }
    return new SecretHeader(sec.name(), sec.header(), value, to);
  }

  /** Whether every origin {@code inner} allows, {@code outer} allows too. */
  private static boolean covers(OriginAllowList.Entry outer, OriginAllowList.Entry inner) {
    if (!outer.scheme().equals(inner.scheme()) || outer.port() != inner.port()) {
      return false;
    }
    if (!outer.wildcard()) {
      return !inner.wildcard() && outer.host().equals(inner.host());
    }
    return inner.host().endsWith("." + outer.host()) || inner.wildcard() && inner.host().equals(outer.host());
  }

  /** Whether some origin is allowed by both {@code a} and {@code b}. */
  private static boolean overlap(OriginAllowList.Entry a, OriginAllowList.Entry b) {
    return covers(a, b) || covers(b, a);
  }

  /** Two secrets in one header for the same origin would leave it to chance which is sent: refused. */
  private static void checkDistinctHeaders(String spec, List<SecretHeader> headers) {
    for (int i = 0; i < headers.size(); i++) {
      for (int j = i + 1; j < headers.size(); j++) {
        SecretHeader one = headers.get(i);
        SecretHeader two = headers.get(j);
        if (!one.header().equalsIgnoreCase(two.header())) {
          continue;
        }
        for (OriginAllowList.Entry x : one.origins().entries()) {
          for (OriginAllowList.Entry y : two.origins().entries()) {
            if (overlap(x, y)) {
              throw new HandlerLoadException("route \"" + spec + "\" sends " + (one.secret().equals(two.secret())
                  ? "secret " + one.secret() + " twice" : "secrets " + one.secret() + " and " + two.secret())
                  + " in header " + one.header() + " to " + (covers(x, y) ? y : x) + ": grant one header per origin"
                  + " (use another header name, or other origins)");
            }
          }
        }
      }
    }
  }

  private static Path realDirectory(String spec, Grant.Files files) {
    try {
      Path real = files.directory().toRealPath();
      if (Files.isDirectory(real)) {
        return real;
      }
    } catch (IOException e) {
      // reported below
    }
    throw new HandlerLoadException("route \"" + spec + "\" is granted files from " + files.directory().toAbsolutePath()
        + ", which is not an existing directory: create it or fix the path");
  }

  /** {@code name} from the first provider that has it, as a one-entry map (empty if none). */
  private static Map<String, String> provided(String spec, List<SecretProvider> providers, String name) {
    for (SecretProvider provider : providers) {
      java.util.Optional<String> value;
      try {
        value = provider.secret(name);
      } catch (RuntimeException e) {
        throw new HandlerLoadException("route \"" + spec + "\": the secret provider " + provider.getClass().getName()
            + " failed to give secret \"" + name + "\": " + e, e);
      }
      if (value != null && value.isPresent()) {
        return Map.of(name, checkSecret(name, value.get()));
      }
    }
    return Map.of();
  }

  /** Secrets go into header values: CR, LF and NUL would make the header invalid (and drop it). */
  static String checkSecret(String name, String value) {
    if (value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
      throw new IllegalArgumentException("secret " + name + " contains a line break or NUL (a trailing newline from"
          + " a file?): secrets are sent in header values, so trim it");
    }
    return value;
  }

  private static <T> T declared(String spec, Map<String, T> declared, String name, String what, String fix) {
    T value = declared.get(name);
    if (value == null) {
      throw new HandlerLoadException("route \"" + spec + "\" is granted " + what + " \"" + name
          + "\", which this Isola does not declare" + (declared.isEmpty() ? "" : " (it declares "
          + String.join(", ", new java.util.TreeSet<>(declared.keySet())) + ")") + ": declare it with " + fix);
    }
    return value;
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
            deadline, limits.maxResponseBody().bytes()), guestLogSink);
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
      if (outboundHttp != null) {
        outboundHttp.close();
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
    private final Map<String, Handler> routes = new LinkedHashMap<>();
    private final java.util.Set<String> extensionMethods = new java.util.HashSet<>();
    private Limits defaultLimits = Limits.defaults();
    private int callThreads = Math.max(8, 4 * Runtime.getRuntime().availableProcessors());
    private final Map<String, dev.isola.kv.KeyValueStore> stores = new LinkedHashMap<>();
    private final Map<String, String> variables = new LinkedHashMap<>();
    private final Map<String, String> secrets = new LinkedHashMap<>();
    private List<Grant> defaultGrants = List.of();
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
      this.listeners = Objects.requireNonNull(metrics, "metrics").listeners();
      return this;
    }

    /**
     * Not for applications: how {@code dev.isola.testing.IsolaExtension} replaces the network
     * exchange of outbound HTTP with stubs. Only the exchange is replaced; allow-lists, the call's
     * narrowing, the secret headers the host adds and redirect checks stay. The {@code Isola} closes
     * the transport. The type is in a package this module does not export, so code outside Isola
     * cannot call this on the module path.
     */
    @SuppressWarnings("exports")
    public Builder outboundTransport(HttpTransport transport) {
      this.outboundTransport = java.util.Optional.of(Objects.requireNonNull(transport, "transport"));
      return this;
    }

    /**
     * Not for applications: how {@code dev.isola.testing.IsolaExtension} collects guest log lines
     * (they still go to SLF4J as well). The type is in a package this module does not export.
     */
    /**
     * Not for applications: how {@code dev.isola.testing.IsolaExtension} fixes the time guests see
     * (JavaScript's {@code Date}, WASI's clock) for repeatable tests.
     */
    public Builder guestClock(java.time.Clock clock) {
      this.guestClock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    @SuppressWarnings("exports")
    public Builder guestLogSink(GuestLog.Sink sink) {
      this.guestLogSink = Objects.requireNonNull(sink, "sink");
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
      secrets.put(name, checkSecret(name, Objects.requireNonNull(value, () -> "secret " + name + " has no value (null):"
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
