package dev.isola.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.DataSize;
import dev.isola.GuestException;
import dev.isola.IsolaException;
import dev.isola.LimitExceededException;
import dev.isola.LimitExceededException.Limit;
import dev.isola.Limits;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The runner's own contract, with a fake engine: which sandbox a call gets, that it is discarded,
 * and what every way of failing becomes, independently of GraalJS and Chicory.
 */
class SandboxRunnerTest {
  private static final String ROUTE = "/r";
  private static final Limits LIMITS = Limits.newBuilder().timeout(Duration.ofMillis(50)).memory(DataSize.ofMiB(8))
      .build();
  /** Far beyond any wait here; only a broken runner or watchdog gets near it. */
  private static final long PATIENCE_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final Watchdog watchdog = new Watchdog("test-watchdog");
  private final FakeEngine engine = new FakeEngine();
  private final SandboxRunner<String, Function<Watchdog.Guard, String>, String> runner =
      new SandboxRunner<>(ROUTE, "fake.x", engine, engine);

  @AfterEach
  void close() {
    watchdog.close();
  }

  /** An exception of the fake engine that says what kind of failure it is. */
  private static final class Kinded extends RuntimeException {
    final Failure failure;

    Kinded(Failure failure) {
      super("fake engine failure", null, false, false);
      this.failure = failure;
    }
  }

  /** Sandboxes are names; a call is what its run does; a {@link Kinded} says its kind. */
  private static final class FakeEngine implements SandboxFactory<String, Function<Watchdog.Guard, String>, String>,
      FailureClassifier<Function<Watchdog.Guard, String>> {
    final AtomicInteger built = new AtomicInteger();
    final List<String> ran = new CopyOnWriteArrayList<>();
    final List<String> discarded = new CopyOnWriteArrayList<>();
    final AtomicInteger classified = new AtomicInteger();
    volatile RuntimeException buildFails;

    @Override
    public String build(Function<Watchdog.Guard, String> call) {
      if (buildFails != null) {
        throw buildFails;
      }
      return "fresh-" + built.incrementAndGet();
    }

    @Override
    public String run(String sandbox, boolean fresh, Function<Watchdog.Guard, String> call, Watchdog.Guard guard) {
      ran.add(sandbox + (fresh ? " fresh" : " ready"));
      return call.apply(guard);
    }

    @Override
    public void discard(String sandbox) {
      discarded.add(sandbox);
    }

    @Override
    public Failure classify(Throwable failure, Function<Watchdog.Guard, String> call) {
      classified.incrementAndGet();
      if (failure instanceof Kinded k) {
        return k.failure;
      }
      if (failure instanceof StackOverflowError) {
        return Failure.stackOverflow();
      }
      if (failure instanceof OutOfMemoryError e) {
        return Failure.resourceExhausted(String.valueOf(e.getMessage()));
      }
      return Failure.internal(failure.toString(), failure);
    }
  }

  private String runHere(Function<Watchdog.Guard, String> call) {
    return runner.runHere(watchdog, call, System.nanoTime() + LIMITS.timeout().toNanos(), -1, LIMITS, () -> { });
  }

  private IsolaException failing(RuntimeException thrown) {
    return assertThrows(IsolaException.class, () -> runHere(guard -> {
      throw thrown;
    }));
  }

  @Test
  void answer_freshSandboxBuiltRunAndDiscarded() {
    assertEquals("hi", runner.runHere(watchdog, guard -> "hi", System.nanoTime() + PATIENCE_NANOS, -1, LIMITS,
        () -> { }));
    assertEquals(List.of("fresh-1 fresh"), engine.ran);
    assertEquals(List.of("fresh-1"), engine.discarded);
    assertEquals(0, engine.classified.get());
  }

  @Test
  void readySandbox_takenByOneCall_thenDiscarded() throws InterruptedException {
    try (SandboxPreparer preparer = new SandboxPreparer(1, "test-prepare")) {
      AtomicInteger ahead = new AtomicInteger();
      runner.prepareAhead(preparer, () -> "ready-" + ahead.incrementAndGet());
      long end = System.nanoTime() + PATIENCE_NANOS;
      while (runner.readyCount() == 0) {
        assertTrue(System.nanoTime() < end, "nothing was built ahead");
        Thread.sleep(2);
      }
      assertEquals("ok", runner.runHere(watchdog, guard -> "ok", System.nanoTime() + PATIENCE_NANOS, -1, LIMITS,
          () -> { }));
      assertEquals(List.of("ready-1 ready"), engine.ran);
      assertEquals(List.of("ready-1"), engine.discarded);
      assertEquals(1, runner.readyTaken().sum());
      runner.closePool();
      assertEquals(0, runner.readyCount());
      assertNull(runner.take(), "a closed pool gives nothing: the call builds its own");
    }
  }

