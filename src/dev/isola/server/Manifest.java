package dev.isola.server;

import dev.isola.Handler;
import dev.isola.HandlerLoadException;
import dev.isola.Isola;
import dev.isola.Limits;
import dev.isola.RouteConflictException;
import dev.isola.kv.KeyValueStore;
import dev.isola.kv.KeyValueStores;
import dev.isola.kv.StoreLimits;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * An {@code isola.toml}: the routes of an {@link Isola}, their limits, and where the dev server
 * listens. Immutable; {@link #load(Path)} checks everything it can without starting an engine, and
 * {@link #build()} builds the {@code Isola}.
 *
 * <pre>{@code
 * [server]                  # optional; isola serve --host/--port override it
 * host = "127.0.0.1"        # default 127.0.0.1
 * port = 8080               # default 8080
 * ready_sandboxes = 1       # sandboxes built ahead per route, 0 to 16; see Isola.Builder#readySandboxes
 * threads = 8               # dev server request threads, 1 to 1024 (default max(4, 2 × processors), at most 64)
 * queue = 32                # requests waiting for a thread, 0 to 65536 (default 4 per thread); past it 503
 *
 * [limits]                  # optional defaults for every route
 * timeout = "10s"           # a whole number and ms, s, m or h
 * memory = "256MiB"         # a whole number and B, KiB, MiB or GiB
 * max_request_body = "8MiB"
 * max_response_body = "8MiB"
 * max_log_lines = 100
 *
 * [[route]]
 * path = "GET /hello/:name"     # a route spec, see Isola.Builder#route
 * handler = "js/hello.js"       # relative to this file's folder; .js or .mjs
 * timeout = "2s"                # any [limits] key overrides the default for this route
 * calls = ["inventory"]         # components this route may call, see Grants#calls
 *
 * [[route]]                     # a component: a handler routes call by name (see Isola.Builder#component);
 * name = "inventory"            # with a path as well, it is also a public route
 * handler = "js/inventory.js"
 *
 * [remote.inventory]            # where calls to inventory go when this node does not serve it
 * url = "http://10.0.0.7:8080"
 *
 * [node]
 * key_secret = "NODE_KEY"       # a [secrets] entry: the node key, the same on every node (Isola.Builder#nodeKey)
 * max_call_depth = 8            # the longest chain of component calls, 1 to 64; deeper is 508
 * components = ["inventory"]    # serve only these components here (default all); isola serve --components
 * }</pre>
 *
 * <pre>{@code
 * Manifest manifest = Manifest.load(Path.of("isola.toml"));
 * try (Isola isola = manifest.build();
 *      DevServer server = DevServer.start(isola, manifest.address())) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Every problem is a {@link ManifestException} whose message starts with {@code file:line:column:},
 * names the key and says what to write instead.
 */
public final class Manifest {
  /** The host the dev server binds when {@code [server] host} is not set. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** The port the dev server binds when {@code [server] port} is not set. */
  public static final int DEFAULT_PORT = 8080;

  /** Sandboxes built ahead per route when {@code [server] ready_sandboxes} is not set. */
  public static final int DEFAULT_READY_SANDBOXES = 1;

  private final Path file;
  private final String host;
  private final int port;
  private final int readySandboxes;
  private final int threads;
  private final int queue;
  private final Limits defaultLimits;
  private final Declarations declarations;
  private final List<Route> routes;
  private final List<String> extensionMethods;
  private final Nodes nodes;

  /**
   * A {@code [store.NAME]} table: {@code type} {@code "file"} (the default; {@code path}, default
   * {@code .isola/stores/NAME} next to the manifest), {@code "memory"}, or {@code "redis"} ({@code
   * uri}, optional key {@code prefix}); and its quotas {@code max_value_size}, {@code max_keys},
   * {@code max_bytes} (defaults: {@link StoreLimits#MEMORY_DEFAULTS} for memory stores, {@link
   * StoreLimits#NONE} for the others).
   */
  public record StoreSpec(String name, String type, @Nullable Path path, @Nullable String uri, String prefix,
      StoreLimits limits) {
    /** A table without quota keys: the default quotas of its type. */
    public StoreSpec(String name, String type, @Nullable Path path, @Nullable String uri, String prefix) {
      this(name, type, path, uri, prefix, defaultLimits(type));
    }

    /** The quotas of a store of {@code type} whose table sets none. */
    public static StoreLimits defaultLimits(String type) {
      return "memory".equals(type) ? StoreLimits.MEMORY_DEFAULTS : StoreLimits.NONE;
    }

    /** Opens the store this table describes. */
    public KeyValueStore open() {
      return switch (type) {
        case "memory" -> KeyValueStores.inMemory(limits);
        case "redis" -> KeyValueStores.redis(uri, prefix, limits);
        default -> KeyValueStores.file(path, limits);
      };
    }
  }

  /**
   * What the manifest declares for routes to be granted: {@code [store.NAME]} tables, {@code
   * [variables]} and {@code [secrets]} (secret values already read from the environment where the
   * manifest says {@code { env = "NAME" }}).
   */
  public record Declarations(Map<String, StoreSpec> stores, Map<String, String> variables, Map<String, String> secrets) {
    public Declarations {
      stores = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(stores));
      variables = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(variables));
      secrets = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(secrets));
    }

    @Override
    public String toString() {
      return "Declarations{stores=" + stores.keySet() + ", variables=" + variables.keySet() + ", secrets="
          + secrets.keySet() + "}"; // never the secrets' values
    }
  }

  /**
   * One {@code [[route]]} entry: a public route ({@code path}), a component ({@code name}), or both,
   * with the same handler.
   *
   * @param spec the route spec, e.g. {@code "GET /hello/:name"}; null for an entry that is only a
   *     component
   * @param name the component name, e.g. {@code "inventory"}; null for an entry that is only a route
   * @param handler the handler, its file resolved against the manifest's folder and its limits set to
   *     the route's effective limits: {@code [limits]} with the route's own keys on top
   * @param line the line of the entry's {@code [[route]]} header in the manifest
   */
  public record Route(@Nullable String spec, @Nullable String name, Handler handler, int line) {
    /** Checks that the entry has a spec or a name and that the handler has its file and limits. */
    public Route {
      Objects.requireNonNull(handler, "handler");
      if (spec == null && name == null) {
        throw new IllegalArgumentException("a manifest route has a spec, a component name or both: " + handler);
      }
      if (handler.file().isEmpty() || handler.limits().isEmpty()) {
        throw new IllegalArgumentException("a manifest route's handler has a file and limits: " + handler);
      }
    }

    /** A public route that is no component. */
    public Route(String spec, Handler handler, int line) {
      this(Objects.requireNonNull(spec, "spec"), null, handler, line);
    }

    /** The handler's file. */
    public Path file() {
      return handler.file().orElseThrow();
    }

    /** The route's effective limits. */
    public Limits limits() {
      return handler.limits().orElseThrow();
    }

    /** How the entry is shown: {@code GET /a}, {@code component inventory} or {@code GET /a + component inventory}. */
    public String label() {
      return spec == null ? "component " + name : name == null ? spec : spec + " + component " + name;
    }
  }

  /**
   * {@code [remote.NAME]} tables and the {@code [node]} table: where the components a node does not
   * serve run, and how nodes trust each other.
   *
   * @param remotes each {@code [remote.NAME] url}, by component name
   * @param keySecret {@code [node] key_secret}: the {@code [secrets]} entry holding the node key, or
   *     null for none
   * @param maxCallDepth {@code [node] max_call_depth}, 8 by default
   * @param served {@code [node] components} (or {@code isola serve --components}): the components
   *     served here, or null for every declared one
   */
  record Nodes(Map<String, URI> remotes, @Nullable String keySecret, int maxCallDepth, @Nullable List<String> served) {
    Nodes {
      remotes = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(remotes));
      served = served == null ? null : List.copyOf(served);
    }

    static final Nodes NONE = new Nodes(Map.of(), null, DEFAULT_MAX_CALL_DEPTH, null);
  }

  /** The longest chain of component calls when {@code [node] max_call_depth} is not set. */
  public static final int DEFAULT_MAX_CALL_DEPTH = 8;

  Manifest(Path file, String host, int port, int readySandboxes, int threads, int queue, Limits defaultLimits,
      Declarations declarations, List<String> extensionMethods, List<Route> routes) {
    this(file, host, port, readySandboxes, threads, queue, defaultLimits, declarations, extensionMethods, routes,
        Nodes.NONE);
  }

  Manifest(Path file, String host, int port, int readySandboxes, int threads, int queue, Limits defaultLimits,
      Declarations declarations, List<String> extensionMethods, List<Route> routes, Nodes nodes) {
    this.nodes = nodes;
    this.extensionMethods = List.copyOf(extensionMethods);
    this.file = file;
    this.host = host;
    this.port = port;
    this.readySandboxes = readySandboxes;
    this.threads = threads;
    this.queue = queue;
    this.defaultLimits = defaultLimits;
    this.declarations = declarations;
    this.routes = List.copyOf(routes);
  }

  /**
   * Reads and checks {@code file}: TOML syntax, known keys and their types, durations and sizes,
   * route specs, and that every handler file exists with a known extension. Handlers are not
   * compiled here; {@link #build()} does that. A folder holding an {@code isola.toml} may be given
   * instead of the file.
   *
   * @throws ManifestException naming the file, line, key and fix for the first problem found
   */
  public static Manifest load(Path file) {
    Objects.requireNonNull(file, "file");
    return new ManifestReader(file).read();
  }

  /** The manifest file that was loaded. */
  public Path file() {
    return file;
  }

  /** {@code [server] host}, or {@value #DEFAULT_HOST}. */
  public String host() {
    return host;
  }

  /** {@code [server] port}, or {@value #DEFAULT_PORT}; 0 means any free port. */
  public int port() {
    return port;
  }

  /** {@link #host()} and {@link #port()} as a socket address (the host name is resolved). */
  public InetSocketAddress address() {
    return new InetSocketAddress(host, port);
  }

  /** {@code [limits]} on top of {@link Limits#defaults()}. */
  public Limits defaultLimits() {
    return defaultLimits;
  }

  /** The top-level {@code extension_methods}: methods beyond RFC 9110's and PATCH that routes may name. */
  public List<String> extensionMethods() {
    return extensionMethods;
  }

  /**
   * The {@code [[route]]} entries this node serves, in the order they are declared: every entry
   * without a {@code name}, and those whose component is {@linkplain #servedComponents() served}.
   */
  public List<Route> routes() {
    return routes.stream().filter(r -> r.name() == null || nodes.served() == null
        || nodes.served().contains(r.name())).toList();
  }

  /** The component names the {@code [[route]]} entries declare, served here or not, in order. */
  public List<String> components() {
    return routes.stream().map(Route::name).filter(Objects::nonNull).toList();
  }

  /**
   * {@code [node] components} or the names given to {@link #serving}: the components this node
   * serves; empty when it serves every one it declares.
   */
  public Optional<List<String>> servedComponents() {
    return Optional.ofNullable(nodes.served());
  }

  /** The {@code [remote.NAME] url} of each remote component, by name. */
  public Map<String, URI> remotes() {
    return nodes.remotes();
  }

  /** {@code [node] key_secret}: the name of the {@code [secrets]} entry holding the node key. */
  public Optional<String> nodeKeySecret() {
    return Optional.ofNullable(nodes.keySecret());
  }

  /** {@code [node] max_call_depth}, or {@value #DEFAULT_MAX_CALL_DEPTH}. */
  public int maxCallDepth() {
    return nodes.maxCallDepth();
  }

  /**
   * This manifest serving only components {@code names} (none if empty), whatever its {@code [node]
   * components} says: what {@code isola serve --components} does. Entries whose component is left
   * out are not served, neither their path nor the component; calls to them go to their {@code
   * [remote.NAME]}.
   *
   * @throws ManifestException if a name is not declared by any {@code [[route]]} entry
   */
  public Manifest serving(java.util.Collection<String> names) {
    List<String> served = List.copyOf(new java.util.LinkedHashSet<>(names));
    List<String> unknown = served.stream().filter(n -> !components().contains(n)).toList();
    if (!unknown.isEmpty()) {
      throw new ManifestException(file, 0, 0, "components", "the components to serve include "
          + String.join(", ", unknown.stream().map(n -> "\"" + n + "\"").toList()) + ", which no [[route]] declares"
          + " with name = ...: " + (components().isEmpty() ? "this manifest declares no components"
              : "name some of " + String.join(", ", components())), null);
    }
    return new Manifest(file, host, port, readySandboxes, threads, queue, defaultLimits, declarations,
        extensionMethods, routes, new Nodes(nodes.remotes(), nodes.keySecret(), nodes.maxCallDepth(), served));
  }

  /** {@code [server] ready_sandboxes}: sandboxes built ahead per route (see Isola.Builder#readySandboxes). */
  public int readySandboxes() {
    return readySandboxes;
  }

  /**
   * {@code [server] threads}: the dev server's request threads, or {@link DevServer#defaultThreads()}
   * (see {@link DevServer#start(Isola, InetSocketAddress, int, int)}).
   */
  public int threads() {
    return threads;
  }

  /**
   * {@code [server] queue}: requests that may wait for one of the {@link #threads()}, or {@value
   * DevServer#DEFAULT_QUEUE_PER_THREAD} per thread; past it the dev server answers 503.
   */
  public int queue() {
    return queue;
  }

  /** The stores, variables and secrets the manifest declares. */
  public Declarations declarations() {
    return declarations;
  }

  /**
   * A new {@link Isola.Builder} holding every route and component this node serves ({@link
   * #routes()}), each handler carrying its route's effective limits, the remotes, node key and call
   * depth, and {@link #defaultLimits()} as the default for routes added to it later. Use it to add
   * routes in code; otherwise call {@link #build()}.
   */
  public Isola.Builder toBuilder() {
    Isola.Builder builder = Isola.newBuilder().defaultLimits(defaultLimits).readySandboxes(readySandboxes)
        .extensionMethods(extensionMethods.toArray(String[]::new)).maxCallDepth(nodes.maxCallDepth());
    declarations.variables().forEach(builder::variable);
    declarations.secrets().forEach(builder::secret);
    for (StoreSpec store : declarations.stores().values()) {
      builder.ownedStore(store.name(), store.open());
    }
    for (Route route : routes()) {
      if (route.spec() != null) {
        builder.route(route.spec(), route.handler());
      }
      if (route.name() != null) {
        builder.component(route.name(), route.handler());
      }
    }
    nodes.remotes().forEach((name, url) -> builder.remote(name, url.toString()));
    if (nodes.keySecret() != null) {
      builder.nodeKey(Objects.requireNonNull(declarations.secrets().get(nodes.keySecret()), nodes.keySecret()));
    }
    if (nodes.served() != null) {
      builder.serveComponents(nodes.served().toArray(String[]::new));
    }
    return builder;
  }

  /**
   * Builds the {@link Isola}: compiles every handler and checks the route table. Errors from that
   * step keep their type and gain the manifest's {@code file:line:} in front of their message.
   *
   * @throws HandlerLoadException if a handler does not load (e.g. a JavaScript syntax error)
   * @throws RouteConflictException if two routes match the same requests with equal rank
   * @throws HandlerLoadException also if a route may call a component this node neither serves nor
   *     reaches through a {@code [remote.NAME]}
   */
  public Isola build() {
    return build(null);
  }

  /** Like {@link #build()}, recording an audit in {@code audit} mode if it is not null ({@code isola serve --audit}). */
  Isola build(dev.isola.capability.@Nullable Audit audit) {
    try {
      Isola.Builder builder = toBuilder();
      return (audit == null ? builder : builder.audit(audit)).build();
    } catch (HandlerLoadException e) {
      throw new HandlerLoadException(where(e.getMessage()) + e.getMessage(), e);
    } catch (RouteConflictException e) {
      RouteConflictException located = new RouteConflictException(where(e.getMessage()) + e.getMessage());
      located.initCause(e);
      throw located;
    }
  }

  /** {@code file:line: } of the route quoted first in {@code message}, or just {@code file: }. */
  private String where(String message) {
    @Nullable Route first = null;
    int firstAt = Integer.MAX_VALUE;
    for (Route route : routes) {
      List<String> quoted = new java.util.ArrayList<>();
      if (route.spec() != null) {
        quoted.add('"' + route.spec() + '"');
      }
      if (route.name() != null) {
        quoted.add("\"component " + route.name() + '"');
        quoted.add("component \"" + route.name() + '"');
      }
      for (String q : quoted) {
        int at = message.indexOf(q);
        if (at >= 0 && at < firstAt) {
          first = route;
          firstAt = at;
        }
      }
    }
    return first == null ? file + ": " : file + ":" + first.line() + ": ";
  }

  @Override
  public String toString() {
    return "Manifest{" + file + ", " + routes.size() + " routes, " + host + ":" + port + "}"; // never the node key
  }
}
