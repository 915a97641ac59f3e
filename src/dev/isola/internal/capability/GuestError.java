package dev.isola.internal.capability;

/**
 * A guest misused a capability it was granted (a key too long, a value too large): bindings hand
 * the message to the guest as an error it can catch. The message names only what the guest gave.
 */
public class GuestError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public GuestError(String message) {
    super(message, null, false, false);
  }

  /** Arguments that do not fit what the operation takes. */
  public static final class Invalid extends GuestError {
    private static final long serialVersionUID = 1L;

    public Invalid(String message) {
      super(message);
    }
  }
}
