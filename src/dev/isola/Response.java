package dev.isola;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * What a handler answered: status, headers and body bytes. Immutable.
 *
 * <pre>{@code
 * Response r = isola.handle(Request.get("/hello/world"));
 * r.status();      // 200
 * r.bodyText();    // "Hello, world!"
 * }</pre>
 */
public final class Response {
  private final int status;
  private final Headers headers;
  private final byte[] body;

  private Response(int status, Headers headers, byte[] body) {
    this.status = status;
    this.headers = headers;
    this.body = body;
  }

  /** A response with a UTF-8 text body and {@code Content-Type: text/plain; charset=utf-8}. */
  public static Response of(int status, String text) {
    return newBuilder()
        .status(status)
        .header("Content-Type", "text/plain; charset=utf-8")
        .body(text)
        .build();
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.status = status;
    b.headers = headers.toBuilder();
    b.body = body;
    return b;
  }

  /** The HTTP status, 200 to 599: always a final status (see {@link Builder#status}). */
  public int status() {
    return status;
  }

  public Headers headers() {
    return headers;
  }

  /** The body as a read-only view. */
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

  public int bodyLength() {
    return body.length;
  }

  @Override
  public String toString() {
    return "Response{" + status + ", " + headers + ", " + body.length + " bytes}";
  }

  /** Builds a {@link Response}; not thread-safe. Defaults: 200, no headers, empty body. */
  public static final class Builder {
    private int status = 200;
    private Headers.Builder headers = Headers.newBuilder();
    private byte[] body = Body.EMPTY;

    private Builder() {}

    /**
     * Sets the status, a final one: a {@code Response} is the whole answer to its request, so an
     * interim 1xx status (RFC 9110 §15.2; {@code 101 Switching Protocols} needs a protocol switch
     * that Isola never makes) would leave the client waiting for an answer that never comes. This is
     * the one place the rule lives: the engines build every handler's answer here and turn this
     * refusal into a 502 that names the status.
     *
     * @throws IllegalArgumentException unless {@code 200 <= status <= 599}
     */
    public Builder status(int status) {
      if (status < 200 || status > 599) {
        throw new IllegalArgumentException("status " + status + (status >= 100 && status < 200
            ? " is an interim (1xx) status, not a final one: a handler's response needs 200 to 599"
            : " is not a final HTTP status: use a number from 200 to 599"));
      }
      this.status = status;
      return this;
    }

    /** Adds a header value. */
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
    public Builder body(String text) {
      this.body = Body.utf8(Objects.requireNonNull(text, "body"));
      return this;
    }

    public Response build() {
      return new Response(status, headers.build(), body);
    }
  }
}
