package dev.isola.internal.pipeline;

import dev.isola.CallOptions;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.engine.Call;
import dev.isola.internal.route.Lookup;
import java.util.concurrent.Callable;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import org.jspecify.annotations.Nullable;

/**
 * One call on its way through the {@link Pipeline}: what the caller gave, and what each stage has
 * fixed so far. The only object the pipeline allocates per call; confined to the call (it crosses
 * to a call thread only through {@link ThreadHop}, whose executor hand-off orders the writes).
 */
final class Exchange implements Callable<Response> {
  final Request request;
  final CallOptions options;
  /** Set by {@link Routing}. */
  Lookup.Found<Route> found;
  /** Set by {@link Routing}: {@code found.target()}. */
  Route route;
  /** Set by {@link Observation}: the caller's plain {@code X-Request-Id}, else a random one. */
  String requestId;
  /** Set by {@link Deadline}: the {@link System#nanoTime()} the call must end by. */
  long deadline;
  /** For a component call: its depth in the chain (0 for a route's call). */
  int depth;
  /** For a component call: whether {@link #callerDeadline} is set. */
  boolean hasCallerDeadline;
  /** For a component call: the caller's deadline ({@link System#nanoTime()}), which the callee's never passes. */
  long callerDeadline;
  /** The key-value writes waiting for the caller's transaction, or null. */
  dev.isola.kv.@Nullable PendingWrites pendingWrites;
  /** For a local component call: what stops it when its caller stops waiting. */
  dev.isola.internal.capability.component.@Nullable CalleeLink link;
  /** Set by {@link Narrowing}: what the engine's sandbox gets. */
  Call call;
  /** Set by {@link ThreadHop}: where the call goes on from on a call thread. */
  private Stage resume;
  /** Set by {@link Admission}: the permits this call holds, released once by {@link #releaseSlots}. */
  @Nullable Semaphore globalSlot;
  @Nullable Semaphore routeSlot;

  private static final int WAITED = 0;
  private static final int HANDED_OFF = 1;
  private static final int FINISHED = 2;
  private static final AtomicIntegerFieldUpdater<Exchange> HOP =
      AtomicIntegerFieldUpdater.newUpdater(Exchange.class, "hop");
  /**
   * On a call thread: whether the caller still waits ({@code WAITED}), stopped waiting and left the
   * permits to the call thread ({@code HANDED_OFF}), or the call is over ({@code FINISHED}).
   */
  private volatile int hop = WAITED;

  Exchange(Request request, CallOptions options) {
    this.request = request;
    this.options = options;
  }

  /** Runs the rest of the pipeline from {@code stage} when this exchange is {@linkplain #call() called}. */
  Exchange resumingAt(Stage stage) {
    this.resume = stage;
    return this;
  }

  /** The rest of the pipeline, on a call thread (see {@link ThreadHop}). */
  @Override
  public Response call() {
    try {
      return resume.handle(this);
    } finally {
      if (HOP.getAndSet(this, FINISHED) == HANDED_OFF) {
        releaseSlots(); // the caller stopped waiting and left the permits to this call's end
      }
    }
  }

  /**
   * The caller stops waiting for a call that runs on a call thread: true if the call still runs, and
   * then its thread releases the permits when it ends; false if it has ended already.
   */
  boolean handOff() {
    return HOP.compareAndSet(this, WAITED, HANDED_OFF);
  }

  /** Whether the permits are the call thread's to release (see {@link #handOff}). */
  boolean handedOff() {
    return hop == HANDED_OFF;
  }

  /** Releases the permits this call holds, if any; each once. */
  void releaseSlots() {
    Semaphore route = routeSlot;
    Semaphore global = globalSlot;
    routeSlot = null;
    globalSlot = null;
    if (route != null) {
      route.release();
    }
    if (global != null) {
      global.release();
    }
  }
}
