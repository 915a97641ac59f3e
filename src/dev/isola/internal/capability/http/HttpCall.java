package dev.isola.internal.capability.http;

import java.net.URI;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An outbound HTTP request as a guest asked for it, before {@link OutboundHttp} checks and cleans
 * it.
 *
 * @param method the HTTP method, e.g. {@code GET}
 * @param uri an absolute URL
 * @param headers header names to values, as the guest wrote them; copied
 * @param body the request body, empty for none; not copied, so do not change it afterwards
 */
public record HttpCall(String method, URI uri, Map<String, List<String>> headers, byte[] body) {

  /** Checks that nothing is null and copies the headers. */
  public HttpCall {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(body, "body");
    if (method.isBlank()) {
      throw new IllegalArgumentException("the HTTP method is blank");
    }
    Map<String, List<String>> copy = new LinkedHashMap<>();
    headers.forEach((name, values) -> copy.put(name, List.copyOf(values)));
    headers = Collections.unmodifiableMap(copy);
  }

  /** A GET without headers. */
  public static HttpCall get(URI uri) {
    return new HttpCall("GET", uri, Map.of(), new byte[0]);
  }
}
