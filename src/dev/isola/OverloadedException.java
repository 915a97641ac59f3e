package dev.isola;

import java.time.Duration;

/**
 * A call was refused at once because its route (or the whole {@link Isola}) already runs as many
 * calls as it admits. Answered with 503 and {@code Retry-After} by HTTP adapters.
 */
public final class OverloadedException extends IsolaException {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  public OverloadedException(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  /** How long a client should wait before trying again. */
  public Duration retryAfter() {
    return retryAfter;
  }

  @Override
  public int httpStatus() {
    return 503;
  }
}
