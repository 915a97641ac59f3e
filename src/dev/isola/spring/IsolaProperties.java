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
 */
@ConfigurationProperties("isola")
public record IsolaProperties(
    @Nullable Path manifest,
    @DefaultValue(DEFAULT_BASE_PATH) String basePath,
    @Nullable List<Route> routes,
    @Nullable Map<String, String> variables,
    @Nullable Map<String, Store> stores) {

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
  }

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
   * One {@code isola.routes[n]} entry.
   *
   * @param path the route spec, e.g. {@code "GET /hello/:name"} (see {@link dev.isola.Isola.Builder#route})
   * @param handler the handler file: a JavaScript module ({@code .js}, {@code .mjs}) or a
   *     WebAssembly module ({@code .wasm}), relative to the working directory
   * @param timeout the route's timeout ({@code 2s}, {@code 500ms}); the default limits' if unset
   * @param memory the route's memory limit ({@code 64MiB}); the default limits' if unset
   * @param variables names of {@code isola.variables} (or manifest variables) the route may read
   * @param keyValue names of {@code isola.stores} (or manifest stores) the route may use
   * @param hostInterfaces names of host interfaces (beans annotated {@link IsolaHostInterface}, or
   *     {@code Capability} beans) the route may call
   */
  public record Route(
      String path,
      Path handler,
      @Nullable Duration timeout,
      @Nullable String memory,
      @Nullable List<String> variables,
      @Nullable List<String> keyValue,
      @Nullable List<String> hostInterfaces) {

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
     * Checks that path and handler are set and that memory is a size.
     *
     * @throws IllegalArgumentException naming the missing or malformed key
     */
    @ConstructorBinding
    public Route {
      if (path == null || path.isBlank()) {
        throw new IllegalArgumentException("an isola.routes entry has no path: set e.g. isola.routes[0].path=GET /hello/:name");
      }
      if (handler == null) {
        throw new IllegalArgumentException("isola.routes entry \"" + path + "\" has no handler:"
            + " set its handler to a .js or .wasm file, e.g. isola.routes[0].handler=handlers/hello.js");
      }
      if (memory != null) {
        parseMemory(path, memory);
      }
      variables = variables == null ? List.of() : List.copyOf(variables);
      keyValue = keyValue == null ? List.of() : List.copyOf(keyValue);
      hostInterfaces = hostInterfaces == null ? List.of() : List.copyOf(hostInterfaces);
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
        limits.memory(parseMemory(path, memory));
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
