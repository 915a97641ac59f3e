package dev.isola.internal.engine;

import java.util.Map;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.MDC;

/**
 * Carries the caller's MDC (the embedder's keys, e.g. a tracing bridge's {@code traceId}) to the
 * pool thread a call goes on on, and clears that thread's MDC afterwards, so no key of one call is
 * seen by the next call on it.
 */
public final class CallerMdc {
  private CallerMdc() {}

  /** {@code task} with the MDC of the thread calling this method, for another thread to run. */
  public static <T> Supplier<T> carried(Supplier<T> task) {
    @Nullable Map<String, String> caller = MDC.getCopyOfContextMap();
    return () -> {
      if (caller == null || caller.isEmpty()) {
        MDC.clear(); // also what a new pool thread inherited from the thread that made it
      } else {
        MDC.setContextMap(caller);
      }
      try {
        return task.get();
      } finally {
        MDC.clear();
      }
    };
  }
}
