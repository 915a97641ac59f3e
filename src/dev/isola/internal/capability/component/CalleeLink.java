package dev.isola.internal.capability.component;

import org.jspecify.annotations.Nullable;

/**
 * Ties a local component call to its caller: when the caller stops waiting (its own limit stopped
 * it, the {@code Isola} is closing, its thread was interrupted), {@link #cancel()} stops the callee
 * too, at once if it runs and as soon as it starts if it has not yet.
 */
public final class CalleeLink {
  private volatile @Nullable Runnable stop;
  private volatile boolean cancelled;

  /** The callee's guard is watching it: {@code stop} ends it early. */
  public void attach(Runnable stop) {
    this.stop = stop;
    if (cancelled) {
      stop.run();
    }
  }

  /** The caller is gone: stops the callee. */
  public void cancel() {
    cancelled = true;
    Runnable s = stop;
    if (s != null) {
      s.run();
    }
  }

  /** Whether the caller is gone. */
  public boolean cancelled() {
    return cancelled;
  }
}
