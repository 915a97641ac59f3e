package dev.isola.testing;

import java.util.Objects;

/**
 * One line a guest logged during a test ({@code console.log} in JavaScript, stderr of a WAGI
 * program, Extism's {@code log_*}), as Isola logged it: cut at 8192 characters, line breaks
 * escaped, at most the route's {@code max_log_lines} per call.
 *
 * @param route the route as declared, e.g. {@code "GET /visits/:page"}
 * @param level {@code "debug"}, {@code "info"}, {@code "warn"} or {@code "error"}
 * @param text the line
 */
public record LogLine(String route, String level, String text) {
  /** Checks that nothing is null. */
  public LogLine {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(text, "text");
  }

  @Override
  public String toString() {
    return level + " [" + route + "] " + text;
  }
}
