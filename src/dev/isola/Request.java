package dev.isola;

import java.nio.ByteBuffer;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * An HTTP request handed to {@link Isola#handle(Request)}. Immutable; the body is held as bytes.
 *
 * <pre>{@code
 * Request r = Request.newBuilder()
 *     .method("POST")
 *     .target("/echo?x=1")
 *     .header("Content-Type", "application/json")
 *     .body("{\"a\":1}")
 *     .build();
 * }</pre>
 *
 * <p>The target is the request-target as sent: origin form ({@code /path?query}) or absolute form
 * ({@code https://host/path?query}). Its path stays percent-encoded here; routing decodes it.
 */
public final class Request {
  private final String method;
  private final String target;
  private final int pathEnd;
  private final int originEnd;
  private final Headers headers;
  private final byte[] body;

  private Request(Builder b) {
    this.method = b.method;
    this.target = b.target;
    this.originEnd = originLength(target);
    int end = target.length();
    for (int i = originEnd; i < target.length(); i++) {
      char c = target.charAt(i);
      if (c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    this.pathEnd = end;
    this.headers = b.headers.build();
    this.body = b.body;
  }

  /** A GET request for {@code target}, e.g. {@code Request.get("/hello/world")}. */
  public static Request get(String target) {
    return newBuilder().target(target).build();
  }

  /** A POST request for {@code target} with a UTF-8 text body. */
  public static Request post(String target, String body) {
    return newBuilder().method("POST").target(target).body(body).build();
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  /** A builder starting from this request. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.method = method;
    b.target = target;
    b.headers = headers.toBuilder();
    b.body = body;
    return b;
  }

  /** The method in upper case, e.g. {@code GET}. */
  public String method() {
    return method;
  }

  /** The request-target as given: {@code /path?query} or {@code https://host/path?query}. */
  public String target() {
    return target;
  }

  /** The path, still percent-encoded, e.g. {@code /users/J%C3%B6rg}; {@code /} at least. */
  public String path() {
    String path = target.substring(originEnd, pathEnd);
    return path.isEmpty() ? "/" : path;
  }

  /** The raw query string without {@code ?}, if the target has one. */
  public Optional<String> query() {
    if (pathEnd < target.length() && target.charAt(pathEnd) == '?') {
      int hash = target.indexOf('#', pathEnd);
      return Optional.of(target.substring(pathEnd + 1, hash < 0 ? target.length() : hash));
    }
    return Optional.empty();
  }

  /** Scheme and authority of an absolute-form target, e.g. {@code https://example.com}. */
  public Optional<String> origin() {
    return originEnd == 0 ? Optional.empty() : Optional.of(target.substring(0, originEnd));
  }

  public Headers headers() {
    return headers;
  }

  /**
   * The caller's {@code X-Request-Id}, if it is a plain id ({@link #isPlainRequestId}); Isola uses
   * it in its logs (MDC {@code isola.requestId}) and passes it to the handler.
   */
  public Optional<String> requestId() {
    return headers.first("X-Request-Id").filter(Request::isPlainRequestId);
  }

  /**
   * Whether {@code id} is safe to log and echo as a request id: 1 to 64 characters of {@code A-Z
   * a-z 0-9 . _ -}.
   */
  public static boolean isPlainRequestId(String id) {
    return !id.isEmpty() && id.length() <= 64 && id.chars().allMatch(
        c -> (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-');
  }

  /** The body as a read-only view; empty when there is none. */
  public ByteBuffer body() {
    return Body.view(body);
  }

  /** A copy of the body bytes. */
  public byte[] bodyBytes() {
    return Body.copy(body);
  }

  /** The body decoded as UTF-8. */
  public String bodyText() {
    return Body.text(body);
  }

  /** Body length in bytes. */
  public int bodyLength() {
    return body.length;
  }

  @Override
  public String toString() {
    return method + " " + target + " (" + body.length + " bytes)";
  }

  /** Length of {@code scheme://authority} at the start of an absolute target, else 0. */
  private static int originLength(String target) {
    if (target.startsWith("/")) {
      return 0;
    }
    int schemeEnd = target.indexOf("://");
    int pathStart = target.indexOf('/', schemeEnd + 3);
    int queryStart = target.indexOf('?', schemeEnd + 3);
    if (pathStart < 0 || (queryStart >= 0 && queryStart < pathStart)) {
      pathStart = queryStart;
    }
    return pathStart < 0 ? target.length() : pathStart;
  }

  /** Builds a {@link Request}; not thread-safe. Defaults: {@code GET /}, no headers, no body. */
  public static final class Builder {
    private String method = "GET";
    private String target = "/";
    private Headers.Builder headers = Headers.newBuilder();
    private byte[] body = Body.EMPTY;

    private Builder() {}

    /**
     * The method, e.g. {@code "POST"}; upper-cased.
     *
     * @throws IllegalArgumentException if it is not an HTTP token
     */
    public Builder method(String method) {
      Objects.requireNonNull(method, "method");
      String upper = method.toUpperCase(Locale.ROOT);
      if (upper.isEmpty() || !upper.chars().allMatch(c -> c > 0x20 && c < 0x7f && "()<>@,;:\\\"/[]?={}".indexOf(c) < 0)) {
        throw new IllegalArgumentException(
            "method \"" + method + "\" is not an HTTP method token: use e.g. GET, POST, PUT, DELETE");
      }
      this.method = upper;
      return this;
    }

    /**
     * The request-target: {@code /path?query} or {@code http(s)://host/path?query}.
     *
     * @throws IllegalArgumentException if it is neither, or holds whitespace or control characters
     */
    public Builder target(String target) {
      Objects.requireNonNull(target, "target");
      boolean absolute = target.startsWith("http://") || target.startsWith("https://");
      if (!target.startsWith("/") && !absolute) {
        throw new IllegalArgumentException(
            "request target \"" + target + "\" must start with '/' (e.g. \"/hello?x=1\")"
                + " or be an absolute http(s) URL");
      }
      for (int i = 0; i < target.length(); i++) {
        char c = target.charAt(i);
        if (c <= 0x20 || c == 0x7f) {
          throw new IllegalArgumentException(
              "request target \"" + target.replaceAll("\\p{Cntrl}", "?") + "\" has a space or control"
                  + " character at index " + i + ": percent-encode it (e.g. %20)");
        }
      }
      this.target = target;
      return this;
    }

    /** Adds a header value (several values per name are kept). */
    public Builder header(String name, String value) {
      headers.add(name, value);
      return this;
    }

    /** Replaces all headers. */
    public Builder headers(Headers headers) {
      this.headers = headers.toBuilder();
      return this;
    }

    /** The body bytes (copied). */
    public Builder body(byte[] body) {
      this.body = Body.copy(Objects.requireNonNull(body, "body"));
      return this;
    }

    /** A UTF-8 text body. */
    public Builder body(String body) {
      this.body = Body.utf8(Objects.requireNonNull(body, "body"));
      return this;
    }

    public Request build() {
      return new Request(this);
    }
  }
}
