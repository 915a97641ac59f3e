package dev.isola;

/**
 * A handler could not be loaded: its file is missing or unreadable, its code does not parse (the
 * message gives {@code file:line}), or it does not have the shape Isola calls. Thrown by
 * {@link Isola.Builder#build()}, never in the middle of serving.
 */
public final class HandlerLoadException extends IsolaException {
  private static final long serialVersionUID = 1L;

  public HandlerLoadException(String message) {
    super(message);
  }

  public HandlerLoadException(String message, Throwable cause) {
    super(message, cause);
  }
}
