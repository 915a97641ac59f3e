package dev.isola.internal.engine;

import dev.isola.DataSize;
import dev.isola.GuestException;
import dev.isola.IsolaException;
import dev.isola.LimitExceededException;
import dev.isola.LimitExceededException.Limit;
import dev.isola.Limits;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * Runs calls in fresh sandboxes, the same way for every engine: a call takes a ready sandbox from
 * the route's {@link SandboxPreparer} pool or builds one, runs under a {@link Watchdog} guard, and
 * its sandbox is discarded after it; whatever ends a call badly becomes one of Isola's exceptions
 * here, with one message per way: a limit crossed ({@link LimitExceededException}, naming the limit
 * and the fix), the {@code Isola} closing, a stack overflow, the JVM out of memory, an interrupt, an
 * engine failure ({@link IsolaException}), the guest's own error ({@link GuestException}).
 *
 * <p>An engine supplies a {@link SandboxFactory} (build, bind and run, discard) and a {@link
 * FailureClassifier} (its exceptions as {@link Failure} kinds). The runner keeps the engine's
 * threading, in one of two ways:
 *
 * <ul>
 *   <li>{@link #runHere}: the whole call on the current platform thread (Wasm): guard, take or
 *       build, run, discard, map.
 *   <li>A guest thread of the engine's own ({@link GuestThreads}, JavaScript): the caller takes a
 *       ready sandbox ({@link #take()}) or builds one ({@link #build}); the guest thread, under the
 *       guard {@code GuestThreads} made, calls {@link #runGuarded}; once the guest has left, {@link
 *       #release} discards the sandbox off the call's path. A guest written off or never started is
 *       answered with {@link #stopped(Optional, Optional, Limits)}.
 * </ul>
 *
 * <p>On a call that answers, nothing here allocates but the watchdog's guard ({@link #runHere}) and
 * the task that releases a used sandbox ({@link #release}), as each engine did on its own.
 *
 * @param <S> the engine's sandbox
 * @param <C> what the engine knows of one call
 * @param <R> what running a call computes
 */
public final class SandboxRunner<S, C, R> {
  private final String route;
  private final String name;
  private final SandboxFactory<S, C, R> factory;
  private final FailureClassifier<C> classifier;
  private volatile SandboxPreparer preparer = SandboxPreparer.NONE;
  private volatile SandboxPreparer.@Nullable Pool<S> pool;
  private final LongAdder readyTaken = new LongAdder();

  /**
   * @param route the route as declared, for messages
   * @param name the handler's name (e.g. {@code hello.js}), for messages
   */
  public SandboxRunner(String route, String name, SandboxFactory<S, C, R> factory, FailureClassifier<C> classifier) {
    this.route = route;
    this.name = name;
    this.factory = factory;
    this.classifier = classifier;
  }

  // ---- sandboxes: ready or fresh, discarded after their call ----

  /**
   * Keeps sandboxes of this route built ahead by {@code preparer} with {@code buildAhead} (which
   * applies the route's limits itself if it runs guest code), and discards used ones on its thread.
   */
  public void prepareAhead(SandboxPreparer preparer, Supplier<S> buildAhead) {
    this.preparer = preparer;
    this.pool = preparer.pool(route, buildAhead, factory::discard);
  }

  /** A ready sandbox, used by the caller's call alone; null if none is ready (then {@link #build}). */
  public @Nullable S take() {
    SandboxPreparer.Pool<S> p = pool;
    S sandbox = p == null ? null : p.take();
    if (sandbox != null) {
      readyTaken.increment();
    }
    return sandbox;
  }

  /** A fresh sandbox for {@code call}, when {@link #take()} had none. */
  public S build(C call) {
    return factory.build(call);
  }

  /** Discards a used sandbox on the preparer's thread, off the call's path (here if it has none). */
  public void release(S sandbox) {
    preparer.release(() -> factory.discard(sandbox));
  }

  /** How many sandboxes are ready now; 0 if none are built ahead. */
  public int readyCount() {
    SandboxPreparer.Pool<S> p = pool;
    return p == null ? 0 : p.readyCount();
  }

  /** Calls that found a ready sandbox. */
  public LongAdder readyTaken() {
    return readyTaken;
  }

  /** Discards the ready sandboxes and builds no more. */
  public void closePool() {
    SandboxPreparer.Pool<S> p = pool;
    if (p != null) {
      p.close();
    }
  }

  // ---- running ----

  /**
   * Runs {@code call} on the current platform thread: watched by {@code watchdog} from before its
   * sandbox is taken or built (building counts against the call's time) until it is discarded.
   *
   * @param memoryLimit bytes of heap the call may hold, -1 for none
   * @param cancel stops the running guest from another thread (e.g. interrupts this one)
   * @throws IsolaException for every way the call can fail
   */
  public R runHere(Watchdog watchdog, C call, long deadlineNanos, long memoryLimit, Limits limits, Runnable cancel) {
    try (Watchdog.Guard guard = watchdog.watch(deadlineNanos, memoryLimit, cancel)) {
      S sandbox = null;
      try {
        sandbox = take();
        boolean fresh = sandbox == null;
        if (fresh) {
          sandbox = factory.build(call);
        }
        return factory.run(sandbox, fresh, call, guard);
      } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
        throw failure(e, guard, limits, call);
      } finally {
        if (sandbox != null) {
          factory.discard(sandbox);
        }
      }
    }
  }

  /**
   * Runs {@code call} on {@code sandbox} under {@code guard}, made by the guest thread this runs on.
   * An {@link IsolaException} the factory throws is the call's answer as it is (an engine that must
   * order its own outcome against the guard maps with {@link #failure} itself); any other runtime
   * exception is mapped by {@link #failure}. Errors pass unchanged, for the guest thread's own
   * handling (a JavaScript stack overflow).
   *
   * @param fresh true if the sandbox came from {@link #build}, false if from {@link #take()}
   */
  public R runGuarded(S sandbox, boolean fresh, C call, Limits limits, Watchdog.Guard guard) {
    try {
      return factory.run(sandbox, fresh, call, guard);
    } catch (IsolaException e) {
      throw e;
    } catch (RuntimeException e) {
      throw failure(e, guard, limits, call);
    }
  }

  // ---- what a failure becomes ----

  /**
   * What {@code e}, thrown while {@code call} ran under {@code guard}, ends the call with: the
   * guard's limit or the closing if it stopped the call (whatever the engine made of the stop),
   * else what the engine's classifier recognises.
   */
  public IsolaException failure(Throwable e, Watchdog.Guard guard, Limits limits, C call) {
    if (guard.tripped().isPresent() || guard.closing()) {
      return stopped(guard, limits);
    }
    Failure failure = classifier.classify(e, call);
    return switch (failure.kind()) {
      case GUEST_ERROR -> new GuestException(route, failure.detail(), failure.guestStack(), failure.status());
      case STACK_OVERFLOW -> overflowed();
      case RESOURCE_EXHAUSTED -> outOfMemory(failure.detail(), limits);
      case INTERRUPTED -> {
        Thread.currentThread().interrupt();
        Throwable cause = failure.cause();
        String message = "route \"" + route + "\": the calling thread was interrupted during the call, which was"
            + " stopped";
        yield cause == null ? new IsolaException(message) : new IsolaException(message, cause);
      }
      case CANCELLED, STOPPED_BY_GUARD -> new IsolaException("route \"" + route + "\": the call was cancelled");
      case INTERNAL -> {
        String message = "route \"" + route + "\": running handler " + name + " failed inside Isola: "
            + failure.detail();
        Throwable cause = failure.cause();
        yield cause == null ? new IsolaException(message) : new IsolaException(message, cause);
      }
      case DECIDED -> java.util.Objects.requireNonNull(failure.answer(), "a decided failure has its answer");
    };
  }

  /** The guard stopped the call: for its limit, or because the {@code Isola} is closing. */
  public IsolaException stopped(Watchdog.Guard guard, Limits limits) {
    return stopped(guard.tripped(), guard.memoryStop(), limits);
  }

  /**
   * A call stopped for {@code limit} ({@code memory}: what the memory stop measured, if any), or
   * because the {@code Isola} is closing when {@code limit} is empty.
   */
  public IsolaException stopped(Optional<Limit> limit, Optional<MemoryStop> memory, Limits limits) {
    return limit.<IsolaException>map(l -> limitExceeded(l, limits, memory))
        .orElseGet(() -> new IsolaException("route \"" + route + "\": the call was stopped: its Isola is closing"));
  }

  /** The guest overflowed its call stack. */
  public GuestException overflowed() {
    return new GuestException(route, "handler " + name + " overflowed the call stack (its recursion is too deep):"
        + " a stack overflow ends the call, it cannot be caught; recurse less deeply", "", 500);
  }

  private LimitExceededException outOfMemory(String detail, Limits limits) {
    return new LimitExceededException(route, Limit.MEMORY, "the JVM ran out of memory during the call"
        + (detail.isEmpty() ? "" : " (" + detail + ")") + ", whose memory limit is " + limits.memory()
        + "; give the JVM more heap (-Xmx), or lower memory for the calls that run at once so that they are"
        + " stopped before the JVM runs out");
  }

  private LimitExceededException limitExceeded(Limit limit, Limits limits, Optional<MemoryStop> memory) {
    String message = switch (limit) {
      case TIMEOUT -> "the call ran past its timeout of " + limits.timeout().toMillis()
          + " ms and was stopped; raise timeout or make the handler finish sooner";
      case MEMORY -> memory.map(stop -> memoryMessage(stop, limits.memory()))
          .orElse("the call crossed its memory limit of " + limits.memory() + " and was stopped; raise memory or keep"
              + " less in memory per call");
      default -> "the call crossed its " + limit.key() + " limit and was stopped";
    };
    return new LimitExceededException(route, limit, message);
  }

  /** What the watchdog measured, the limit, and what to change. */
  public static String memoryMessage(MemoryStop stop, DataSize limit) {
    return switch (stop.cause()) {
      case HELD -> "the call held about " + mib(stop.heldBytes()) + " of heap, more than its memory limit of " + limit
          + ", and was stopped; raise memory or keep less in memory per call (what a call holds is how much the heap"
          + " grew while it ran, up to what it allocated)";
      case HEAP_DANGER -> "the JVM's heap was " + stop.heapAfterGcBytes() * 100 / stop.maxHeapBytes() + "% full after a"
          + " garbage collection (" + mib(stop.heapAfterGcBytes()) + " of " + mib(stop.maxHeapBytes())
          + ") and the call"
          + " held about " + mib(stop.heldBytes()) + " of it, within its memory limit of " + limit + ", and was stopped"
          + " to keep the JVM serving; give the JVM more heap (-Xmx) or lower memory for the calls that run at once";
      case ALLOCATION_BACKSTOP -> "the call allocated " + mib(stop.allocatedBytes()) + ", more than "
          + (stop.allocatedBytes() / Math.max(1, limit.bytes())) + " times its memory limit of " + limit
          + " (the allocation cap behind that limit), and was stopped; raise memory or allocate less per call";
      case ALLOCATION_BUDGET -> "the call allocated more than its memory limit of " + limit + " (this JVM reports no"
          + " garbage collections, so the limit counts allocation) and was stopped; raise memory or allocate less"
          + " per call";
    };
  }

  /** Bytes in whole MiB, rounded up (a call just over 64MiB held 65MiB, not 64), e.g. {@code 97MiB}. */
  private static String mib(long bytes) {
    return ((bytes + (1 << 20) - 1) >> 20) + "MiB";
  }
}
