package dev.isola.testing;

import dev.isola.Headers;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * A stubbed answer to outbound HTTP requests, made with {@link IsolaExtension#stubHttp(String)}:
 * nothing is registered until {@link #respond} is called.
 *
 * <p>A stub matches a request by method (any, unless given) and URL: the URL as the guest sent it,
 * exactly ({@code "https://api.example.com/users/1"}), or every URL that starts with what comes
 * before a trailing {@code *} ({@code "https://api.example.com/users/*"}). When several match, the
 * one declared last answers.
 */
public final class HttpStub {
  private final IsolaExtension extension;
  private final Optional<String> method;
  private final String url;
  private final boolean prefix;

  HttpStub(IsolaExtension extension, Optional<String> method, String url) {
    this.extension = extension;
    this.method = method.map(m -> {
      if (m.isBlank() || !m.chars().allMatch(c -> c < 128 && Character.isLetter(c))) {
        throw new IllegalArgumentException("HTTP method \"" + m + "\" of a stub must be letters, e.g. \"POST\"");
      }
      return m.toUpperCase(Locale.ROOT);
    });
    Objects.requireNonNull(url, "url");
    this.prefix = url.endsWith("*");
    this.url = prefix ? url.substring(0, url.length() - 1) : url;
    URI uri;
    try {
      uri = new URI(this.url);
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("stub URL \"" + url + "\" is not a URL: " + e.getMessage(), e);
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || uri.getRawAuthority() == null) {
      throw new IllegalArgumentException("stub URL \"" + url + "\" must be an absolute http or https URL, e.g."
          + " \"https://api.example.com/users/1\" (or \"https://api.example.com/users/*\" for every URL under it)");
    }
  }

  /** Answers matching requests with {@code status} and {@code body} (UTF-8), without headers. */
  public void respond(int status, String body) {
    respond(status, Headers.empty(), body);
  }

  /** Answers matching requests with {@code status}, {@code headers} and {@code body} (UTF-8). */
  public void respond(int status, Headers headers, String body) {
    respond(status, headers, Objects.requireNonNull(body, "body").getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Answers matching requests with {@code status}, {@code headers} and {@code body}. A 3xx status
   * with a {@code Location} header is a redirect, which Isola follows, checking the next URL
   * against the route's grants like any other.
   *
   * @throws IllegalArgumentException if {@code status} is not between 100 and 599
   */
  public void respond(int status, Headers headers, byte[] body) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("stub status " + status + " must be between 100 and 599, e.g. 200");
    }
    extension.addStub(new Stub(this, status, Objects.requireNonNull(headers, "headers"),
        Objects.requireNonNull(body, "body").clone()));
  }

  boolean matches(String requestMethod, URI uri) {
    if (method.isPresent() && !method.get().equalsIgnoreCase(requestMethod)) {
      return false;
    }
    String requested = uri.toString();
    return prefix ? requested.startsWith(url) : requested.equals(url);
  }

  @Override
  public String toString() {
    return method.orElse("*") + " " + url + (prefix ? "*" : "");
  }

  /** A registered stub and its answer. */
  record Stub(HttpStub match, int status, Headers headers, byte[] body) {}
}
