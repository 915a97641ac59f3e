package dev.isola.internal.pipeline;

import dev.isola.Grant;
import dev.isola.Handler;
import dev.isola.HandlerLoadException;
import dev.isola.IsolaException;
import dev.isola.Limits;
import dev.isola.OverloadedException;
import dev.isola.internal.capability.GrantResolver;
import dev.isola.internal.capability.RouteCapabilities;
import dev.isola.internal.engine.CallListener;
import dev.isola.internal.engine.GuestEngine;
import dev.isola.internal.engine.GuestThreads;
import dev.isola.internal.engine.SandboxPreparer;
import dev.isola.internal.engine.Watchdog;
import dev.isola.internal.js.JsEngine;
import dev.isola.internal.wasm.WasmEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an {@code Isola} owns and {@link #close(CallListener) closes}: the watchdog, the sandbox
 * preparer, the JavaScript guests' threads, the engines (started on first use while building), the
 * call threads, the stores it was given to own and the outbound HTTP client of its grants.
 */
public final class IsolaRuntime {
  private static final Logger log = LoggerFactory.getLogger(dev.isola.Isola.class);
  /** Calls from virtual threads that may wait for a call thread, per call thread. */
  private static final int QUEUED_PER_THREAD = 16;

  private final Watchdog watchdog;
  /** Builds each route's next sandboxes ahead of its calls; {@link SandboxPreparer#NONE} if told to. */
  private final SandboxPreparer preparer;
  /** The threads JavaScript guests run on, for every caller (see GuestThreads). */
  private final GuestThreads guestThreads;
  private final ThreadPoolExecutor callThreads;
  /**
   * The threads of local component calls (see {@link #nested}): one per waiting caller, made on
   * demand and kept 30 s when idle, so a steady stream of component calls reuses them.
   */
  private final ThreadPoolExecutor nestedThreads;
  /** Local component calls that may run at once, per call thread. */
  static final int NESTED_PER_THREAD = 8;
  /** Resolves routes' grants while building; holds the outbound HTTP client. */
  private final GrantResolver grants;
  /** Stores registered with {@code Isola.Builder.ownedStore}. */
  private final List<AutoCloseable> owned;
  /** A test's fixed clock for guests, or null for the real time. */
  private final @Nullable Clock guestClock;
  private final AtomicBoolean closed = new AtomicBoolean();
  /** Each route's capabilities, in declaration order. */
  private final Map<String, RouteCapabilities> capabilities = new LinkedHashMap<>();
  private @Nullable JsEngine js;
  private @Nullable WasmEngine wasm;

  /**
   * Starts the watchdog and, for {@code readySandboxes > 0}, the preparer; threads start on demand.
   *
   * @param callThreads the most JavaScript guests, and WebAssembly calls from virtual threads, at once
   */
  public IsolaRuntime(int callThreads, int readySandboxes, @Nullable Clock guestClock, List<AutoCloseable> owned,
      GrantResolver grants) {
    this.grants = grants;
    this.owned = List.copyOf(owned);
    this.guestClock = guestClock;
    this.watchdog = new Watchdog("isola-watchdog");
    this.preparer = readySandboxes == 0 ? SandboxPreparer.NONE : new SandboxPreparer(readySandboxes, "isola-prepare");
    this.guestThreads = new GuestThreads(watchdog, callThreads, "isola-js");
    // Bounded threads and a bounded queue: past both, a call is refused at once (OverloadedException).
    // A queued call's deadline already runs, so waiting counts against its timeout.
    this.callThreads = new ThreadPoolExecutor(callThreads, callThreads, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(callThreads * QUEUED_PER_THREAD),
        Thread.ofPlatform().daemon().name("isola-call-", 1).factory());
    this.callThreads.allowCoreThreadTimeOut(true);
    // A hand-off queue: a task goes to an idle thread or a new one, never behind another.
    this.nestedThreads = new ThreadPoolExecutor(0, callThreads * NESTED_PER_THREAD, 30, TimeUnit.SECONDS,
        new java.util.concurrent.SynchronousQueue<>(), Thread.ofPlatform().daemon().name("isola-component-", 1).factory());
  }

  /**
   * Prepares route {@code spec}: resolves its grants, starts the engine its handler needs on first
   * use, reads its {@code code} and has the engine check and prepare it.
   *
   * @throws HandlerLoadException if a grant names what the Isola does not declare, or the code does
   *     not load
   */
  public Route prepare(String spec, Handler handler, Limits limits, List<Grant> granted, Supplier<byte[]> code) {
    RouteCapabilities capabilities = grants.resolve(spec, granted);
    this.capabilities.put(spec, capabilities);
    GuestEngine engine = engine(handler);
    return Route.of(spec, engine.prepare(spec, handler, code.get(), limits, capabilities), limits, capabilities);
  }

  /**
   * Runs {@code call}, a component call whose engine runs its guest on a thread of its own (see
   * {@link GuestThreads#nested}), here, with the caller waiting in place: no thread between them. If
   * the waiting caller is interrupted (its guard stopping it), {@code cancel} stops the callee.
   */
  public dev.isola.Response nestedInPlace(Supplier<dev.isola.Response> call, Runnable cancel) {
    if (closed.get()) {
      throw new IsolaException("this Isola is closed: build a new one with Isola.newBuilder()");
    }
    try {
      return GuestThreads.nested(call);
    } catch (RuntimeException e) {
      if (Thread.currentThread().isInterrupted()) {
        cancel.run(); // the wait was interrupted: the caller is gone
      }
      throw e;
    }
  }

  /**
   * Runs {@code call}, a component call of a call already running, on a platform thread of its own
   * and waits for it: the callee's memory and interrupts are its own, not its caller's, and neither
   * it nor its JavaScript guest ever waits behind calls queued for the pools (see {@link
   * GuestThreads#nested}), so a caller waiting for its callee never holds a thread the callee needs,
   * however busy the node. As many such threads run as callers wait, at most {@code max_call_depth}
   * per routed call and {@link #NESTED_PER_THREAD} per call thread in all (past that a component call
   * is refused, {@code OverloadedException}); idle ones are reused. The callee's deadline is never later than its caller's, so the wait is bounded;
   * an interrupt of the waiting caller (its guard stopping it) runs {@code cancel}, which stops the
   * callee.
   */
  public dev.isola.Response nested(Supplier<dev.isola.Response> call, Runnable cancel) {
    if (closed.get()) {
      throw new IsolaException("this Isola is closed: build a new one with Isola.newBuilder()");
    }
    java.util.concurrent.FutureTask<dev.isola.Response> future =
        new java.util.concurrent.FutureTask<>(dev.isola.internal.engine.CallerMdc.carried(() -> GuestThreads.nested(call))::get);
    try {
      nestedThreads.execute(future);
    } catch (RejectedExecutionException e) {
      throw new OverloadedException("this Isola already runs its limit of " + nestedThreads.getMaximumPoolSize()
          + " local component calls at once (" + NESTED_PER_THREAD + " per call thread, Isola.Builder.callThreads);"
          + " try again shortly", Duration.ofSeconds(1));
    }
    try {
      return future.get();
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      if (e.getCause() instanceof Error err) {
        throw err;
      }
      throw new IsolaException("a component call failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      cancel.run();
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new IsolaException("interrupted while waiting for a component call, which was stopped too", e);
    }
  }

  /** The code of a handler given as a file. */
  public static byte[] read(String spec, Handler handler) {
    Path file = handler.file().orElseThrow();
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new HandlerLoadException("handler file " + file.toAbsolutePath() + " of route \"" + spec
          + "\" does not exist: check the path (relative paths start at " + Path.of("").toAbsolutePath() + ")", e);
    } catch (IOException e) {
      throw new HandlerLoadException("handler file " + file.toAbsolutePath() + " of route \"" + spec
          + "\" cannot be read: " + e, e);
    }
  }

  /** The engine {@code handler}'s language needs, started on first use. */
  private GuestEngine engine(Handler handler) {
    if (handler.isWasm()) {
      if (wasm == null) {
        wasm = new WasmEngine(watchdog, guestClock == null ? Clock.systemUTC() : guestClock, preparer, grants.extensions());
      }
      return wasm;
    }
    if (js == null) {
      js = new JsEngine(guestThreads, guestClock, preparer, grants.extensions(), grants.components().known());
    }
    return js;
  }

  /** Each prepared route's count of capability denials, in declaration order (for metrics). */
  public Map<String, AtomicLong> denials() {
    Map<String, AtomicLong> denials = new LinkedHashMap<>();
    capabilities.forEach((spec, route) -> denials.put(spec, route.denials()));
    return denials;
  }

  /** The routes with capability denials and how many each had, in declaration order. */
  public Map<String, Long> capabilityDenials() {
    Map<String, Long> counts = new LinkedHashMap<>();
    capabilities.forEach((spec, route) -> {
      if (route.denials().get() > 0) {
        counts.put(spec, route.denials().get());
      }
    });
    return counts;
  }

  public GuestThreads guestThreads() {
    return guestThreads;
  }

  /** The platform threads for WebAssembly calls from virtual threads and for {@code handleAsync}. */
  public ExecutorService callThreads() {
    return callThreads;
  }

  public boolean isClosed() {
    return closed.get();
  }

  /** What a call the call threads refused ends with. */
  public IsolaException overloaded(RejectedExecutionException e) {
    if (closed.get()) {
      return new IsolaException("this Isola is closed: build a new one with Isola.newBuilder()", e);
    }
    int threads = callThreads.getMaximumPoolSize();
    return new OverloadedException("all " + threads + " call threads of this Isola are busy and "
        + threads * QUEUED_PER_THREAD + " calls wait for them (calls from virtual threads and handleAsync);"
        + " try again shortly, or raise Isola.Builder.callThreads", Duration.ofSeconds(1));
  }

  /** Releases everything after a failed build; what fails while doing so is added to {@code failure}. */
  public void abandon(RuntimeException failure) {
    closed.set(true);
    callThreads.shutdown();
    nestedThreads.shutdown();
    try {
      preparer.close();
    } catch (RuntimeException closing) {
      failure.addSuppressed(closing);
    }
    try {
      closeEngines();
    } catch (RuntimeException closing) {
      failure.addSuppressed(closing);
    } finally {
      releaseThreadsAndResources();
    }
  }

  /**
   * For a build that failed before its {@code IsolaRuntime} existed: closes what was already the
   * {@code Isola}'s, the outbound HTTP client (a replaced transport) and the owned stores.
   */
  public static void abandonUnstarted(GrantResolver grants, List<AutoCloseable> owned, Throwable failure) {
    try {
      if (grants.outboundHttp() != null) {
        grants.outboundHttp().close();
      }
    } catch (RuntimeException closing) {
      failure.addSuppressed(closing);
    }
    for (AutoCloseable resource : owned) {
      try {
        resource.close();
      } catch (Exception e) {
        failure.addSuppressed(e);
      }
    }
  }

  /** Closes the outbound HTTP client, the owned stores, the guest threads and the watchdog. */
  private void releaseThreadsAndResources() {
    if (grants.outboundHttp() != null) {
      grants.outboundHttp().close();
    }
    closeOwned();
    guestThreads.close();
    watchdog.close();
  }

  /**
   * Refuses new calls, stops the calls still running, waits up to 5 seconds for them to leave, and
   * releases the engines, threads and owned resources, {@code listener} last. Idempotent.
   */
  public void close(CallListener listener) {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    callThreads.shutdown();
    nestedThreads.shutdown();
    guestThreads.shutdown();
    watchdog.cancelAll();
    preparer.close(); // after cancelAll: it waits for a build in progress, which is stopped now
    try {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      if (!callThreads.awaitTermination(5, TimeUnit.SECONDS)
          || !guestThreads.awaitQuiet(Duration.ofNanos(Math.max(0, until - System.nanoTime())))) {
        log.warn("calls were still running 5 s after close(); releasing the engine anyway");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      closeEngines();
    } finally {
      releaseThreadsAndResources();
      listener.close();
    }
  }

  private void closeEngines() {
    RuntimeException failure = null;
    for (GuestEngine engine : new GuestEngine[] {js, wasm}) {
      if (engine == null) {
        continue;
      }
      try {
        engine.close();
      } catch (RuntimeException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void closeOwned() {
    for (AutoCloseable resource : owned) {
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("closing {} failed", resource, e);
      }
    }
  }
}
