package dev.isola.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.LimitExceededException;
import dev.isola.LimitExceededException.Limit;
import dev.isola.OverloadedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Guests that do not stop when cancelled are written off: their callers are answered with the
 * limit's exception, their threads replaced, and a route with too many of them is suspended until
 * they end. The stubborn guest here is plain Java that ignores its cancel, so the write-off path is
 * exercised whatever the engines can stop.
 */
class GuestThreadsTest {
  private final Watchdog watchdog = new Watchdog("test-watchdog");
  /** One thread: a second call can only run if the stuck thread was replaced. */
  private final GuestThreads threads = new GuestThreads(watchdog, 1, "test-guest");
  private final List<CountDownLatch> stuck = new ArrayList<>();

  @AfterEach
  void release() {
    stuck.forEach(CountDownLatch::countDown);
    threads.close();
    watchdog.close();
  }

  /** A guest that ignores its cancel and runs until {@code latch} opens. */
  private static GuestThreads.Guest<String> stubborn(CountDownLatch latch) {
    return new GuestThreads.Guest<>() {
      @Override
      public String run(Watchdog.Guard guard) {
        while (true) {
          try {
            latch.await();
            return "late";
          } catch (InterruptedException ignored) {
            // ignores every attempt to stop it
          }
        }
      }

      @Override
      public void cancel() {
        // does nothing: this guest cannot be stopped
      }

      @Override
      public RuntimeException stopped(Optional<Limit> limit) {
        return new LimitExceededException("r", limit.orElseThrow(), "stopped");
      }
    };
  }

  private static GuestThreads.Guest<String> answering(String answer) {
    return new GuestThreads.Guest<>() {
      @Override
      public String run(Watchdog.Guard guard) {
        return answer;
      }

      @Override
      public void cancel() {
      }

      @Override
      public RuntimeException stopped(Optional<Limit> limit) {
        return new IllegalStateException("stopped");
      }
    };
  }

  private LimitExceededException callStubborn(String route) {
    CountDownLatch latch = new CountDownLatch(1);
    stuck.add(latch);
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    return assertThrows(LimitExceededException.class, () -> threads.call(route, "id", deadline, -1, stubborn(latch)));
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < until, what);
      Thread.sleep(10);
    }
  }

  @Test
  void call_guestIgnoresCancel_callerAnsweredAndThreadReplaced() throws InterruptedException {
    LimitExceededException e = callStubborn("r");

    assertEquals(Limit.TIMEOUT, e.limit());
    assertEquals(1, threads.writtenOff());
    assertEquals(1, threads.stuck());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    assertEquals("ok", threads.call("r", "id2", deadline, -1, answering("ok")), "the replacement thread serves");

    stuck.get(0).countDown();
    await(() -> threads.stuck() == 0, "the written-off guest ended, but its thread was not taken back");
    assertEquals(1, threads.writtenOff());
    assertEquals("ok", threads.call("r", "id3", deadline, -1, answering("ok")));
  }

  @Test
  void call_routeWithTooManyStuckCalls_suspendedUntilOneEnds() throws InterruptedException {
    for (int i = 0; i < GuestThreads.MAX_STUCK_PER_ROUTE; i++) {
      callStubborn("r");
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);

    OverloadedException refused = assertThrows(OverloadedException.class,
        () -> threads.call("r", "id", deadline, -1, answering("ok")));
    assertTrue(refused.getMessage().contains("suspended"), refused.getMessage());
    assertEquals("other", threads.call("s", "id", deadline, -1, answering("other")), "other routes still run");

    stuck.get(0).countDown();
    await(() -> threads.stuck() < GuestThreads.MAX_STUCK_PER_ROUTE, "a stuck guest ended, but was not counted");
    assertEquals("ok", threads.call("r", "id", deadline, -1, answering("ok")), "the route takes calls again");
  }

  @Test
  void call_queuedWhileRouteIsSuspended_refusedWhenItsTurnComes() throws Exception {
    for (int i = 0; i < GuestThreads.MAX_STUCK_PER_ROUTE - 1; i++) {
      callStubborn("r");
    }
    // The last free thread runs a stubborn call; two more wait behind it, and when it is written off
    // the route is suspended: they must not start on the thread that replaces it.
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch last = new CountDownLatch(1);
    stuck.add(last);
    GuestThreads.Guest<String> stubborn = stubborn(last);
    GuestThreads.Guest<String> signalling = new GuestThreads.Guest<>() {
      @Override
      public String run(Watchdog.Guard guard) {
        started.countDown();
        return stubborn.run(guard);
      }

      @Override
      public void cancel() {
      }

      @Override
      public RuntimeException stopped(Optional<Limit> limit) {
        return stubborn.stopped(limit);
      }
    };
    List<Throwable> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> callers = new ArrayList<>();
    callers.add(Thread.ofVirtual().start(() -> outcomes.add(assertThrows(LimitExceededException.class, () ->
        threads.call("r", "running", System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(300), -1, signalling)))));
    assertTrue(started.await(10, TimeUnit.SECONDS));
    for (int i = 0; i < 2; i++) {
      CountDownLatch latch = new CountDownLatch(1);
      stuck.add(latch);
      callers.add(Thread.ofVirtual().start(() -> {
        try {
          threads.call("r", "queued", System.nanoTime() + TimeUnit.SECONDS.toNanos(2), -1, stubborn(latch));
        } catch (RuntimeException e) {
          outcomes.add(e);
        }
      }));
    }
    for (Thread caller : callers) {
      caller.join(Duration.ofSeconds(10));
    }

    assertEquals(3, outcomes.size(), outcomes.toString());
    assertEquals(2, outcomes.stream().filter(OverloadedException.class::isInstance).count(), outcomes.toString());
    assertEquals(GuestThreads.MAX_STUCK_PER_ROUTE, threads.stuck(), "queued calls of a suspended route started");
  }

  @Test
  void call_guestThrows_callerGetsItsException() {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    GuestThreads.Guest<String> failing = new GuestThreads.Guest<>() {
      @Override
      public String run(Watchdog.Guard guard) {
        throw new IllegalArgumentException("guest failed");
      }

      @Override
      public void cancel() {
      }

      @Override
      public RuntimeException stopped(Optional<Limit> limit) {
        return new IllegalStateException("stopped");
      }
    };

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> threads.call("r", "id", deadline, -1, failing));
    assertEquals("guest failed", e.getMessage());
    assertEquals(0, threads.writtenOff());
  }
}
