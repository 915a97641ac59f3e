package dev.isola.internal.capability;

/**
 * Told of every use of an application capability, on the call's thread: the seam for metrics.
 * Implementations are quick, thread-safe and never throw.
 */
@FunctionalInterface
public interface CapabilityObserver {
  /** Observes nothing. */
  CapabilityObserver NONE = (route, capability, operation, outcome, nanos) -> {};

  /**
   * One operation ended.
   *
   * @param outcome {@code ok}, {@code denied}, {@code invalid} (arguments that do not fit) or {@code
   *     failed}
   * @param nanos how long the capability took
   */
  void invoked(String route, String capability, String operation, String outcome, long nanos);
}
