package dev.isola.internal.engine;

import dev.isola.IsolaException;
import dev.isola.LimitExceededException.Limit;
import java.lang.management.ManagementFactory;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces the time and memory limits of running calls from one daemon thread per {@code Isola}.
 *
 * <p>Each call registers the platform thread it runs on, its deadline and its allocation budget.
 * Every {@link #TICK_NANOS} the watchdog compares the clock and the bytes the thread has allocated
 * since the call started ({@code ThreadMXBean.getThreadAllocatedBytes}, which counts platform
 * threads only: that is why calls from virtual threads run on a platform thread of the {@code
 * Isola}) and trips the call's guard; a second thread runs the cancels, one at a time, so a slow
 * cancel never delays the checks. The watchdog parks while no call is running, and survives
 * anything a check throws, even an {@code OutOfMemoryError}. After the last call it keeps ticking
 * for {@link #LINGER_NANOS}, so that calls coming in runs do not each have to wake it.
 */
public final class Watchdog implements AutoCloseable {
  /** How often running calls are checked; a limit is enforced at most this late. */
  public static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private static final Logger log = LoggerFactory.getLogger(Watchdog.class);
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private final Set<Guard> active = ConcurrentHashMap.newKeySet();
  /** Cancels run here, one at a time: a slow cancel never delays the checks of other calls. */
  private final LinkedBlockingQueue<Guard> cancels = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final Thread canceller;
  private final Guard stop = new Guard(-1, 0, -1, () -> {});
  private volatile boolean closed;
  /** How long the thread keeps ticking after the last call it saw before it parks until woken. */
  static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** When the thread last saw a call ({@link System#nanoTime()}); read and written by it alone. */
  private long lastBusyNanos = System.nanoTime() - LINGER_NANOS;
  /** True while the thread parks with no call to watch; only then does a new call wake it. */
  private volatile boolean idle;

  public Watchdog(String name) {
    if (!THREADS.isThreadAllocatedMemorySupported()) {
      log.warn("this JVM cannot measure per-thread allocation: memory limits are not enforced");
    } else if (!THREADS.isThreadAllocatedMemoryEnabled()) {
      THREADS.setThreadAllocatedMemoryEnabled(true);
    }
    this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this::run);
    this.canceller = Thread.ofPlatform().daemon().name(name + "-cancel").unstarted(this::runCancels);
    thread.start();
    canceller.start();
  }

  /**
   * Starts watching the current (platform) thread until the returned guard is closed.
   *
   * @param deadlineNanos {@link System#nanoTime()} after which the call is stopped
   * @param memoryBudget bytes the thread may allocate from now on
   * @param cancel stops the sandbox; called once, from another thread, when a limit trips
   */
  public Guard watch(long deadlineNanos, long memoryBudget, Runnable cancel) {
    Thread current = Thread.currentThread();
    if (current.isVirtual()) {
      throw new IllegalStateException("guest code must run on a platform thread");
    }
    if (closed || !thread.isAlive()) {
      throw new IsolaException("the Isola's watchdog is not running (the Isola is closed or failed):"
          + " calls cannot be limited, so none are started; build a new Isola");
    }
    Guard guard = new Guard(current.threadId(), deadlineNanos, memoryBudget, cancel);
    active.add(guard);
    if (idle) {
      LockSupport.unpark(thread);
    }
    return guard;
  }

  private void run() {
    while (!closed) {
      try {
        checkOnce();
      } catch (Throwable t) {
        // Even an OutOfMemoryError caused by a guest must not end the enforcement of limits.
        try {
          log.error("the watchdog failed a check and goes on", t);
        } catch (Throwable ignored) {
          // Logging needs memory too; the next tick retries.
        }
      }
    }
  }

  private void checkOnce() {
    if (active.isEmpty() && System.nanoTime() - lastBusyNanos >= LINGER_NANOS) {
      idle = true;
      // Re-check after publishing idle: a call added in between either sees idle and unparks, or
      // is seen here.
      if (active.isEmpty() && !closed) {
        LockSupport.park(this);
      }
      idle = false;
      lastBusyNanos = System.nanoTime(); // woken by a call (or by close)
      return;
    }
    // While calls run, and for LINGER_NANOS after the last one: calls often come in runs, and
    // ticking on spares each of them the cost of waking this thread (several µs for a futex
    // wake-up on a small machine), at one wake-up per tick.
    LockSupport.parkNanos(this, TICK_NANOS);
    long now = System.nanoTime();
    if (!active.isEmpty()) {
      lastBusyNanos = now;
    }
    for (Guard guard : active) {
      guard.check(now);
    }
  }

  private void runCancels() {
    while (true) {
      Guard guard;
      try {
        guard = cancels.take();
      } catch (InterruptedException e) {
        return;
      }
      if (guard == stop) {
        return; // queued by close(), after every cancel already queued
      }
      try {
        guard.cancel.run();
      } catch (Throwable t) {
        log.debug("cancelling a call after its {} limit failed", guard.tripped.get(), t);
      }
    }
  }

  /** Stops every running call, as when the {@code Isola} closes; {@link Guard#closing()} tells. */
  public void cancelAll() {
    for (Guard guard : active) {
      guard.trip(null);
    }
  }

  /** Stops watching; running calls are not cancelled (see {@link #cancelAll()}). */
  @Override
  public void close() {
    closed = true;
    LockSupport.unpark(thread);
    cancels.add(stop);
  }

  /** One call being watched. Closing it ends the watch; it is safe to close more than once. */
  public final class Guard implements AutoCloseable {
    private final long threadId;
    private final long deadlineNanos;
    private final long memoryBudget;
    private final long allocatedAtStart;
    private final Runnable cancel;
    private final AtomicReference<Limit> tripped = new AtomicReference<>();
    private volatile boolean closing;

    private Guard(long threadId, long deadlineNanos, long memoryBudget, Runnable cancel) {
      this.threadId = threadId;
      this.deadlineNanos = deadlineNanos;
      this.memoryBudget = memoryBudget;
      this.allocatedAtStart = THREADS.getCurrentThreadAllocatedBytes();
      this.cancel = cancel;
    }

    /** The limit that stopped this call, if one did. */
    public Optional<Limit> tripped() {
      return Optional.ofNullable(tripped.get());
    }

    /** Bytes the call's thread allocated since the watch began (-1 if the JVM cannot tell). */
    public long allocated() {
      long now = THREADS.getThreadAllocatedBytes(threadId);
      return now < 0 || allocatedAtStart < 0 ? -1 : now - allocatedAtStart;
    }

    private void check(long now) {
      if (now - deadlineNanos >= 0) {
        trip(Limit.TIMEOUT);
      } else if (memoryBudget >= 0 && allocated() > memoryBudget) {
        trip(Limit.MEMORY);
      }
    }

    /** True if the call was stopped because its {@code Isola} is closing. */
    public boolean closing() {
      return closing;
    }

    /** Stops the call for {@code limit}, or for closing when {@code limit} is null. */
    private void trip(Limit limit) {
      if (active.remove(this)) {
        if (limit == null) {
          closing = true;
        } else {
          tripped.compareAndSet(null, limit);
        }
        cancels.add(this);
      }
    }

    @Override
    public void close() {
      active.remove(this);
    }
  }
}
