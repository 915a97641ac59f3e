package dev.isola.internal.capability.http;

import java.net.http.HttpRequest;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of a guest's request headers reach the wire. The host owns the connection, so the headers
 * that describe it (framing, connection management, proxies) are its own: {@code Host}, {@code
 * Connection}, {@code Content-Length}, {@code Transfer-Encoding}, {@code Upgrade}, {@code Expect},
 * {@code TE}, {@code Trailer}, {@code Keep-Alive} and every {@code Proxy-*} are dropped. So is any
 * header the JDK client refuses (its restricted names, names or values that are not valid HTTP), so
 * that a guest's header never makes a request fail.
 */
public final class RequestHeaders {
  private static final Logger log = LoggerFactory.getLogger(RequestHeaders.class);

  private static final Set<String> HOST_CONTROLLED = Set.of("host", "connection", "content-length",
      "transfer-encoding", "upgrade", "expect", "te", "trailer", "keep-alive");

  /** Credentials a redirect to another origin must not carry (as browsers and curl do). */
  static final Set<String> CREDENTIALS = Set.of("authorization", "cookie");

  /** Headers that describe a body, dropped when a redirect turns the request into a GET. */
  static final Set<String> BODY = Set.of("content-type", "content-encoding", "content-language",
      "content-location");

  private RequestHeaders() {}

  /** Adds the guest's headers that may be sent to {@code builder}. */
  public static void copy(Map<String, List<String>> headers, HttpRequest.Builder builder) {
    headers.forEach((name, values) -> {
      String lower = name.toLowerCase(Locale.ROOT);
      if (HOST_CONTROLLED.contains(lower) || lower.startsWith("proxy-")) {
        return;
      }
      for (String value : values) {
        try {
          builder.header(name, value);
        } catch (IllegalArgumentException e) {
          // Not the value, nor the JDK's message quoting it: it may hold a secret.
          log.debug("dropped outbound header {}: the HTTP client refuses it", dev.isola.internal.capability.CallCapabilities.escaped(name));
        }
      }
    });
  }

  /** {@code headers} without the names in {@code lowerCaseNames}, compared case-insensitively. */
  static Map<String, List<String>> without(Map<String, List<String>> headers, Set<String> lowerCaseNames) {
    Map<String, List<String>> kept = new LinkedHashMap<>();
    headers.forEach((name, values) -> {
      if (!lowerCaseNames.contains(name.toLowerCase(Locale.ROOT))) {
        kept.put(name, values);
      }
    });
    return Collections.unmodifiableMap(kept);
  }
}
