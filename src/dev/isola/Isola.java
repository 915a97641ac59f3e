package dev.isola;

import dev.isola.internal.capability.CapabilityObserver;
import dev.isola.internal.capability.Extensions;
import dev.isola.internal.capability.GrantResolver;
import dev.isola.internal.capability.http.OutboundHttp;
import dev.isola.internal.engine.CallListener;
import dev.isola.internal.pipeline.Access;
import dev.isola.internal.pipeline.IsolaRuntime;
import dev.isola.internal.pipeline.Pipeline;
import dev.isola.internal.pipeline.Route;
import dev.isola.internal.pipeline.TestHooks;
import dev.isola.internal.route.HttpMethods;
import dev.isola.internal.route.RoutePattern;
import dev.isola.internal.route.Router;
import dev.isola.metrics.IsolaMetrics;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;

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
  /** Resolves routes' grants while building; holds the outbound HTTP client, closed with this Isola. */
  private final GrantResolver grants;
  /** Told of each use of an application capability (metrics). */
  private final CapabilityObserver observer =
      (route, capability, operation, outcome, nanos) -> listener().capabilityUsed(route, capability, operation, outcome, nanos);
  /** Threads, engines and sandbox preparer: what {@link #close()} stops. */
  private final IsolaRuntime runtime;
  /** The stages every call runs through, in order. */
  private final Pipeline pipeline;
  private final List<String> routeSpecs;
  /** Binds calls' key-value writes to the caller's transaction, or null. */
  private final dev.isola.kv.@org.jspecify.annotations.Nullable KeyValueTransactions transactions;
  /** The components served here and reached elsewhere; closes its HTTP client with this Isola. */
  private final dev.isola.internal.capability.component.Components components;
  /** Routed calls running or waiting for a call thread, for the metrics' gauge. */
  private final AtomicInteger inflight = new AtomicInteger();
  /** Told of every routed call; {@link CallListener#NONE} without {@link Builder#metrics}. */
  private final CallListener listener;
  /** Records what routes use ({@link Builder#audit}), or null: the gate's only cost is a null check. */
  private final dev.isola.internal.capability.@org.jspecify.annotations.Nullable AuditRecorder auditor;

  private Isola(Builder b) {
    // A replaced transport belongs to this Isola from here on, used by a route or not.
    Extensions extensions = Extensions.of(b.capabilities);
    java.util.Set<String> served = b.checkComponents(extensions.names());
    this.transactions = b.transactions;
    this.components = new dev.isola.internal.capability.component.Components(served, b.remotes, b.nodeKey,
        b.maxCallDepth, java.time.Clock.systemUTC());
    this.grants = new GrantResolver(b.stores, b.variables, b.secrets, b.providers, extensions,
        b.hooks.outboundTransport() == null ? null : new OutboundHttp(b.hooks.outboundTransport()));
    grants.components(components);
    try {
      this.auditor = b.audit == null ? null : new dev.isola.internal.capability.AuditRecorder(b.audit, grants);
      this.runtime = new IsolaRuntime(b.callThreads, b.readySandboxes, b.hooks.guestClock(), b.owned, grants);
    } catch (RuntimeException | Error e) {
      IsolaRuntime.abandonUnstarted(grants, b.owned, e);
      throw e;
    }
    try {
      Router.Builder<Route> routes = Router.builder();
      for (Map.Entry<String, Handler> e : b.routes.entrySet()) {
        routes.add(e.getKey(), prepare(e.getKey(), e.getValue(), b));
      }
      Router<Route> router = routes.build();
      Map<String, Route> componentRoutes = new LinkedHashMap<>();
      for (String name : served) {
        componentRoutes.put(name, prepare(COMPONENT_SPEC + name, b.components.get(name), b));
      }
      this.listener = b.listeners.create(runtime.denials(), inflight, runtime.guestThreads());
      this.pipeline = new Pipeline(router, listener, inflight, b.maxInFlight, observer, auditor,
          b.hooks.guestLogSink(), runtime, componentRoutes, components);
    } catch (RuntimeException e) {
      runtime.abandon(e);
      throw e;
    }
    this.routeSpecs = List.copyOf(b.routes.keySet());
  }

  /** How a component appears where a route's spec would: in messages, logs and metrics. */
  static final String COMPONENT_SPEC = "component ";

  private Route prepare(String spec, Handler handler, Builder b) {
    List<Grant> granted = new java.util.ArrayList<>(b.defaultGrants);
    granted.addAll(handler.grants());
    return runtime.prepare(spec, handler, handler.limits().orElse(b.defaultLimits), granted,
        () -> handler.code().map(text -> text.getBytes(StandardCharsets.UTF_8)).or(handler::module)
            .orElseGet(() -> IsolaRuntime.read(spec, handler)));
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
    return runtime.capabilityDenials();
  }

  /**
   * What each route used and was denied since this {@code Isola} was built with {@link
   * Builder#audit}: per route, the least-privilege grants, the grants never used and the denied
   * uses ({@link dev.isola.capability.AuditReport#toToml()} prints it as {@code isola.toml}
   * fragments). A snapshot; the recording goes on.
   *
   * @throws IllegalStateException if this {@code Isola} was built without an audit
   */
  public dev.isola.capability.AuditReport audit() {
    if (auditor == null) {
      throw new IllegalStateException("this Isola records no audit: build it with"
          + " Isola.newBuilder().audit(Audit.RECORD) (or isola serve --audit)");
    }
    return auditor.report();
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
    return pipeline.limitsFor(method, path);
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
    if (transactions != null) {
      dev.isola.kv.PendingWrites writes = transactions.current();
      if (writes != null) {
        return pipeline.handle(request, options, writes);
      }
    }
    return pipeline.handle(request, options);
  }

  /**
   * Like {@link #handle(Request)}, on a platform thread of this {@code Isola}. The future fails with
   * the same exceptions {@code handle} throws.
   */
  public CompletableFuture<Response> handleAsync(Request request) {
    Objects.requireNonNull(request, "request");
    checkOpen();
    try {
      // The caller's MDC goes along to the call thread.
      return CompletableFuture.supplyAsync(dev.isola.internal.engine.CallerMdc.carried(() -> handle(request)),
          runtime.callThreads());
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(runtime.overloaded(e));
    }
  }

  private CallListener listener() {
    CallListener l = listener;
    return l == null ? CallListener.NONE : l;
  }

  private void checkOpen() {
    if (runtime.isClosed()) {
      throw new IllegalStateException("this Isola is closed: build a new one with Isola.newBuilder()");
    }
  }

  /**
   * Refuses new calls, stops the calls still running (they end with an {@link IsolaException}),
   * waits up to 5 seconds for them to leave, and releases the engine and threads. Idempotent.
   */
  @Override
  public void close() {
    runtime.close(listener);
    components.close();
  }

  /** Names a component may not have: Isola's own bindings in {@code env} and in {@code isola:host}. */
  private static final java.util.Set<String> RESERVED_COMPONENT_NAMES =
      java.util.Set.of("kv", "vars", "secrets", "files", "http", "call", "calls", "fetch", "log");

  /** Builds an {@link Isola}; not thread-safe. Each setting is checked where it is written. */
  public static final class Builder {
    static {
      Access.registerBuilder(builder -> builder.hooks);
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
    /** What dev.isola.testing sets through {@link Access#hooks}: stub transport, log sink, clock. */
    private final TestHooks hooks = new TestHooks();
    private int maxInFlight = Limits.UNLIMITED;
    private int readySandboxes = 1;
    private dev.isola.capability.@org.jspecify.annotations.Nullable Audit audit;
    private final Map<String, Handler> components = new LinkedHashMap<>();
    private final Map<String, java.net.URI> remotes = new LinkedHashMap<>();
    private byte @org.jspecify.annotations.Nullable [] nodeKey;
    private java.util.@org.jspecify.annotations.Nullable Set<String> served;
    private int maxCallDepth = dev.isola.internal.capability.component.Components.DEFAULT_MAX_DEPTH;
    private dev.isola.kv.@org.jspecify.annotations.Nullable KeyValueTransactions transactions;

    private Builder() {}

    /**
     * Makes the key-value writes of a call wait for the transaction of the thread that calls {@link
     * Isola#handle(Request)}, when it runs in one: they are applied if it commits and dropped if it
     * rolls back (see {@link dev.isola.kv.PendingWrites} for what else changes). The calls made in
     * one transaction, and the local components they call, read its writes meanwhile. The Spring Boot
     * auto-configuration sets one for Spring's transactions. {@link Isola#handleAsync} calls join
     * no transaction.
     */
    public Builder keyValueTransactions(dev.isola.kv.KeyValueTransactions transactions) {
      this.transactions = Objects.requireNonNull(transactions, "transactions");
      return this;
    }

    /**
     * Declares component {@code name}: a handler that routes granted {@link Grants#calls} call by
     * name ({@code await env.NAME.fetch(request)} in JavaScript, {@code http://NAME.internal/...}
     * from any handler), each call in its own fresh sandbox with the component's own grants and
     * limits. A component is not a public route: declare a {@link #route} with the same handler for
     * that. Where it runs is configuration: here, unless {@link #serveComponents} leaves it out and
     * {@link #remote} names the node that serves it.
     *
     * @throws IllegalArgumentException if {@code name} is not lower-case letters and digits starting
     *     with a letter (at most 32), is one of Isola's own binding names, or is declared twice
     */
    public Builder component(String name, Handler handler) {
      dev.isola.internal.capability.component.Components.checkName(name);
      Objects.requireNonNull(handler, "handler");
      if (RESERVED_COMPONENT_NAMES.contains(name)) {
        throw new IllegalArgumentException("component name \"" + name + "\" is one of Isola's own bindings ("
            + String.join(", ", new java.util.TreeSet<>(RESERVED_COMPONENT_NAMES)) + "): choose another, e.g."
            + " \"inventory\"");
      }
      if (components.putIfAbsent(name, handler) != null) {
        throw new IllegalArgumentException("component \"" + name + "\" is declared twice: keep one");
      }
      return this;
    }

    /**
     * Calls to component {@code name} go to the Isola node at {@code url} (e.g. {@code
     * http://inventory.internal:8080}, or with the path the node's adapter is mounted at) whenever
     * this node does not serve it itself: over HTTP, signed with {@link #nodeKey}, carrying the time
     * left, the request id, the trace and the call depth. The caller's and callee's code is the same
     * either way.
     *
     * @throws IllegalArgumentException if {@code url} is not an absolute http or https URL without
     *     query or fragment
     */
    public Builder remote(String name, String url) {
      dev.isola.internal.capability.component.Components.checkName(name);
      Objects.requireNonNull(url, "url");
      java.net.URI uri;
      try {
        uri = new java.net.URI(url);
      } catch (java.net.URISyntaxException e) {
        throw new IllegalArgumentException("remote \"" + name + "\": \"" + url + "\" is not a URL: " + e.getReason()
            + "; write e.g. \"http://10.0.0.7:8080\"");
      }
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
          || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
        throw new IllegalArgumentException("remote \"" + name + "\": \"" + url + "\" must be an http or https URL with"
            + " a host and no user, query or fragment, e.g. \"http://10.0.0.7:8080\"");
      }
      remotes.put(name, uri);
      return this;
    }

    /**
     * The key this node signs its remote component calls with, and checks its peers' calls against:
     * the same on every node, at least 32 bytes in UTF-8 (e.g. {@code openssl rand -base64 48}), from
     * a secret store, never from code. With it, this node serves the components it runs to peers
     * presenting a valid token at {@code /.isola/components/NAME/...}; without it, it serves no peer.
     *
     * @throws IllegalArgumentException if the key is shorter than 32 bytes
     */
    public Builder nodeKey(String key) {
      byte[] bytes = Objects.requireNonNull(key, "key").getBytes(StandardCharsets.UTF_8);
      new dev.isola.internal.capability.component.NodeToken(bytes, java.time.Clock.systemUTC()); // checks the length
      this.nodeKey = bytes;
      return this;
    }

    /**
     * Serves only components {@code names} on this node (all declared ones by default): the others
     * are not built here, and calls to them go to their {@link #remote}; {@link #build()} fails if a
     * route may call one that has none. Routes are served either way.
     *
     * @throws IllegalArgumentException if a name is not a component name
     */
    public Builder serveComponents(String... names) {
      java.util.Set<String> set = new java.util.LinkedHashSet<>();
      for (String name : names) {
        set.add(dev.isola.internal.capability.component.Components.checkName(name));
      }
      this.served = set;
      return this;
    }

    /**
     * The longest chain of component calls (a calls b calls c: 2); a call that would be deeper is
     * answered 508 Loop Detected without running, so a loop of components (a calls b calls a ...)
     * ends quickly. 8 by default.
     *
     * @throws IllegalArgumentException if below 1 or above 64
     */
    public Builder maxCallDepth(int depth) {
      if (depth < 1 || depth > 64) {
        throw new IllegalArgumentException("maxCallDepth " + depth + " must be between 1 and 64");
      }
      this.maxCallDepth = depth;
      return this;
    }

    /** The components this node serves, after checking names and what calls need. */
    private java.util.Set<String> checkComponents(java.util.Set<String> capabilityNames) {
      for (String name : components.keySet()) {
        if (capabilityNames.contains(name)) {
          throw new IllegalArgumentException("component \"" + name + "\" has the name of a capability this Isola"
              + " registers (both would be env." + name + "): rename one");
        }
      }
      java.util.Set<String> servedHere = new java.util.LinkedHashSet<>(components.keySet());
      if (served != null) {
        java.util.Set<String> unknown = new java.util.TreeSet<>(served);
        unknown.removeAll(components.keySet());
        if (!unknown.isEmpty()) {
          throw new IllegalArgumentException("serveComponents names " + unknown + ", which are not declared"
              + (components.isEmpty() ? "" : " (declared: " + String.join(", ", new java.util.TreeSet<>(components.keySet())) + ")")
              + ": declare them with component(name, handler)");
        }
        servedHere.retainAll(served);
      }
      if (nodeKey != null) {
        for (String spec : routes.keySet()) {
          List<RoutePattern.Segment> segments = RoutePattern.parse(spec).segments();
          if (!segments.isEmpty() && segments.get(0) instanceof RoutePattern.Literal l && l.value().equals(".isola")) {
            throw new RouteConflictException("route \"" + spec + "\" is under /.isola/, where this node serves"
                + " its peers' component calls: move it");
          }
        }
      }
      return servedHere;
    }

    /**
     * Records, per route, what guests use and are denied, for {@link Isola#audit()}: the
     * least-privilege grants each route needs. Off by default. {@link dev.isola.capability.Audit#RECORD}
     * changes nothing else: grants are enforced as ever. {@link dev.isola.capability.Audit#PERMISSIVE}
     * is for development only (a warning is logged at {@link #build()}): uses of stores, variables and
     * host interfaces this builder declares, and of public origins, are logged and let through
     * although not granted; readable secrets, files outside mounts and private addresses never are.
     */
    public Builder audit(dev.isola.capability.Audit mode) {
      this.audit = Objects.requireNonNull(mode, "mode");
      return this;
    }

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
      secrets.put(name, dev.isola.internal.capability.secrets.Secrets.checkSecret(name, Objects.requireNonNull(value, () -> "secret " + name + " has no value (null):"
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
     * @throws RouteConflictException if two routes match the same requests with equal rank, or a route is
     *     under {@code /.isola/} while {@link #nodeKey} serves peers there
     */
    public Isola build() {
      return new Isola(this);
    }
  }
}
