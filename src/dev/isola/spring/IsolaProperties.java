package dev.isola.spring;

import dev.isola.DataSize;
import dev.isola.Limits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;
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
 * }</pre>
 *
 * @param manifest an {@code isola.toml} (or a folder holding one) whose routes, limits, stores,
 *     variables and secrets the {@code Isola} starts with; its handler files are resolved against
 *     its own folder
 * @param basePath where the routes are served: {@code "/fn"} serves route {@code "GET /hello/:name"}
 *     at {@code /fn/hello/world}; a path with a leading {@code /} and no trailing {@code /}
 * @param routes routes added after the manifest's
 * @param variables variables added after the manifest's, readable by routes granted them
 */
@ConfigurationProperties("isola")
public record IsolaProperties(
    @Nullable Path manifest,
    @DefaultValue(DEFAULT_BASE_PATH) String basePath,
    @Nullable List<Route> routes,
    @Nullable Map<String, String> variables) {

  /** The base path when {@code isola.base-path} is not set. */
  public static final String DEFAULT_BASE_PATH = "/isola";

  /**
   * Checks the base path and makes absent lists and maps empty.
   *
   * @throws IllegalArgumentException naming {@code isola.base-path} when it is not like {@code /fn}
   */
  public IsolaProperties {
    Objects.requireNonNull(basePath, "basePath");
    if (!basePath.startsWith("/") || basePath.length() == 1 || basePath.endsWith("/") || basePath.contains("*")) {
      throw new IllegalArgumentException("isola.base-path \"" + basePath + "\" must be a path like \"/fn\""
          + " (leading '/', no trailing '/', no '*'); the routes are then served at /fn/*");
    }
    routes = routes == null ? List.of() : List.copyOf(routes);
    variables = variables == null ? Map.of() : Map.copyOf(variables);
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
   */
  public record Route(
      String path,
      Path handler,
      @Nullable Duration timeout,
      @Nullable String memory,
      @Nullable List<String> variables) {

    /**
     * Checks that path and handler are set and that memory is a size.
     *
     * @throws IllegalArgumentException naming the missing or malformed key
     */
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
