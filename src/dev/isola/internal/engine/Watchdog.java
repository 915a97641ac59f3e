package dev.isola.internal.engine;

import dev.isola.IsolaException;
import dev.isola.LimitExceededException.Limit;
import java.lang.management.ManagementFactory;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Enforces the time and memory limits of running calls from one daemon thread per {@code Isola}.
 *
 * <p>Each call registers the platform thread it runs on, its deadline and its memory limit.
 * Every {@link #TICK_NANOS} the watchdog compares the clock and the bytes the thread has allocated
 * since the call started ({@code ThreadMXBean.getThreadAllocatedBytes}, which counts platform
 * threads only: that is why calls from virtual threads run on a platform thread of the {@code
 * Isola}) and trips the call's guard. The watchdog parks while no call is running, and survives
 * anything a check throws, even an {@code OutOfMemoryError}. After the last call it keeps ticking
 * for {@link #LINGER_NANOS}, so that calls coming in runs do not each have to wake it.
 *
 * <p>Stopping a call never blocks a thread that other calls depend on. A tripped guard's {@link
 * Stoppable#cancel()} (which may wait until the guest leaves, as GraalJS's {@code Context.close(true)}
 * does) runs on a cancel thread of its own, from a pool that grows as needed and whose idle threads
 * end. The watchdog keeps watching the stopped call: if its guest has not left {@link
 * #ABANDON_NANOS} after the trip, it is given up ({@link Stoppable#abandon()}): its caller is
 * answered with the limit's exception and its thread written off (see {@link GuestThreads}). Every
 * other call's limits keep holding whatever one guest does.
 *
 * <p>The allocation compared every tick is only the backstop of the memory limit (a large multiple
 * of it): what a call holds is judged after each garbage collection by {@link HeapPressure}, which
 * trips guards the same way.
 */
public final class Watchdog implements AutoCloseable {
  /** How often running calls are checked; a limit is enforced at most this late. */
  public static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);
  /** How long after a trip a guest that has not left is given up, and its caller answered. */
  public static final long ABANDON_NANOS = TimeUnit.MILLISECONDS.toNanos(250);

  /** How a watched call is stopped: cancelled, and given up if it does not leave in time. */
  public interface Stoppable {
    /** Stops the guest; may block until it leaves (it runs on a cancel thread of its own). */
    void cancel();

    /**
     * The guest has not left {@link #ABANDON_NANOS} after the trip: answer its caller now and write
     * its thread off. Must not block.
     */
    default void abandon() {
    }
  }

  private static final Logger log = LoggerFactory.getLogger(Watchdog.class);
  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private final Set<Guard> active = ConcurrentHashMap.newKeySet();
  /** Guards tripped whose guest has not left yet: escalated and abandoned on time. */
  private final Set<Guard> stopping = ConcurrentHashMap.newKeySet();
  /**
   * Cancels, escalations and abandonments run here, each on a thread of its own (a cancel may wait
   * for its guest): one guest that does not stop never delays the stop of another.
   */
  private final ExecutorService cancels;
  private final Thread thread;
  private volatile boolean closed;
  /** Set by {@link #cancelAll()}: a call watched from then on is stopped as soon as it starts. */
  private volatile boolean cancelledAll;
  /** How long the thread keeps ticking after the last call it saw before it parks until woken. */
  static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** When the thread last saw a call ({@link System#nanoTime()}); read and written by it alone. */
  private long lastBusyNanos = System.nanoTime() - LINGER_NANOS;
  /** True while the thread parks with no call to watch; only then does a new call wake it. */
  private volatile boolean idle;

  public Watchdog(String name) {
    if (!THREADS.isThreadAllocatedMemorySupported()) {
      log.warn("this JVM cannot measure per-thread allocation: JavaScript memory limits judge calls by the"
          + " heap's growth alone, with no allocation cap");
    } else if (!THREADS.isThreadAllocatedMemoryEnabled()) {
      THREADS.setThreadAllocatedMemoryEnabled(true);
    }
    this.thread = Thread.ofPlatform().daemon().name(name).unstarted(this::run);
    this.cancels = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS, new SynchronousQueue<>(),
        Thread.ofPlatform().daemon().priority(Thread.NORM_PRIORITY).name(name + "-cancel-", 1).factory());
    thread.start();
    HeapPressure.jvm().register(this);
  }

  /**
   * Starts watching the current (platform) thread until the returned guard is closed.
   *
   * @param deadlineNanos {@link System#nanoTime()} after which the call is stopped
   * @param memoryLimit bytes of heap the call may hold (see {@link HeapPressure}), or -1 for none
   * @param cancel stops the sandbox; called once, from another thread, when a limit trips
   */
  public Guard watch(long deadlineNanos, long memoryLimit, Runnable cancel) {
    return watch(deadlineNanos, memoryLimit, (Stoppable) cancel::run);
  }

  /**
   * Like {@link #watch(long, long, Runnable)}, for a guest that may not stop when cancelled: {@code
   * stop}'s later steps run if it has not left in time.
   */
  public Guard watch(long deadlineNanos, long memoryLimit, Stoppable stop) {
    Thread current = Thread.currentThread();
    if (current.isVirtual()) {
      throw new IllegalStateException("guest code must run on a platform thread");
    }
    if (closed || !thread.isAlive()) {
      throw new IsolaException("the Isola's watchdog is not running (the Isola is closed or failed):"
          + " calls cannot be limited, so none are started; build a new Isola");
    }
    Guard guard = new Guard(current.threadId(), deadlineNanos, memoryLimit, stop);
    active.add(guard);
    if (idle) {
      LockSupport.unpark(thread);
    }
    if (cancelledAll) {
      // A call that starts after cancelAll() (one that waited for a thread while the Isola closed)
      // is stopped like the others; cancelAll() publishes the flag before it looks at the calls, so
      // each call is seen by one or the other.
      guard.trip(null);
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
    if (active.isEmpty() && stopping.isEmpty() && System.nanoTime() - lastBusyNanos >= LINGER_NANOS) {
      idle = true;
      // Re-check after publishing idle: a call added in between either sees idle and unparks, or
      // is seen here.
      if (active.isEmpty() && stopping.isEmpty() && !closed) {
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
    for (Guard guard : stopping) {
      guard.followUp(now);
    }
  }

  /** Runs one step of stopping {@code guard} on a cancel thread (here if the pool is shut down). */
  private void stopStep(Guard guard, String step, Runnable body) {
    Runnable task = () -> {
      try {
        body.run();
      } catch (Throwable t) {
        log.debug("the {} step of stopping a call after its {} limit failed", step, guard.tripped.get(), t);
      }
    };
    try {
      cancels.execute(task);
    } catch (RejectedExecutionException e) {
      task.run(); // closed: the caller of close() stops its calls itself
    }
  }

  /**
   * Stops every running call, and every call that starts from now on, as when the {@code Isola}
   * closes; {@link Guard#closing()} tells.
   */
  public void cancelAll() {
    cancelledAll = true;
    for (Guard guard : active) {
      guard.trip(null);
    }
  }

  /** The calls being watched, for {@link HeapPressure}'s rounds. */
  Iterable<Guard> running() {
    return active;
  }


  /** How many stopped calls have not left their guest yet. */
  public int stopping() {
    return stopping.size();
  }

  /**
   * Stops watching; running calls are not cancelled (see {@link #cancelAll()}). Cancels already
   * started run on; their threads end when they do.
   */
  @Override
  public void close() {
    HeapPressure.jvm().unregister(this);
    closed = true;
    LockSupport.unpark(thread);
    cancels.shutdown();
  }

  /** One call being watched. Closing it ends the watch; it is safe to close more than once. */
  public final class Guard implements AutoCloseable {
    private final long threadId;
    /** Moved sooner only by {@link #expire()}. */
    private volatile long deadlineNanos;
    /** Bytes of heap the call may hold, or -1 for no limit. */
    private final long memoryLimit;
    /** Bytes the call may allocate in all: the backstop of the memory limit. */
    private final long allocationCap;
    /** The heap that is not the call's (see {@link HeapPressure}); moved by its rounds alone. */
    private volatile long heapBaseline;
    /** The heap when the call started, lowered only as the heap shrinks (see {@link HeapPressure}). */
    private volatile long rawHeapBaseline;
    private volatile MemoryStop memoryStop;
    /** True once the call ended (its guard closed): what its thread allocates is no longer its. */
    private volatile boolean ended;
    /** What the thread had allocated since the watch began when the call ended. */
    private volatile long allocatedAtEnd = -1;
    private final long allocatedAtStart;
    private final Stoppable stop;
    private final AtomicReference<Limit> tripped = new AtomicReference<>();
    private volatile boolean closing;
    /** When the guard tripped ({@link System#nanoTime()}); read by the watchdog thread after. */
    private volatile long trippedAtNanos;

    private Guard(long threadId, long deadlineNanos, long memoryLimit, Stoppable stop) {
      this.threadId = threadId;
      this.deadlineNanos = deadlineNanos;
      this.memoryLimit = memoryLimit;
      this.allocationCap = memoryLimit < 0 ? -1 : HeapPressure.jvm().allocationCap(memoryLimit);
      this.heapBaseline = HeapPressure.jvm().baseline();
      this.rawHeapBaseline = heapBaseline;
      this.allocatedAtStart = THREADS.getCurrentThreadAllocatedBytes();
      this.stop = stop;
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
      } else if (memoryLimit >= 0) {
        HeapPressure.jvm().poll(now);
        long allocated = allocated();
        if (allocated > allocationCap) {
          MemoryStop.Cause cause = HeapPressure.jvm().enforced()
              ? MemoryStop.Cause.ALLOCATION_BACKSTOP : MemoryStop.Cause.ALLOCATION_BUDGET;
          stopForMemory(new MemoryStop(cause, -1, allocated, -1, Runtime.getRuntime().maxMemory()));
        }
      }
    }

    /**
     * Moves the deadline to now: the watchdog stops the call for its timeout on its next round, as
     * it would have at the deadline. For a call whose caller stopped waiting for it.
     */
    public void expire() {
      deadlineNanos = System.nanoTime();
    }

    /** What stopped the call if its memory limit did. */
    public Optional<MemoryStop> memoryStop() {
      return tripped.get() == Limit.MEMORY ? Optional.ofNullable(memoryStop) : Optional.empty();
    }

    long memoryLimit() {
      return memoryLimit;
    }

    long heapBaseline() {
      return heapBaseline;
    }

    long rawHeapBaseline() {
      return rawHeapBaseline;
    }

    void heapBaselines(long baseline, long raw) {
      heapBaseline = baseline;
      rawHeapBaseline = raw;
    }

    /** True once the call ended (its guard closed). */
    boolean ended() {
      return ended;
    }

    /** What the call's thread had allocated since the watch began when it ended (-1 if unknown). */
    long allocatedAtEnd() {
      return allocatedAtEnd;
    }

    /**
     * Stops the call for its memory limit, for the reason given, unless it already ended or was
     * stopped; the watchdog's thread and the heap rounds may both try, and the first one's reason is
     * kept.
     *
     * @return true if this stopped the call
     */
    synchronized boolean stopForMemory(MemoryStop why) {
      if (tripped.get() != null || ended) {
        return false;
      }
      memoryStop = why;
      trip(Limit.MEMORY);
      return tripped.get() == Limit.MEMORY;
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
        trippedAtNanos = System.nanoTime();
        stopping.add(this);
        if (idle) {
          LockSupport.unpark(thread); // tripped by cancelAll while the watchdog parks
        }
        stopStep(this, "cancel", stop::cancel);
      }
    }

    /** The guest has not left since the trip: abandon it once it is {@link #ABANDON_NANOS} late. */
    private void followUp(long now) {
      if (now - trippedAtNanos >= ABANDON_NANOS && stopping.remove(this)) {
        stopStep(this, "abandon", stop::abandon);
      }
    }

    @Override
    public void close() {
      if (!ended && memoryLimit >= 0) {
        allocatedAtEnd = allocated(); // for HeapPressure's next round
      }
      ended = true;
      active.remove(this);
      stopping.remove(this);
    }
  }
}
