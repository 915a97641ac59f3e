package dev.isola;

import java.util.Optional;

/**
 * The handler itself failed: it threw, trapped, returned something that is not a response, or never
 * settled its promise. Carries the guest's own stack trace as text ({@link #guestStack()}), which is
 * for logs and tests, never for the HTTP response body.
 */
public final class GuestException extends IsolaException {
  private static final long serialVersionUID = 1L;

  private final String route;
  private final String guestStack;
  private final int status;

  public GuestException(String route, String message, String guestStack) {
    this(route, message, guestStack, 500);
  }

  /**
   * @param status the HTTP status an adapter answers with: 500 when the handler failed, 502 when it
   *     answered with something that is not a usable response
   */
  public GuestException(String route, String message, String guestStack, int status) {
    super("route \"" + route + "\": " + message);
    this.route = route;
    this.guestStack = guestStack;
    this.status = status;
  }

  /** The route whose handler failed, as it was declared. */
  public String route() {
    return route;
  }

  /** The guest's stack trace (JavaScript frames as {@code at fn (file:line:column)}), if any. */
  public Optional<String> guestStack() {
    return guestStack == null || guestStack.isEmpty() ? Optional.empty() : Optional.of(guestStack);
  }

  @Override
  public int httpStatus() {
    return status;
  }
}
