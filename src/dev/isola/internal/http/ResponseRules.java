package dev.isola.internal.http;

import java.util.Locale;
import java.util.Set;

/** What an adapter writes of a handler's {@link dev.isola.Response} and what the server owns. */
public final class ResponseRules {
  /** Response headers the server itself manages; a handler's values for them are dropped. */
  private static final Set<String> SERVER_OWNED = Set.of(
      "connection", "content-length", "keep-alive", "proxy-connection", "te", "trailer",
      "transfer-encoding", "upgrade", "date", RequestIds.HEADER.toLowerCase(Locale.ROOT));

  private ResponseRules() {}

  /** Whether a handler's response header {@code name} is dropped: hop-by-hop, framing, date, request id. */
  public static boolean isServerOwned(String name) {
    return SERVER_OWNED.contains(name.toLowerCase(Locale.ROOT));
  }

  /** Whether an answer to {@code method} with {@code status} and a body of {@code length} bytes has none. */
  public static boolean hasNoBody(String method, int status, int length) {
    return method.equalsIgnoreCase("HEAD") || status < 200 || status == 204 || status == 304 || length == 0;
  }
}
