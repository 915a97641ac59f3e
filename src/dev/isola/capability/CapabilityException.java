package dev.isola.capability;

/**
 * A failure of a capability's operation meant for the guest: its message (never its stack or cause)
 * reaches the guest, as a rejected promise's {@code Error} in JavaScript or the error of a Wasm
 * call. Any other exception an operation throws reaches the guest only as "{@code NAME.op failed}"
 * and is logged by the host with its stack, so host internals never leak into a handler.
 */
public class CapabilityException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure whose {@code message} the guest reads; write it for the handler's author. */
  public CapabilityException(String message) {
    super(message);
  }

  /** Like {@link #CapabilityException(String)}, with a cause the host logs but the guest never sees. */
  public CapabilityException(String message, Throwable cause) {
    super(message, cause);
  }
}
