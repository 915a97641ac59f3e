package dev.isola.internal.engine;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A guest's log output for one call: written to SLF4J logger {@code isola.guest.<route>}, at most
 * {@code maxLines} lines of at most {@link #MAX_LINE_CHARS} characters each; the rest is counted and
 * reported in one line at the end of the call. MDC ({@code isola.route}, {@code isola.requestId}) is
 * set by the caller for the whole call.
 */
public final class GuestLog {
  /** Longer lines are cut here, with a marker. */
  public static final int MAX_LINE_CHARS = 8192;

  /**
   * Where a call's guest lines also go, as they were logged (cut, line breaks escaped, at most the
   * route's {@code max_log_lines}): {@code dev.isola.testing} collects them for assertions, whatever
   * SLF4J backend and levels the tests run with. Called on the call's thread; must not throw.
   */
  @FunctionalInterface
  public interface Sink {
    /** No sink: lines go to SLF4J only. */
    Sink NONE = (route, level, text) -> {};

    /** One line of {@code route} at {@code level} ("debug", "info", "warn" or "error"). */
    void line(String route, String level, String text);
  }

  private final Logger logger;
  private final int maxLines;
  private final String route;
  private final Sink sink;
  private int lines;
  private int dropped;

  /**
   * A log that writes to SLF4J only (build-time checks).
   *
   * @param logger the route's guest logger, from {@link #loggerFor(String)} (looked up once per route)
   */
  public GuestLog(Logger logger, int maxLines) {
    this(logger, maxLines, "", Sink.NONE);
  }

  /** A log for one call of {@code route}, its lines also given to {@code sink}. */
  public GuestLog(Logger logger, int maxLines, String route, Sink sink) {
    this.logger = logger;
    this.maxLines = maxLines;
    this.route = route;
    this.sink = sink;
  }

  /** Whether every line is kept, whatever SLF4J's level: a sink other than {@link Sink#NONE} is set. */
  public boolean capturesAll() {
    return sink != Sink.NONE;
  }

  /** The SLF4J logger for guest output of {@code route}: {@code isola.guest.} + {@link #loggerName}. */
  public static Logger loggerFor(String route) {
    return LoggerFactory.getLogger(loggerName(route));
  }

  /** {@code isola.guest.} followed by the route with characters other than letters and digits as '_'. */
  public static String loggerName(String route) {
    StringBuilder b = new StringBuilder("isola.guest.");
    route.codePoints().forEach(c -> b.append(Character.isLetterOrDigit(c) ? Character.toChars(c) : new char[] {'_'}));
    return b.toString();
  }

  /** Logs one guest line at {@code level} ("debug", "info", "warn", "error"; anything else is info). */
  public void line(String level, String message) {
    if (lines >= maxLines) {
      dropped++;
      return;
    }
    lines++;
    String cut = message.length() > MAX_LINE_CHARS
        ? message.substring(0, MAX_LINE_CHARS) + "… (" + message.length() + " chars)"
        : message;
    // One guest line is one log line: a guest must not forge entries of other routes.
    String text = cut.replace("\r", "\\r").replace("\n", "\\n");
    String known = switch (level) {
      case "debug", "warn", "error" -> level;
      default -> "info";
    };
    switch (known) {
      case "debug" -> logger.debug("{}", text);
      case "warn" -> logger.warn("{}", text);
      case "error" -> logger.error("{}", text);
      default -> logger.info("{}", text);
    }
    sink.line(route, known, text);
  }

  /** Reports lines dropped over the cap, once, at the end of the call. */
  public void finish() {
    if (dropped > 0) {
      logger.warn("{} more log lines dropped: the route allows {} per call (max_log_lines)", dropped, maxLines);
      sink.line(route, "warn", dropped + " more log lines dropped: the route allows " + maxLines
          + " per call (max_log_lines)");
    }
  }
}
