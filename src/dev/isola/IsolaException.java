package dev.isola;

/**
 * Root of every exception Isola throws. Unchecked: a failed call is an outcome the embedder maps to
 * an HTTP status, not something every caller must catch.
 *
 * <p>Each subclass names its cause; {@link #httpStatus()} is the status an HTTP adapter should
 * answer with. Messages quote the offending value and say what to change.
 */
public class IsolaException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Creates an exception with a message that names the offending value and the fix. */
  public IsolaException(String message) {
    super(message);
  }

  /** Creates an exception with a message and the underlying cause. */
  public IsolaException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The HTTP status an adapter should answer with when a call ends with this exception. The body
   * of that answer should not carry this exception's message, which may name guest internals.
   */
  public int httpStatus() {
    return 500;
  }
}