  @Test
  void buildFails_mappedByTheClassifier_nothingToDiscard() {
    engine.buildFails = new IllegalStateException("no memory for the instance");
    IsolaException e = assertThrows(IsolaException.class, () -> runHere(guard -> "never"));
    assertEquals("route \"/r\": running handler fake.x failed inside Isola: java.lang.IllegalStateException:"
        + " no memory for the instance", e.getMessage());
    assertSame(engine.buildFails, e.getCause());
    assertTrue(engine.ran.isEmpty());
    assertTrue(engine.discarded.isEmpty());
  }

  @Test
  void guestError_guestExceptionWithItsMessageStackAndStatus() {
    GuestException e = assertInstanceOf(GuestException.class,
        failing(new Kinded(Failure.guestError("handler fake.x threw boom", "  at f (fake.x:1)\n", 502))));
    assertEquals("route \"/r\": handler fake.x threw boom", e.getMessage());
    assertEquals("  at f (fake.x:1)\n", e.guestStack().orElseThrow());
    assertEquals(502, e.httpStatus());
    assertEquals(List.of("fresh-1"), engine.discarded, "a failed call's sandbox is discarded too");
  }

  @Test
  void stackOverflow_oneMessageForEveryEngine() {
    IsolaException e = assertThrows(IsolaException.class, () -> runHere(guard -> {
      throw new StackOverflowError();
    }));
    assertInstanceOf(GuestException.class, e);
    assertEquals("route \"/r\": handler fake.x overflowed the call stack (its recursion is too deep): a stack"
        + " overflow ends the call, it cannot be caught; recurse less deeply", e.getMessage());
    assertEquals(500, e.httpStatus());
  }

  @Test
  void outOfMemory_memoryLimitNamingTheJvmHeap() {
    IsolaException e = assertThrows(IsolaException.class, () -> runHere(guard -> {
      throw new OutOfMemoryError("Java heap space");
    }));
    LimitExceededException limit = assertInstanceOf(LimitExceededException.class, e);
    assertEquals(Limit.MEMORY, limit.limit());
    assertEquals("route \"/r\": the JVM ran out of memory during the call (Java heap space), whose memory limit is"
        + " 8MiB; give the JVM more heap (-Xmx), or lower memory for the calls that run at once so that they are"
        + " stopped before the JVM runs out", e.getMessage());
  }

  @Test
  void interrupted_interruptKeptForTheCaller() {
    try {
      IsolaException e = failing(new Kinded(Failure.interrupted(new InterruptedException())));
      assertEquals("route \"/r\": the calling thread was interrupted during the call, which was stopped",
          e.getMessage());
      assertInstanceOf(InterruptedException.class, e.getCause());
      assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is the caller's to see");
    } finally {
      Thread.interrupted();
    }
  }

  @Test
  void cancelledByTheEngine_orStoppedWithoutATrip_isCancelled() {
    assertEquals("route \"/r\": the call was cancelled", failing(new Kinded(Failure.cancelled())).getMessage());
    assertEquals("route \"/r\": the call was cancelled", failing(new Kinded(Failure.stoppedByGuard())).getMessage());
  }

  @Test
  void internal_isolaExceptionWithCause() {
    RuntimeException bug = new Kinded(Failure.internal("the engine broke", new IllegalArgumentException("x")));
    IsolaException e = failing(bug);
    assertFalse(e instanceof GuestException || e instanceof LimitExceededException);
    assertEquals("route \"/r\": running handler fake.x failed inside Isola: the engine broke", e.getMessage());
    assertInstanceOf(IllegalArgumentException.class, e.getCause());
  }

  @Test
  void decided_exceptionAsItIs() {
    LimitExceededException decided = new LimitExceededException(ROUTE, Limit.RESPONSE_BODY, "too much");
    assertSame(decided, failing(new Kinded(Failure.decided(decided))));
  }

  @Test
  void timeout_guardTrips_timeoutLimitWhateverTheEngineThrew() {
    Thread caller = Thread.currentThread();
    IsolaException e = assertThrows(IsolaException.class, () -> runner.runHere(watchdog, guard -> {
      long end = System.nanoTime() + PATIENCE_NANOS;
      while (!Thread.currentThread().isInterrupted() && System.nanoTime() < end) {
        Thread.onSpinWait();
      }
      // What an engine makes of being stopped is not its answer: the tripped guard is.
      throw new Kinded(Failure.guestError("handler fake.x threw InterruptedError", "", 500));
    }, System.nanoTime() + LIMITS.timeout().toNanos(), -1, LIMITS, caller::interrupt));
    Thread.interrupted();
    LimitExceededException limit = assertInstanceOf(LimitExceededException.class, e);
    assertEquals(Limit.TIMEOUT, limit.limit());
    assertEquals("route \"/r\": the call ran past its timeout of 50 ms and was stopped; raise timeout or make the"
        + " handler finish sooner", e.getMessage());
    assertEquals(0, engine.classified.get(), "a tripped guard is not the engine's to classify");
    assertEquals(List.of("fresh-1"), engine.discarded);
  }

