package dev.isola.testing;

import dev.isola.Headers;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * An outbound HTTP request a guest sent during a test, as it would have left the host: after the
 * capability checks, with the header of each secret granted for its origin added by the host (and
 * replacing a guest header of that name); nothing the guest wrote is substituted. Each hop of a
 * redirect is one request, carrying a secret's header only while the redirects stay within that
 * secret's origins.
 *
 * @param route the route whose guest sent it
 * @param method the HTTP method
 * @param uri the URL
 * @param headers the headers, with the secret headers the host added
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
