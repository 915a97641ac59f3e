package dev.isola.internal.engine;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Told about every routed call of one {@code Isola} when it ends, on the caller's thread. The seam
 * between {@code Isola} and metrics libraries: {@code Isola} links only this interface, so an
 * optional library such as Micrometer is loaded only by the listener that uses it.
 *
 * <p>Implementations must be thread-safe and quick, and must not throw.
 */
public interface CallListener extends AutoCloseable {
  /** Listens to nothing: the default. */
  CallListener NONE = (route, method, status, outcome, nanos) -> {};

  /**
   * A call ended.
   *
   * @param route the route as declared
   * @param method the request's method
   * @param status the response's status, or the exception's {@code httpStatus()}
   * @param outcome what {@link Outcomes#of} says about it: {@code ok}, {@code guest-error}, {@code
   *     limit:<name>}, {@code denied}, {@code overloaded} or {@code error}
   * @param nanos how long the caller waited
   */
  void completed(String route, String method, int status, String outcome, long nanos);

  /**
   * A guest used an application capability (see {@code dev.isola.capability}).
   *
   * @param outcome {@code ok}, {@code denied}, {@code invalid} or {@code failed}
   * @param nanos how long the capability took
   */
  default void capabilityUsed(String route, String capability, String operation, String outcome, long nanos) {}

  /** The {@code Isola} closed: release what this listener registered. */
  @Override
  default void close() {}

  /** Makes the listener of one {@code Isola}, once its routes are known. */
  @FunctionalInterface
  interface Factory {
    /** Makes no listener. */
    Factory NONE = (denials, inflight, guests) -> CallListener.NONE;

    /**
     * @param denials each route's count of capability denials, in declaration order (live)
     * @param inflight how many calls of the {@code Isola} are running or waiting for a thread (live)
     * @param guests the threads its JavaScript guests run on, with their written-off calls (live)
     */
    CallListener create(Map<String, AtomicLong> denials, AtomicInteger inflight, GuestThreads guests);
  }
}
