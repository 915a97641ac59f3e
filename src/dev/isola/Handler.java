package dev.isola;

import java.nio.file.Path;
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
 */
public final class Handler {
  /** The language a handler is written in. */
  public enum Language {
    /** An ES module run by GraalJS. */
    JAVASCRIPT
  }

  private final Language language;
  private final String name;
  private final Path file;
  private final String code;
  private final Limits limits;

  private Handler(Language language, String name, Path file, String code, Limits limits) {
    this.language = language;
    this.name = name;
    this.file = file;
    this.code = code;
    this.limits = limits;
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
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(code, "code");
    if (name.isBlank()) {
      throw new IllegalArgumentException("handler name must not be blank: use e.g. \"hello.js\"");
    }
    return new Handler(Language.JAVASCRIPT, name, null, code, null);
  }

  /** This handler with its own limits instead of the {@link Isola}'s defaults. */
  public Handler limits(Limits limits) {
    return new Handler(language, name, file, code, Objects.requireNonNull(limits, "limits"));
  }

  public Language language() {
    return language;
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

  /** The code given as text, if it was not given as a file. */
  Optional<String> code() {
    return Optional.ofNullable(code);
  }

  @Override
  public String toString() {
    return "Handler{" + language + " " + name + (limits == null ? "" : ", " + limits) + "}";
  }
}
