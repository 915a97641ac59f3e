package dev.isola;

/**
 * A handler reached for a capability its route was not granted. The message names the route, the
 * capability and the grant that would allow it. Answered with 403 by HTTP adapters.
 *
 * <p>Part of the error model for capabilities (key-value, outbound HTTP, variables, files); this
 * version grants none, so it is thrown when a handler reaches for one anyway, e.g. an Extism plugin
 * calling {@code http_request}.
 */
public final class CapabilityDeniedException extends IsolaException {
  private static final long serialVersionUID = 1L;

  public CapabilityDeniedException(String message) {
    super(message);
  }

  @Override
  public int httpStatus() {
    return 403;
  }
}
