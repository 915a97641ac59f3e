package dev.isola.internal.engine;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds sandboxes ahead of their calls, off the request path ("fresh, but ready"): one low-priority
 * daemon thread per {@code Isola} keeps a small bounded {@link Pool} per route filled.
 *
 * <p>A ready sandbox is used by exactly one call and discarded after it, so it has never seen another
 * request: the fresh-per-call contract holds, while a call that finds one pays only for running the
 * handler. The request, grants and per-call narrowing reach a sandbox only when its call starts.
 * Under saturation the pools run empty and calls build their own sandbox, as without a preparer; the
 * total work is the same, one sandbox per call.
 *
 * <p>For {@link #LINGER_NANOS} after its last task the thread polls for work rather than waiting to
 * be woken, so that a call taking a sandbox does not pay for waking it (a futex wake-up, several µs
 * on a small machine). It polls every {@link #POLL_NANOS} for {@link #ATTENTIVE_NANOS} after its
 * last task, then ever less often (the pause doubles up to {@link #MAX_POLL_NANOS}), so a steady
 * stream of calls finds it attentive and a quiet route costs some twenty wake-ups before the
 * thread waits to be woken again.
 *
 * <p>A build that fails in the background is dropped (logged at DEBUG) and not retried until the
 * next call takes from the pool: that call builds its own sandbox and reports the failure itself.
 */
public final class SandboxPreparer implements AutoCloseable {
  /** Builds nothing ahead: every call builds its own sandbox. */
  public static final SandboxPreparer NONE = new SandboxPreparer(0, "none");

  private static final Logger log = LoggerFactory.getLogger(SandboxPreparer.class);
  /** Past this many waiting tasks, a used sandbox is released by its caller. */
  private static final int MAX_QUEUED_RELEASES = 8;
  /** How long the thread polls for work after its last build before it waits to be woken. */
  static final long LINGER_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  /** Its first pause after a task: how late a build starts after a take during a burst of calls. */
  static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(100);
  /** How long after a task it keeps polling every {@link #POLL_NANOS} before the pause grows. */
  static final long ATTENTIVE_NANOS = TimeUnit.MILLISECONDS.toNanos(1);
  /** Its longest pause while it polls. */
  static final long MAX_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  private final int perRoute;
  private final LinkedBlockingQueue<Runnable> tasks = new LinkedBlockingQueue<>();
  private final java.util.List<Pool<?>> pools = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Thread thread;
  private volatile boolean closed;

  /**
   * @param perRoute how many ready sandboxes each route keeps; 0 builds nothing ahead and starts no
   *     thread
   */
  public SandboxPreparer(int perRoute, String name) {
    if (perRoute < 0) {
      throw new IllegalArgumentException("readySandboxes " + perRoute + " must be 0 or more");
    }
    this.perRoute = perRoute;
    if (perRoute == 0) {
      this.thread = null;
    } else {
      this.thread = Thread.ofPlatform().daemon().name(name).priority(Thread.MIN_PRIORITY).unstarted(this::run);
      thread.start();
    }
  }

  /** How many ready sandboxes each route keeps. */
  public int perRoute() {
    return perRoute;
  }

  /**
   * A pool of ready sandboxes for one route, filled right away in the background.
   *
   * @param build builds one sandbox, on the preparer's thread; it must apply the route's limits
   *     itself, since it may run guest code (a module's top level)
   * @param discard releases a sandbox that no call will use (when the pool closes)
   */
  public <S> Pool<S> pool(String route, Supplier<S> build, Consumer<S> discard) {
    Pool<S> pool = new Pool<>(route, build, discard);
    if (perRoute > 0) {
      pools.add(pool);
      pool.refill();
    }
    return pool;
  }

  /**
   * Runs {@code release} (closing a used sandbox) on the preparer's thread, off the call's path; or
   * here, when there is no preparer thread or it is behind (under saturation, so used sandboxes
   * never pile up waiting).
   */
  public void release(Runnable release) {
    if (thread == null || closed || tasks.size() >= MAX_QUEUED_RELEASES) {
      release.run();
      return;
    }
    Release task = new Release(release);
    tasks.add(task);
    if (closed && tasks.remove(task)) {
      release.run(); // closed meanwhile: nobody would run it
    }
  }

  /** A release waiting in the task queue: run even when the preparer closes. */
  private record Release(Runnable body) implements Runnable {
    @Override
    public void run() {
      body.run();
    }
  }

  private void run() {
    long lastBusy = System.nanoTime() - LINGER_NANOS;
    long pause = POLL_NANOS;
    while (!closed) {
      Runnable task = tasks.poll();
      long idle = System.nanoTime() - lastBusy;
      if (task == null && idle < LINGER_NANOS) {
        LockSupport.parkNanos(this, pause);
        if (idle > ATTENTIVE_NANOS) {
          pause = Math.min(2 * pause, MAX_POLL_NANOS);
        }
        continue;
      }
      if (task == null) {
        try {
          task = tasks.take();
        } catch (InterruptedException e) {
          return;
        }
      }
      try {
        task.run();
      } catch (Throwable t) { // a failed build never stops the preparer
        log.debug("preparing a sandbox failed", t);
      }
      lastBusy = System.nanoTime();
      pause = POLL_NANOS;
    }
  }

  /**
   * Stops building, waits briefly for a build in progress (which runs under the route's limits),
   * and discards every ready sandbox. Idempotent.
   */
  @Override
  public void close() {
    closed = true;
    java.util.List<Runnable> left = new java.util.ArrayList<>();
    tasks.drainTo(left);
    tasks.add(() -> { }); // wakes the thread if it waits for work
    if (thread != null && thread != Thread.currentThread()) {
      try {
        thread.join(2_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      thread.interrupt();
    }
    pools.forEach(Pool::close);
    // Builds never started are dropped (their pools are closed); releases still run.
    left.forEach(task -> {
      if (task instanceof Release) {
        task.run();
      }
    });
  }

  /** The ready sandboxes of one route. Thread-safe. */
  public final class Pool<S> implements AutoCloseable {
    private final String route;
    private final ArrayBlockingQueue<S> ready;
    private final Supplier<S> build;
    private final Consumer<S> discard;
    /** Builds scheduled and not yet finished. */
    private final AtomicInteger pending = new AtomicInteger();
    /** Set when a background build failed; cleared by the next take, which tries again. */
    private volatile boolean failing;
    private volatile boolean poolClosed;

    private Pool(String route, Supplier<S> build, Consumer<S> discard) {
      this.route = route;
      this.ready = new ArrayBlockingQueue<>(Math.max(1, perRoute));
      this.build = build;
      this.discard = discard;
    }

    /**
     * A ready sandbox, or null when none is ready (the caller builds its own); either way another is
     * scheduled to be built ahead.
     */
    public S take() {
      if (perRoute == 0) {
        return null;
      }
      S sandbox = ready.poll();
      failing = false;
      refill();
      return sandbox;
    }

    /** How many sandboxes are ready now. */
    public int readyCount() {
      return ready.size();
    }

    private void refill() {
      while (!closed && !poolClosed && !failing) {
        int scheduled = pending.get();
        if (ready.size() + scheduled >= perRoute) {
          return;
        }
        if (pending.compareAndSet(scheduled, scheduled + 1)) {
          tasks.add(this::buildOne);
        }
      }
    }

    private void buildOne() {
      try {
        if (closed || poolClosed || failing) {
          return;
        }
        S sandbox;
        try {
          sandbox = build.get();
        } catch (RuntimeException | Error e) {
          failing = true;
          log.debug("route \"{}\": preparing a sandbox ahead failed; calls build their own until one succeeds",
              route, e);
          return;
        }
        if (closed || poolClosed || !ready.offer(sandbox)) {
          discardQuietly(sandbox);
        } else if (poolClosed) {
          drain(); // closed between the check and the offer
        }
      } finally {
        pending.decrementAndGet();
      }
    }

    private void drain() {
      for (S sandbox = ready.poll(); sandbox != null; sandbox = ready.poll()) {
        discardQuietly(sandbox);
      }
    }

    private void discardQuietly(S sandbox) {
      try {
        discard.accept(sandbox);
      } catch (RuntimeException e) {
        log.debug("route \"{}\": discarding a ready sandbox failed", route, e);
      }
    }

    /** Discards the ready sandboxes and builds no more. Idempotent. */
    @Override
    public void close() {
      poolClosed = true;
      drain();
    }
  }
}