  @Test
  void memory_guardTrips_messageSaysWhatWasMeasured() {
    // A limit no heap round can reach in this test, so the stop below is the only one.
    Limits limits = LIMITS.toBuilder().timeout(Duration.ofSeconds(30)).memory(DataSize.ofGiB(1)).build();
    MemoryStop held = new MemoryStop(MemoryStop.Cause.HELD, 97L << 20, 200L << 20, 1L << 30, 4L << 30);
    try (Watchdog.Guard guard = watchdog.watch(System.nanoTime() + PATIENCE_NANOS, limits.memory().bytes(), (Runnable) () -> { })) {
      IsolaException e = assertThrows(IsolaException.class, () -> runner.runGuarded("fresh-0", true, g -> {
        assertTrue(g.stopForMemory(held));
        throw new IllegalStateException("context closed");
      }, limits, guard));
      LimitExceededException limit = assertInstanceOf(LimitExceededException.class, e);
      assertEquals(Limit.MEMORY, limit.limit());
      assertEquals("route \"/r\": " + SandboxRunner.memoryMessage(held, limits.memory()), e.getMessage());
      assertTrue(e.getMessage().contains("held about 97MiB of heap, more than its memory limit of 1GiB"),
          e.getMessage());
    }
  }

  @Test
  void memory_everyCauseNamesTheLimitAndTheFix() {
    DataSize limit = DataSize.ofMiB(8);
    for (MemoryStop.Cause cause : MemoryStop.Cause.values()) {
      MemoryStop stop = new MemoryStop(cause, 9L << 20, 3L << 30, 3L << 30, 4L << 30);
      String message = runner.stopped(Optional.of(Limit.MEMORY), Optional.of(stop), LIMITS).getMessage();
      assertTrue(message.startsWith("route \"/r\": the "), message);
      assertTrue(message.contains("memory limit of 8MiB"), message);
      assertTrue(message.contains("raise memory") || message.contains("-Xmx"), message);
      assertEquals("route \"/r\": " + SandboxRunner.memoryMessage(stop, limit), message);
    }
    assertEquals("route \"/r\": the call allocated 3072MiB, more than 384 times its memory limit of 8MiB (the"
        + " allocation cap behind that limit), and was stopped; raise memory or allocate less per call",
        runner.stopped(Optional.of(Limit.MEMORY), Optional.of(
            new MemoryStop(MemoryStop.Cause.ALLOCATION_BACKSTOP, -1, 3L << 30, -1, 4L << 30)), LIMITS).getMessage());
    assertEquals("route \"/r\": the call crossed its memory limit of 8MiB and was stopped; raise memory or keep"
        + " less in memory per call", runner.stopped(Optional.of(Limit.MEMORY), Optional.empty(), LIMITS).getMessage());
  }

  @Test
  void closing_isolaExceptionNotALimit() {
    watchdog.cancelAll();
    IsolaException e = assertThrows(IsolaException.class, () -> runHere(guard -> {
      throw new Kinded(Failure.guestError("handler fake.x threw stopped", "", 500));
    }));
    assertFalse(e instanceof LimitExceededException || e instanceof GuestException, e.toString());
    assertEquals("route \"/r\": the call was stopped: its Isola is closing", e.getMessage());
    assertEquals(e.getMessage(), runner.stopped(Optional.empty(), Optional.empty(), LIMITS).getMessage(),
        "a guest written off or never started while closing is told the same");
    assertEquals(0, engine.classified.get());
  }

  @Test
  void runGuarded_isolaExceptionPasses_otherRuntimeMapped_errorsPass() {
    try (Watchdog.Guard guard = watchdog.watch(System.nanoTime() + PATIENCE_NANOS, -1, (Runnable) () -> { })) {
      IsolaException own = new IsolaException("the engine's own answer");
      assertSame(own, assertThrows(IsolaException.class, () -> runner.runGuarded("s", false, g -> {
        throw own;
      }, LIMITS, guard)));
      IsolaException mapped = assertThrows(IsolaException.class, () -> runner.runGuarded("s", false, g -> {
        throw new Kinded(Failure.cancelled());
      }, LIMITS, guard));
      assertEquals("route \"/r\": the call was cancelled", mapped.getMessage());
      assertThrows(StackOverflowError.class, () -> runner.runGuarded("s", false, g -> {
        throw new StackOverflowError();
      }, LIMITS, guard), "an error is the guest thread's to handle");
      assertEquals("ok", runner.runGuarded("s", false, g -> "ok", LIMITS, guard));
      assertEquals(List.of("s ready", "s ready", "s ready", "s ready"), engine.ran);
      assertTrue(engine.discarded.isEmpty(), "on a guest thread the sandbox is released once the guest left");
      runner.release("s");
      assertEquals(List.of("s"), engine.discarded, "without a preparer thread, released in place");
    }
  }
}
