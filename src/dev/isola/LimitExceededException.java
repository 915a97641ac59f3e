package dev.isola;

/**
 * A call crossed one of its route's {@link Limits}: it ran past its timeout, held more than its
 * memory limit, or its request or response body was larger than allowed. Only that call ends; the
 * {@link Isola} keeps serving.
 */
public final class LimitExceededException extends IsolaException {
  private static final long serialVersionUID = 1L;

  /** Which limit a call crossed. Each maps to the HTTP status an adapter should answer with. */
  public enum Limit {
    /** {@link Limits#timeout()}: 504 Gateway Timeout. */
    TIMEOUT("timeout", 504),
    /** {@link Limits#memory()}: 503 Service Unavailable. */
    MEMORY("memory", 503),
    /** {@link Limits#maxRequestBody()}: 413 Content Too Large. */
    REQUEST_BODY("max_request_body", 413),
    /** {@link Limits#maxResponseBody()}: 502 Bad Gateway, the handler's answer was unusable. */
    RESPONSE_BODY("max_response_body", 502);

    private final String key;
    private final int status;

    Limit(String key, int status) {
      this.key = key;
      this.status = status;
    }

    /** The name of this limit in {@code isola.toml}, e.g. {@code max_request_body}. */
    public String key() {
      return key;
    }
  }

  private final String route;
  private final Limit limit;

  public LimitExceededException(String route, Limit limit, String message) {
    super("route \"" + route + "\": " + message);
    this.route = route;
    this.limit = limit;
  }

  /** The route whose call was stopped. */
  public String route() {
    return route;
  }

  /** The limit that was crossed. */
  public Limit limit() {
    return limit;
  }

  @Override
  public int httpStatus() {
    return limit.status;
  }
}
