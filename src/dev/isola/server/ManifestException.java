package dev.isola.server;

import dev.isola.IsolaException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import org.jspecify.annotations.Nullable;

/**
 * An {@code isola.toml} could not be loaded: the file is missing, is not valid TOML, or holds a key,
 * value or route Isola cannot use. The message starts with {@code file:line:column:} (as far as they
 * are known), names the key and says what to write instead, e.g.
 *
 * <pre>
 * isola.toml:12:1: timeout = "2 parsecs" in [[route]] #2 is not a duration: write a whole number and a unit, e.g. "250ms", "2s", "1m", "1h"
 * </pre>
 *
 * <p>The same parts are available as {@link #file()}, {@link #line()}, {@link #column()} and {@link
 * #key()} for tools that point at the spot.
 */
public final class ManifestException extends IsolaException {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final int line;
  private final int column;
  private final @Nullable String key;

  /**
   * Creates an exception for {@code file}; {@code line} and {@code column} are 1-based, 0 when
   * unknown; {@code key} is the TOML key at fault, if there is one.
   */
  ManifestException(Path file, int line, int column, @Nullable String key, String problem,
      @Nullable Throwable cause) {
    super(location(file, line, column) + " " + problem, cause);
    this.file = file.toString();
    this.line = Math.max(line, 0);
    this.column = line > 0 ? Math.max(column, 0) : 0;
    this.key = key;
  }

  private static String location(Path file, int line, int column) {
    if (line <= 0) {
      return file + ":";
    }
    return file + ":" + line + (column > 0 ? ":" + column : "") + ":";
  }

  /** The manifest file, as it was given to {@link Manifest#load(Path)}. */
  public Path file() {
    return Path.of(file);
  }

  /** The 1-based line at fault, if known. */
  public OptionalInt line() {
    return line > 0 ? OptionalInt.of(line) : OptionalInt.empty();
  }

  /** The 1-based column at fault, if known. */
  public OptionalInt column() {
    return column > 0 ? OptionalInt.of(column) : OptionalInt.empty();
  }

  /** The TOML key at fault (e.g. {@code timeout}), if the problem is about one key. */
  public Optional<String> key() {
    return Optional.ofNullable(key);
  }
}
