package dev.isola.spring;

import dev.isola.DataSize;
import dev.isola.Limits;
import dev.isola.kv.StoreLimits;
import dev.isola.server.Manifest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.ConstructorBinding;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The {@code isola.*} properties of {@link IsolaAutoConfiguration}. Immutable; bound once at
 * startup, where a bad value fails the application with a message naming the property.
 *
 * <pre>{@code
 * isola.manifest=isola.toml                      # optional: routes, limits, stores of an isola.toml
 * isola.base-path=/fn                            # default /isola: served at /fn/*
 * isola.routes[0].path=GET /hello/:name
 * isola.routes[0].handler=handlers/hello.js      # relative to the working directory
 * isola.routes[0].timeout=2s                     # optional, like memory
 * isola.routes[0].memory=64MiB
 * isola.routes[0].variables=GREETING             # optional: the variables the route may read
 * isola.variables.GREETING=Hello
 * isola.stores.sessions.type=memory              # optional: key-value stores (file, memory, redis)
 * isola.stores.sessions.max-keys=10000           # optional quotas, as in [store.NAME] of isola.toml
 * isola.routes[0].key-value=sessions             # optional: the stores the route may use
 * isola.routes[0].calls=inventory                # optional: the components the route may call
 * isola.routes[1].name=inventory                 # a component (with a path as well, also a route)
 * isola.routes[1].handler=handlers/inventory.js
 * isola.remotes.billing.url=http://10.0.0.7:8080/fn   # where a component not served here runs
 * isola.node-key=${ISOLA_NODE_KEY}               # from the environment, never in a file; >= 32 bytes
 * isola.components=inventory                     # optional: serve only these components here
 * isola.max-call-depth=8                         # optional: the longest chain of component calls
 * }</pre>
 *
 * @param manifest an {@code isola.toml} (or a folder holding one) whose routes, limits, stores,
 *     variables and secrets the {@code Isola} starts with; its handler files are resolved against
 *     its own folder
 * @param basePath where the routes are served: {@code "/fn"} serves route {@code "GET /hello/:name"}
 *     at {@code /fn/hello/world}; a path with a leading {@code /} and no trailing {@code /}
 * @param routes routes added after the manifest's
 * @param variables variables added after the manifest's, readable by routes granted them
 * @param stores key-value stores added after the manifest's, by name, usable by routes granted them
 * @param remotes where components this application does not serve run, by component name (over
 *     the manifest's {@code [remote.NAME]})
 * @param nodeKey the node key that signs remote component calls and checks peers' calls (see
 *     {@link dev.isola.Isola.Builder#nodeKey}); set it from the environment ({@code
 *     isola.node-key=${ISOLA_NODE_KEY}}, or the variable {@code ISOLA_NODEKEY}, which Spring binds to
 *     it), never in a committed file
 * @param components the components served here (those of the manifest and of {@code isola.routes});
 *     unset, all of them; routes whose {@code name} is left out are not served at all
 * @param maxCallDepth the longest chain of component calls (see {@link
 *     dev.isola.Isola.Builder#maxCallDepth}); unset, the manifest's or 8
 */
@ConfigurationProperties("isola")
public record IsolaProperties(
    @Nullable Path manifest,
    @DefaultValue(DEFAULT_BASE_PATH) String basePath,
    @Nullable List<Route> routes,
    @Nullable Map<String, String> variables,
    @Nullable Map<String, Store> stores,
    @Nullable Map<String, Remote> remotes,
    @Nullable String nodeKey,
    @Nullable List<String> components,
    @Nullable Integer maxCallDepth) {

  /** As before components could be set here: none. */
  public IsolaProperties(@Nullable Path manifest, String basePath, @Nullable List<Route> routes,
      @Nullable Map<String, String> variables, @Nullable Map<String, Store> stores) {
    this(manifest, basePath, routes, variables, stores, null, null, null, null);
  }

  /** As before key-value stores could be set here: none. */
  public IsolaProperties(@Nullable Path manifest, String basePath, @Nullable List<Route> routes,
      @Nullable Map<String, String> variables) {
    this(manifest, basePath, routes, variables, null);
  }

  /** The base path when {@code isola.base-path} is not set. */
  public static final String DEFAULT_BASE_PATH = "/isola";

  /**
   * Checks the base path and makes absent lists and maps empty.
   *
   * @throws IllegalArgumentException naming {@code isola.base-path} when it is not like {@code /fn}
   */
  @ConstructorBinding
  public IsolaProperties {
    Objects.requireNonNull(basePath, "basePath");
    if (!basePath.startsWith("/") || basePath.length() == 1 || basePath.endsWith("/") || basePath.contains("*")) {
      throw new IllegalArgumentException("isola.base-path \"" + basePath + "\" must be a path like \"/fn\""
          + " (leading '/', no trailing '/', no '*'); the routes are then served at /fn/*");
    }
    routes = routes == null ? List.of() : List.copyOf(routes);
    variables = variables == null ? Map.of() : Map.copyOf(variables);
    stores = stores == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(stores));
    remotes = remotes == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(remotes));
    components = components == null ? null : List.copyOf(components);
  }

  /** Never null once bound; the accessor is here to say so. */
  @Override
  public Map<String, Remote> remotes() {
    return Objects.requireNonNull(remotes);
  }

  /** {@code isola.node-key}, if set. */
  public Optional<String> nodeKeyValue() {
    return Optional.ofNullable(nodeKey);
  }

  /** {@code isola.components}, if set (empty: serve no component). */
  public Optional<List<String>> servedComponents() {
    return Optional.ofNullable(components);
  }

  /** Everything but the node key's value. */
  @Override
  public String toString() {
    return "IsolaProperties[manifest=" + manifest + ", basePath=" + basePath + ", routes=" + routes + ", variables="
        + variables + ", stores=" + stores + ", remotes=" + remotes + ", nodeKey=" + (nodeKey == null ? "unset" : "(set)")
        + ", components=" + components + ", maxCallDepth=" + maxCallDepth + "]";
  }

  /**
   * One {@code isola.remotes.NAME} entry: where component NAME runs when this application does not
   * serve it.
   *
   * @param url the node's URL, with the path its Isola is served at, e.g. {@code http://10.0.0.7:8080/fn}
   */
  public record Remote(@Nullable String url) {}

  /** Never null once bound; the accessor is here to say so. */
  @Override
  public Map<String, Store> stores() {
    return Objects.requireNonNull(stores);
  }

  /**
   * One {@code isola.stores.NAME} entry: a key-value store, like a {@code [store.NAME]} table of
   * {@code isola.toml}.
   *
   * @param type {@code file} (the default), {@code memory} or {@code redis}
   * @param path a file store's directory; default {@code .isola/stores/NAME} in the working directory
   * @param uri a Redis store's {@code redis://host:port/db}
   * @param prefix a Redis store's key prefix; default none
   * @param maxValueSize the largest value ({@code 1MiB}); see {@link StoreLimits}
   * @param maxKeys the most keys
   * @param maxBytes the most bytes of keys and values ({@code 64MiB})
   */
  public record Store(
      @Nullable String type,
      @Nullable Path path,
      @Nullable String uri,
      @Nullable String prefix,
      @Nullable String maxValueSize,
      @Nullable Long maxKeys,
      @Nullable String maxBytes) {

    /** The quotas this entry sets over the default of its type; a malformed one is named. */
    public StoreLimits limits(String name) {
      StoreLimits limits = Manifest.StoreSpec.defaultLimits(kind(name));
      try {
        if (maxValueSize != null) {
          limits = limits.withMaxValueSize(size(name, "max-value-size", maxValueSize));
        }
        if (maxKeys != null) {
          limits = limits.withMaxKeys(maxKeys);
        }
        if (maxBytes != null) {
          limits = limits.withMaxBytes(size(name, "max-bytes", maxBytes));
        }
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("isola.stores." + name + ": " + e.getMessage(), e);
      }
      return limits;
    }

    /** The store this entry describes, as {@code isola.toml} would describe it. */
    public Manifest.StoreSpec spec(String name) {
      String kind = kind(name);
      if (kind.equals("redis") && (uri == null || uri.isBlank())) {
        throw new IllegalArgumentException("isola.stores." + name + " is a redis store without a uri:"
            + " set isola.stores." + name + ".uri=redis://127.0.0.1:6379/0");
      }
      Path dir = path != null ? path : Path.of(".isola", "stores", name);
      return new Manifest.StoreSpec(name, kind, kind.equals("file") ? dir.toAbsolutePath().normalize() : null,
          kind.equals("redis") ? uri : null, prefix == null ? "" : prefix, limits(name));
    }

    private String kind(String name) {
      String kind = type == null ? "file" : type;
      if (!List.of("file", "memory", "redis").contains(kind)) {
        throw new IllegalArgumentException("isola.stores." + name + ".type \"" + kind + "\" is not a store type:"
            + " set file (durable, the default), memory or redis");
      }
      return kind;
    }

    private static DataSize size(String name, String key, String text) {
      try {
        return DataSize.parse(text);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(key + " \"" + text + "\" is not a data size: write e.g. 1MiB or 64MiB", e);
      }
    }
  }

  /** The manifest, if {@code isola.manifest} is set. */
  public Optional<Path> manifestFile() {
    return Optional.ofNullable(manifest);
  }

  /** Never null once bound; the accessor is here to say so. */
  @Override
  public List<Route> routes() {
    return Objects.requireNonNull(routes);
  }

  /** Never null once bound; the accessor is here to say so. */
  @Override
  public Map<String, String> variables() {
    return Objects.requireNonNull(variables);
  }

  /**
   * One {@code isola.routes[n]} entry: a public route ({@code path}), a component ({@code name}), or
   * both, with the same handler.
   *
   * @param path the route spec, e.g. {@code "GET /hello/:name"} (see {@link dev.isola.Isola.Builder#route});
   *     unset for a component that is no public route
   * @param handler the handler file: a JavaScript module ({@code .js}, {@code .mjs}) or a
   *     WebAssembly module ({@code .wasm}), relative to the working directory
   * @param timeout the route's timeout ({@code 2s}, {@code 500ms}); the default limits' if unset
   * @param memory the route's memory limit ({@code 64MiB}); the default limits' if unset
   * @param variables names of {@code isola.variables} (or manifest variables) the route may read
   * @param keyValue names of {@code isola.stores} (or manifest stores) the route may use
   * @param hostInterfaces names of host interfaces (beans annotated {@link IsolaHostInterface}, or
   *     {@code Capability} beans) the route may call
   * @param name the component name other routes call it by (see {@link dev.isola.Isola.Builder#component})
   * @param calls names of components the route may call ({@link dev.isola.Grants#calls})
   */
  public record Route(
      @Nullable String path,
      Path handler,
      @Nullable Duration timeout,
      @Nullable String memory,
      @Nullable List<String> variables,
      @Nullable List<String> keyValue,
      @Nullable List<String> hostInterfaces,
      @Nullable String name,
      @Nullable List<String> calls) {

    /** A public route that is no component and calls none. */
    public Route(String path, Path handler, @Nullable Duration timeout, @Nullable String memory,
        @Nullable List<String> variables, @Nullable List<String> keyValue, @Nullable List<String> hostInterfaces) {
      this(path, handler, timeout, memory, variables, keyValue, hostInterfaces, null, null);
    }

    /** A route granted no key-value store. */
    public Route(String path, Path handler, @Nullable Duration timeout, @Nullable String memory,
        @Nullable List<String> variables) {
      this(path, handler, timeout, memory, variables, null, null);
    }

    /** A route granted no host interface. */
    public Route(String path, Path handler, @Nullable Duration timeout, @Nullable String memory,
        @Nullable List<String> variables, @Nullable List<String> keyValue) {
      this(path, handler, timeout, memory, variables, keyValue, null);
    }

    /**
     * Checks that a path or a name and the handler are set and that memory is a size.
     *
     * @throws IllegalArgumentException naming the missing or malformed key
     */
    @ConstructorBinding
    public Route {
      if (path != null && path.isBlank()) {
        path = null;
      }
      if (name != null && name.isBlank()) {
        name = null;
      }
      if (path == null && name == null) {
        throw new IllegalArgumentException("an isola.routes entry has no path and no name: set e.g."
            + " isola.routes[0].path=GET /hello/:name (a public route), isola.routes[0].name=inventory (a component"
            + " other routes call with isola.routes[n].calls=inventory), or both");
      }
      if (handler == null) {
        throw new IllegalArgumentException("isola.routes entry \"" + (path != null ? path : name) + "\" has no handler:"
            + " set its handler to a .js or .wasm file, e.g. isola.routes[0].handler=handlers/hello.js");
      }
      if (memory != null) {
        parseMemory(path != null ? path : name, memory);
      }
      variables = variables == null ? List.of() : List.copyOf(variables);
      keyValue = keyValue == null ? List.of() : List.copyOf(keyValue);
      hostInterfaces = hostInterfaces == null ? List.of() : List.copyOf(hostInterfaces);
      calls = calls == null ? List.of() : List.copyOf(calls);
    }

    /** Never null once bound; the accessor is here to say so. */
    @Override
    public List<String> calls() {
      return Objects.requireNonNull(calls);
    }

    /** Never null once bound; the accessor is here to say so. */
    @Override
    public List<String> hostInterfaces() {
      return Objects.requireNonNull(hostInterfaces);
    }

    /** Never null once bound; the accessor is here to say so. */
    @Override
    public List<String> keyValue() {
      return Objects.requireNonNull(keyValue);
    }

    /** Never null once bound; the accessor is here to say so. */
    @Override
    public List<String> variables() {
      return Objects.requireNonNull(variables);
    }

    /** {@code defaults} with this route's timeout and memory on top, or empty when it sets neither. */
    public Optional<Limits> limits(Limits defaults) {
      if (timeout == null && memory == null) {
        return Optional.empty();
      }
      Limits.Builder limits = defaults.toBuilder();
      if (timeout != null) {
        limits.timeout(timeout);
      }
      if (memory != null) {
        limits.memory(parseMemory(path != null ? path : Objects.requireNonNull(name), memory));
      }
      return Optional.of(limits.build());
    }

    private static DataSize parseMemory(String path, String memory) {
      try {
        return DataSize.parse(memory);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("isola.routes entry \"" + path + "\": memory \"" + memory + "\""
            + " is not a size: write a whole number and B, KiB, MiB or GiB, e.g. 64MiB", e);
      }
    }
  }
}
