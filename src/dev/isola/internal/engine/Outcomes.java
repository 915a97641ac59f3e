package dev.isola.internal.engine;

import dev.isola.CapabilityDeniedException;
import dev.isola.GuestException;
import dev.isola.IsolaException;
import dev.isola.LimitExceededException;
import dev.isola.OverloadedException;

/** Names how a call ended, for metrics and JFR: a small fixed set, safe as a metric tag. */
public final class Outcomes {
  /** The handler answered (any status). */
  public static final String OK = "ok";
  /** Starts the outcome of a call stopped at a limit, followed by the limit's key. */
  public static final String LIMIT_PREFIX = "limit:";

  private Outcomes() {}

  /**
   * {@code guest-error}, {@code limit:<key>} (e.g. {@code limit:timeout}), {@code denied}, {@code
   * overloaded}, or {@code error} for anything else.
   */
  public static String of(Throwable failure) {
    return switch (failure) {
      case GuestException g -> "guest-error";
      case LimitExceededException l -> LIMIT_PREFIX + l.limit().key();
      case CapabilityDeniedException d -> "denied";
      case OverloadedException o -> "overloaded";
      default -> "error";
    };
  }

  /** The status an HTTP adapter answers a call that ended with {@code failure} with. */
  public static int status(Throwable failure) {
    return failure instanceof IsolaException e ? e.httpStatus() : 500;
  }
}
