package dev.isola;

import dev.isola.wasm.WasmAbi;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a route runs: its code and, optionally, its own {@link Limits}. Immutable; the code is read
 * and checked when the {@link Isola} is built.
 *
 * <p>A JavaScript handler is an ES module whose default export has a {@code fetch} method:
 *
 * <pre>{@code
 * export default {
 *   async fetch(request, env, ctx) {
 *     return new Response(`Hello, ${ctx.params.name}!`, { headers: { "content-type": "text/plain" } });
 *   }
 * };
 * }</pre>
 *
 * <p>A WebAssembly handler is a module run by one of the {@link WasmAbi}s: a {@code wasm32-wasi}
 * program speaking CGI ({@link WasmAbi#WAGI}) or an Extism plugin ({@link WasmAbi#EXTISM}):
 *
 * <pre>{@code
 * Handler.wasm(Path.of("hello.wasm"));                                  // WAGI, _start per request
 * Handler.wasm(Path.of("greet.wasm")).export("greet")                    // Extism plugin function
 *     .config(Map.of("greeting", "Hi"));
 * }</pre>
 */
public final class Handler {
  /** The language a handler is written in: an ES module run by GraalJS, or a WebAssembly module run by Chicory. */
  private enum Language {
    JAVASCRIPT,
    WASM
  }

  /** The function an Extism plugin runs when none is named with {@link #export(String)}. */
  public static final String DEFAULT_EXPORT = "handle";

  private final Language language;
  private final String name;
  private final Path file;
  private final String code;
  private final byte[] module;
  private final Limits limits;
  private final WasmAbi abi;
  private final String export;
  private final Map<String, String> config;
  private final List<Grant> grants;

  private Handler(Language language, String name, Path file, String code, byte[] module, Limits limits,
      WasmAbi abi, String export, Map<String, String> config, List<Grant> grants) {
    this.language = language;
    this.name = name;
    this.file = file;
    this.code = code;
    this.module = module;
    this.limits = limits;
    this.abi = abi;
    this.export = export;
    this.config = config;
    this.grants = grants;
  }

  private Handler(Language language, String name, Path file, String code, byte[] module) {
    this(language, name, file, code, module, null, null, null, Map.of(), List.of());
  }

  /** A JavaScript module read from {@code file} when the {@link Isola} is built. */
  public static Handler javascript(Path file) {
    Objects.requireNonNull(file, "file");
    return new Handler(Language.JAVASCRIPT, file.toString(), file, null, null);
  }

  /**
   * A JavaScript module given as text. {@code name} appears in stack traces and error messages
   * (e.g. {@code "hello.js"}).
   */
  public static Handler javascript(String name, String code) {
    Objects.requireNonNull(code, "code");
    return new Handler(Language.JAVASCRIPT, checkName(name, "hello.js"), null, code, null);
  }

  /** A WebAssembly module read from {@code file} when the {@link Isola} is built. */
  public static Handler wasm(Path file) {
    Objects.requireNonNull(file, "file");
    return new Handler(Language.WASM, file.toString(), file, null, null);
  }

  /**
   * A WebAssembly module given as bytes (copied). {@code name} appears in error messages and logs
   * (e.g. {@code "hello.wasm"}).
   */
  public static Handler wasm(String name, byte[] module) {
    Objects.requireNonNull(module, "module");
    return new Handler(Language.WASM, checkName(name, "hello.wasm"), null, null, module.clone());
  }

  private static String checkName(String name, String example) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("handler name must not be blank: use e.g. \"" + example + "\"");
    }
    return name;
  }

  /** This handler with its own limits instead of the {@link Isola}'s defaults. */
  public Handler limits(Limits limits) {
    return new Handler(language, name, file, code, module, Objects.requireNonNull(limits, "limits"), abi,
        export, config, grants);
  }

  /**
   * This WebAssembly handler run through {@code abi} instead of the one Isola would pick (see {@link
   * WasmAbi}).
   *
   * @throws IllegalStateException if this is not a WebAssembly handler
   */
  public Handler abi(WasmAbi abi) {
    Objects.requireNonNull(abi, "abi");
    requireWasm("abi");
    return new Handler(language, name, file, code, module, limits, abi, export, config, grants);
  }

  /**
   * This handler with {@code grants} (replacing any set before), on top of the {@link Isola}'s
   * default grants. Without grants a handler can compute and answer, nothing else.
   */
  public Handler grants(Grant... grants) {
    List<Grant> list = List.of(grants); // rejects nulls
    return new Handler(language, name, file, code, module, limits, abi, export, config, list);
  }

  /** The grants set with {@link #grants(Grant...)}; empty if none. */
  public List<Grant> grants() {
    return grants;
  }

  /**
   * This Extism plugin with {@code function} as the function each call runs; {@value
   * #DEFAULT_EXPORT} if unset. The module must export it as {@code () -> i32}; {@link
   * Isola.Builder#build()} checks.
   *
   * @throws IllegalStateException if this is not a WebAssembly handler
   * @throws IllegalArgumentException if {@code function} is blank
   */
  public Handler export(String function) {
    Objects.requireNonNull(function, "function");
    requireWasm("export");
    if (function.isBlank()) {
      throw new IllegalArgumentException("export must name a function of the module, e.g. \"greet\"");
    }
    return new Handler(language, name, file, code, module, limits, abi, function, config, grants);
  }

  /**
   * This Extism plugin with {@code config} as what its {@code config_get} reads (copied, order
   * kept). Values are text, as in an Extism manifest's {@code config}.
   *
   * @throws IllegalStateException if this is not a WebAssembly handler
   */
  public Handler config(Map<String, String> config) {
    Objects.requireNonNull(config, "config");
    requireWasm("config");
    Map<String, String> copy = new LinkedHashMap<>();
    config.forEach((k, v) -> copy.put(Objects.requireNonNull(k, "config key"),
        Objects.requireNonNull(v, () -> "config value of " + k)));
    return new Handler(language, name, file, code, module, limits, abi, export,
        java.util.Collections.unmodifiableMap(copy), grants);
  }

  private void requireWasm(String setting) {
    if (language != Language.WASM) {
      throw new IllegalStateException(setting + " applies to WebAssembly handlers; " + name + " is " + language);
    }
  }

  /**
   * Whether this is a WebAssembly module (run by Chicory through a {@link WasmAbi}) rather than a
   * JavaScript module (run by GraalJS).
   */
  public boolean isWasm() {
    return language == Language.WASM;
  }

  /** The file path or the name given; used in stack traces and messages. */
  public String name() {
    return name;
  }

  /** The file the code is read from, if it was given as a file. */
  public Optional<Path> file() {
    return Optional.ofNullable(file);
  }

  /** The limits set on this handler, if any; otherwise the {@link Isola}'s defaults apply. */
  public Optional<Limits> limits() {
    return Optional.ofNullable(limits);
  }

  /** The ABI set with {@link #abi(WasmAbi)}, if any; otherwise Isola picks one from the imports. */
  public Optional<WasmAbi> abi() {
    return Optional.ofNullable(abi);
  }

  /** The Extism function set with {@link #export(String)}, if any. */
  public Optional<String> export() {
    return Optional.ofNullable(export);
  }

  /** The Extism plugin config set with {@link #config(Map)}; empty if none. */
  public Map<String, String> config() {
    return config;
  }

  /** The code given as text, if it was not given as a file. */
  Optional<String> code() {
    return Optional.ofNullable(code);
  }

  /** The module given as bytes, if it was not given as a file (not copied: do not modify). */
  Optional<byte[]> module() {
    return Optional.ofNullable(module);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Handler h && language == h.language && name.equals(h.name) && Objects.equals(file, h.file)
        && Objects.equals(code, h.code) && Arrays.equals(module, h.module) && Objects.equals(limits, h.limits)
        && abi == h.abi && Objects.equals(export, h.export) && config.equals(h.config) && grants.equals(h.grants);
  }

  @Override
  public int hashCode() {
    return Objects.hash(language, name, file, code, Arrays.hashCode(module), limits, abi, export, config, grants);
  }

  @Override
  public String toString() {
    return "Handler{" + language + " " + name + (abi == null ? "" : ", abi " + abi.key())
        + (export == null ? "" : ", export " + export) + (config.isEmpty() ? "" : ", config " + config.keySet())
        + (grants.isEmpty() ? "" : ", grants " + grants)
        + (limits == null ? "" : ", " + limits) + "}";
  }
}
