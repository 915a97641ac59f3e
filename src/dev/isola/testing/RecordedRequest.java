package dev.isola.testing;

import dev.isola.Headers;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An outbound HTTP request a guest sent during a test, as it would have left the host: after the
 * capability checks, with granted secrets substituted into its headers. Each hop of a redirect is
 * one request.
 *
 * @param route the route whose guest sent it
 * @param method the HTTP method
 * @param uri the URL
 * @param headers the headers, secrets substituted
 * @param body the body, empty for none; not copied
 * @param stubbed whether a stub answered it; if not, the guest's {@code fetch} failed as if the
 *     connection had been refused
 */
public record RecordedRequest(String route, String method, URI uri, Headers headers, byte[] body, boolean stubbed) {
  /** Checks that nothing is null. */
  public RecordedRequest {
    Objects.requireNonNull(route, "route");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(body, "body");
  }

  /** The body decoded as UTF-8. */
  public String bodyText() {
    return new String(body, StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return method + " " + uri + (stubbed ? "" : " (no stub)");
  }
}
