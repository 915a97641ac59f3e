package dev.isola.internal.engine;

import dev.isola.IsolaException;
import dev.isola.LimitExceededException.Limit;
import dev.isola.OverloadedException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * The platform threads guest code runs on, for guests that may not stop when cancelled, so that
 * their callers never have to wait for them.
 *
 * <p>A caller hands its guest to {@link #call} and waits for the answer. The guest runs on a
 * thread of this pool under a {@link Watchdog} guard. When a limit trips, the watchdog cancels the
 * guest; if the guest has not left {@link Watchdog#ABANDON_NANOS} later, its call is <em>written
 * off</em>: the caller is answered at once with the limit's exception, the thread is left to the
 * guest, and the pool grows by one thread to replace it. A written-off call is logged at ERROR with
 * its route and request id and counted ({@link #writtenOff()}, {@link #stuck()}). If its guest
 * leaves after all, the thread comes back and the pool shrinks again.
 *
 * <p>A route with {@link #MAX_STUCK_PER_ROUTE} written-off calls whose guests still hold their
 * threads is suspended: its calls are refused with an {@link OverloadedException} until one of those
 * guests leaves, so one route cannot take every thread of the process.
 */
public final class GuestThreads implements AutoCloseable {
  /** Written-off calls still running after which a route refuses calls. */
  public static final int MAX_STUCK_PER_ROUTE = 3;
  /** Calls that may wait for a thread, per thread. */
  static final int QUEUED_PER_THREAD = 16;

  private static final Logger log = LoggerFactory.getLogger(GuestThreads.class);

  private final Watchdog watchdog;
  private final ThreadPoolExecutor pool;
  private final int threads;
  private final Map<String, AtomicInteger> stuckByRoute = new ConcurrentHashMap<>();
  private final AtomicInteger stuck = new AtomicInteger();
  /** Guests on a thread now, written off or not. */
  private final AtomicInteger running = new AtomicInteger();
  private final AtomicLong writtenOff = new AtomicLong();
  /** Set while a thread runs a {@link #nested} call. */
  private static final ThreadLocal<Boolean> NESTED = new ThreadLocal<>();
  /**
   * The threads of nested calls' guests: a hand-off queue, so a guest gets an idle thread or a new
   * one, never a place behind queued calls; idle ones are kept 30 s. As many as callers wait for
   * callees (bounded by whoever makes nested calls).
   */
  private final ThreadPoolExecutor nestedThreads;

  /**
   * @param threads how many guests run at once (more wait, up to {@link #QUEUED_PER_THREAD} per
   *     thread, then calls are refused)
   */
  public GuestThreads(Watchdog watchdog, int threads, String name) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads " + threads + " must be at least 1");
    }
    this.watchdog = watchdog;
    this.threads = threads;
    this.pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(threads * QUEUED_PER_THREAD),
        Thread.ofPlatform().daemon().priority(Thread.NORM_PRIORITY).name(name + "-", 1).factory());
    pool.allowCoreThreadTimeOut(true);
    this.nestedThreads = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 30, TimeUnit.SECONDS,
        new java.util.concurrent.SynchronousQueue<>(),
        Thread.ofPlatform().daemon().priority(Thread.NORM_PRIORITY).name(name + "-nested-", 1).factory());
  }

  /** One guest run: what it does on its thread, and how it is stopped. */
  public interface Guest<T> {
    /** Runs the guest on a thread of the pool, under {@code guard}. */
    T run(Watchdog.Guard guard);

    /** Stops the guest; may block until it leaves. Called from a cancel thread. */
    void cancel();

    /** Called on the guest's thread once it has left, however it ended (even after a write-off). */
    default void left() {
    }

    /** Called instead of everything else when the guest never ran (refused, or its caller gave up). */
    default void dropped() {
    }

    /**
     * What the caller gets when the call was stopped without an answer of the guest: for {@code
     * limit}, or because the Isola is closing when {@code limit} is empty.
     */
    RuntimeException stopped(Optional<Limit> limit);
  }

  /**
   * Runs {@code guest} on a thread of this pool and waits for its answer: the guest's result, or
   * what it threw, or {@link Guest#stopped} when it was written off or never started before its
   * deadline.
   *
   * @param memoryBudget bytes the guest's thread may allocate (-1 for no budget)
   * @throws OverloadedException when every thread is busy and the queue is full, or the route is
   *     suspended
   */
  public <T> T call(String route, String requestId, long deadlineNanos, long memoryBudget, Guest<T> guest) {
    OverloadedException suspended = suspended(route);
    if (suspended != null) {
      guest.dropped();
      throw suspended;
    }
    boolean nested = Boolean.TRUE.equals(NESTED.get());
    Run<T> run = new Run<>(route, requestId, deadlineNanos, memoryBudget, guest, !nested);
    if (nested) { // its caller waits for it: a thread of its own, never one a queued call could take first
      if (pool.isShutdown()) {
        guest.dropped();
        throw new IsolaException("this Isola is closed: build a new one with Isola.newBuilder()");
      }
      try {
        nestedThreads.execute(run);
      } catch (RejectedExecutionException e) {
        guest.dropped();
        throw new IsolaException("this Isola is closed: build a new one with Isola.newBuilder()", e);
      }
      return run.await();
    }
    try {
      pool.execute(run);
    } catch (RejectedExecutionException e) {
      guest.dropped();
      if (pool.isShutdown()) {
        throw new IsolaException("this Isola is closed: build a new one with Isola.newBuilder()", e);
      }
      throw new OverloadedException("all " + threads + " JavaScript call threads of this Isola are busy and "
          + threads * QUEUED_PER_THREAD + " calls wait for them; try again shortly, or raise"
          + " Isola.Builder.callThreads", Duration.ofSeconds(1));
    }
    return run.await();
  }

  /** Why calls of {@code route} are refused now, or null when they are not. */
  private @Nullable OverloadedException suspended(String route) {
    AtomicInteger routeStuck = stuckByRoute.get(route);
    int n = routeStuck == null ? 0 : routeStuck.get();
    if (n < MAX_STUCK_PER_ROUTE) {
      return null;
    }
    return new OverloadedException("route \"" + route + "\" is suspended: " + n + " of its calls"
        + " did not stop when their limits tripped and still hold threads; it takes calls again when one of them"
        + " ends (restart the process to end them now, and fix the handler)", Duration.ofSeconds(30));
  }

  /** Calls written off since this pool was made. */
  public long writtenOff() {
    return writtenOff.get();
  }

  /** Guests on a thread now, written off or not. */
  public int running() {
    return running.get();
  }

  /** Written-off calls whose guests still hold their threads. */
  public int stuck() {
    return stuck.get();
  }

  /** Refuses new calls; running ones go on (stop them through the watchdog). */
  public void shutdown() {
    pool.shutdown();
    nestedThreads.shutdown();
  }

  /**
   * Waits up to {@code timeout} for the running guests to leave, except those written off (which
   * may never leave); true if they all did.
   */
  public boolean awaitQuiet(Duration timeout) throws InterruptedException {
    long until = System.nanoTime() + timeout.toNanos();
    while (running.get() > stuck.get()) {
      if (System.nanoTime() - until >= 0) {
        return false;
      }
      Thread.sleep(5);
    }
    return true;
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }

  /**
   * Runs {@code call}, a nested call (a local component call) whose caller waits for it, on the
   * current thread, which must be a thread of its own: the guests it hands to {@link #call} run on
   * threads of their own too, never in this pool. Calls queued for the pool's threads therefore
   * never stand between a waiting caller and its callee, and a caller never holds a thread its
   * callee needs. As many such threads run as callers wait for callees.
   */
  public static <T> T nested(java.util.function.Supplier<T> call) {
    NESTED.set(Boolean.TRUE);
    try {
      return call.get();
    } finally {
      NESTED.remove();
    }
  }

  private void writeOff(Run<?> run) {
    writtenOff.incrementAndGet();
    stuck.incrementAndGet();
    stuckByRoute.computeIfAbsent(run.route, r -> new AtomicInteger()).incrementAndGet();
    if (run.pooled) {
      synchronized (pool) { // a new thread for the one the guest keeps
        pool.setMaximumPoolSize(pool.getMaximumPoolSize() + 1);
        pool.setCorePoolSize(pool.getCorePoolSize() + 1);
      }
    }
    log.error("route \"{}\": call {} did not stop {} ms after its {} and was written off: its caller was answered,"
        + " its thread is left to the guest and replaced ({} such calls still running; the route is suspended at {})",
        run.route, run.requestId, TimeUnit.NANOSECONDS.toMillis(Watchdog.ABANDON_NANOS),
        run.guard == null ? "stop" : run.guard.tripped().map(l -> l.key() + " limit").orElse("Isola's close"),
        stuck.get(), MAX_STUCK_PER_ROUTE);
  }

  private void recovered(Run<?> run) {
    stuck.decrementAndGet();
    stuckByRoute.get(run.route).decrementAndGet();
    if (run.pooled) {
      synchronized (pool) {
        pool.setCorePoolSize(pool.getCorePoolSize() - 1);
        pool.setMaximumPoolSize(pool.getMaximumPoolSize() - 1);
      }
    }
    log.warn("route \"{}\": written-off call {} ended after all; its thread is back", run.route, run.requestId);
  }

  private static final int QUEUED = 0;
  private static final int RUNNING = 1;
  private static final int DONE = 2;
  private static final int WRITTEN_OFF = 3;
  private static final int DROPPED = 4;

  private final class Run<T> implements Runnable, Watchdog.Stoppable {
    final String route;
    final String requestId;
    final long deadlineNanos;
    final long memoryBudget;
    final Guest<T> guest;
    /** Whether it runs on a thread of the pool (else on one of its own: a nested call). */
    final boolean pooled;
    final CompletableFuture<T> answer = new CompletableFuture<>();
    /** The caller's MDC (route, request id, the embedder's own keys), for log lines of the guest. */
    final @Nullable Map<String, String> mdc = MDC.getCopyOfContextMap();
    final AtomicInteger state = new AtomicInteger(QUEUED);
    volatile Watchdog.@Nullable Guard guard;

    Run(String route, String requestId, long deadlineNanos, long memoryBudget, Guest<T> guest, boolean pooled) {
      this.pooled = pooled;
      this.route = route;
      this.requestId = requestId;
      this.deadlineNanos = deadlineNanos;
      this.memoryBudget = memoryBudget;
      this.guest = guest;
    }

    @Override
    public void run() {
      // The pool may have been shut down (the Isola closes) or the route suspended (calls queued
      // behind the ones being written off) while this call waited for a thread: then it does not
      // start, or a closing Isola would run it, and a route could take thread after thread.
      RuntimeException refused = pool.isShutdown() ? guest.stopped(Optional.empty()) : suspended(route);
      if (refused != null) {
        if (state.compareAndSet(QUEUED, DROPPED)) {
          guest.dropped();
          answer.completeExceptionally(refused);
        }
        return;
      }
      if (!state.compareAndSet(QUEUED, RUNNING)) {
        return; // its caller stopped waiting
      }
      running.incrementAndGet();
      try {
        runGuest();
      } finally {
        running.decrementAndGet();
      }
    }

    private void runGuest() {
      if (mdc != null) {
        MDC.setContextMap(mdc);
      }
      T result = null;
      Throwable failure = null;
      try (Watchdog.Guard g = watchdog.watch(deadlineNanos, memoryBudget, (Watchdog.Stoppable) this)) {
        guard = g;
        result = guest.run(g);
      } catch (Throwable t) {
        // A guest that was stopped ends however its engine reports it; its caller learns why.
        Watchdog.Guard g = guard;
        failure = t instanceof IsolaException || g == null || (g.tripped().isEmpty() && !g.closing())
            ? t : guest.stopped(g.tripped());
      } finally {
        try {
          guest.left();
        } catch (RuntimeException e) {
          log.debug("route \"{}\": cleaning up after a guest failed", route, e);
        }
        MDC.clear();
      }
      boolean done;
      synchronized (this) { // against abandon(): a write-off is counted before its recovery
        done = state.compareAndSet(RUNNING, DONE);
        if (!done) {
          recovered(this);
        }
      }
      if (done) {
        if (failure == null) {
          answer.complete(result);
        } else {
          answer.completeExceptionally(failure);
        }
      }
    }

    @Override
    public void cancel() {
      guest.cancel();
    }

    @Override
    public void abandon() {
      synchronized (this) {
        if (!state.compareAndSet(RUNNING, WRITTEN_OFF)) {
          return;
        }
        writeOff(this);
      }
      Watchdog.Guard g = guard;
      answer.completeExceptionally(guest.stopped(g == null ? Optional.empty() : g.tripped()));
    }

    /** The guest's answer; the deadline runs while the call waits for a thread. */
    T await() {
      // Past the deadline and the watchdog's own grace, a call that has not started never will.
      long patience = deadlineNanos - System.nanoTime() + Watchdog.ABANDON_NANOS + 2 * Watchdog.TICK_NANOS;
      while (true) {
        try {
          if (state.get() == QUEUED) {
            return answer.get(Math.max(0, patience), TimeUnit.NANOSECONDS);
          }
          return answer.get(); // started: its guard answers it in time, written off or not
        } catch (TimeoutException e) {
          if (state.compareAndSet(QUEUED, DROPPED)) {
            pool.remove(this);
            guest.dropped();
            throw guest.stopped(Optional.of(Limit.TIMEOUT));
          }
        } catch (InterruptedException e) {
          // Not a cancel of the guest: interrupting a thread inside GraalJS is reported to the guest.
          // The call runs on to its own limits; its caller is gone.
          Thread.currentThread().interrupt();
          if (state.compareAndSet(QUEUED, DROPPED)) {
            pool.remove(this);
            guest.dropped();
          }
          throw new IsolaException("route \"" + route + "\": interrupted while waiting for the call", e);
        } catch (ExecutionException e) {
          throw rethrow(e.getCause());
        } catch (CancellationException e) {
          throw new IsolaException("route \"" + route + "\": the call was cancelled", e);
        }
      }
    }
  }

  private static RuntimeException rethrow(Throwable t) {
    if (t instanceof RuntimeException r) {
      return r;
    }
    if (t instanceof Error e) {
      throw e;
    }
    return new IsolaException("the call failed: " + t, t);
  }
}
