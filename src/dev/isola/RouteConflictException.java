package dev.isola;

/**
 * Two routes could match the same request with equal rank, so neither would reliably win. Thrown by
 * {@link Isola.Builder#build()}; the message names both routes.
 */
public final class RouteConflictException extends IsolaException {
  private static final long serialVersionUID = 1L;

  public RouteConflictException(String message) {
    super(message);
  }
}
