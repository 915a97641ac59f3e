package dev.isola.internal.capability.http;

/**
 * An outbound HTTP request failed in a way the guest may handle: the host did not resolve, the
 * connection was refused or timed out, TLS failed, the redirects ran too long, or the request itself
 * was malformed. It is the equivalent of {@code fetch} rejecting with a {@code TypeError}.
 *
 * <p>The message is safe to show to the guest: it names only what the guest asked for (its URL's
 * origin, its method), never resolved addresses, host file paths or host stack traces; the cause,
 * if any, is for the host's log. The JavaScript and Wasm bindings turn this exception into an error
 * the guest can catch (a rejected promise in JS, an error result from the Extism/WAGI host
 * function) rather than ending the call. It is not an {@link dev.isola.IsolaException}, whose subclasses
 * end a call with an HTTP status: this one is meant to be caught by a binding and handed to the
 * guest.
 *
 * <p>Denials ({@link dev.isola.CapabilityDeniedException}) and limits ({@link
 * dev.isola.LimitExceededException}) are not reported this way: they end the call.
 */
public final class OutboundHttpException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** A failure with a guest-safe message, e.g. {@code connection refused: https://api.example.com:443}. */
  public OutboundHttpException(String message) {
    super(message);
  }

  /** A failure with a guest-safe message and the host-side cause, for logs. */
  public OutboundHttpException(String message, Throwable cause) {
    super(message, cause);
  }
}
