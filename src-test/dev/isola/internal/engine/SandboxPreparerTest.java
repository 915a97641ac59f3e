package dev.isola.internal.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

class SandboxPreparerTest {
  private static void await(BooleanSupplier condition) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30); // only a broken preparer waits this long
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < end, "timed out");
      Thread.sleep(2);
    }
  }

  @Test
  void poolsFillAhead_eachSandboxIsTakenOnce_andTakingRefills() throws InterruptedException {
    AtomicInteger built = new AtomicInteger();
    try (SandboxPreparer preparer = new SandboxPreparer(2, "test-prepare")) {
      SandboxPreparer.Pool<Integer> pool = preparer.pool("/r", built::incrementAndGet, s -> { });
      await(() -> pool.readyCount() == 2);
      Integer first = pool.take();
      Integer second = pool.take();
      assertNotEquals(first, second);
      await(() -> pool.readyCount() == 2);
      assertEquals(4, built.get(), "two taken, two built again, no more");
    }
  }

  @Test
  void aFailingBuildStopsRefillingUntilTheNextTake() throws InterruptedException {
    AtomicInteger attempts = new AtomicInteger();
    AtomicBoolean fail = new AtomicBoolean(true);
    try (SandboxPreparer preparer = new SandboxPreparer(1, "test-prepare")) {
      SandboxPreparer.Pool<String> pool = preparer.pool("/r", () -> {
        attempts.incrementAndGet();
        if (fail.get()) {
          throw new IllegalStateException("broken");
        }
        return "ok";
      }, s -> { });
      await(() -> attempts.get() == 1);
      Thread.sleep(50);
      assertEquals(1, attempts.get(), "no retry loop after a failure");
      fail.set(false);
      assertNull(pool.take(), "nothing ready: the caller builds its own");
      await(() -> pool.readyCount() == 1);
      assertEquals("ok", pool.take());
    }
  }

  @Test
  void closeDiscardsReadySandboxes_andRunsWaitingReleases() throws InterruptedException {
    List<String> discarded = new CopyOnWriteArrayList<>();
    SandboxPreparer preparer = new SandboxPreparer(1, "test-prepare");
    SandboxPreparer.Pool<String> pool = preparer.pool("/r", () -> "sandbox", discarded::add);
    await(() -> pool.readyCount() == 1);
    CountDownLatch released = new CountDownLatch(1);
    preparer.release(released::countDown);
    assertTrue(released.await(30, TimeUnit.SECONDS), "released on the preparer's thread");
    preparer.close();
    assertEquals(List.of("sandbox"), discarded);
    assertEquals(0, pool.readyCount());
    assertNull(pool.take(), "a closed pool hands out nothing");
    AtomicBoolean ran = new AtomicBoolean();
    preparer.release(() -> ran.set(true));
    assertTrue(ran.get(), "after close, releases run in the caller");
  }

  @Test
  void noneBuildsNothing_andReleasesInTheCaller() {
    SandboxPreparer.Pool<String> pool = SandboxPreparer.NONE.pool("/r", () -> {
      throw new AssertionError("never built");
    }, s -> { });
    assertNull(pool.take());
    Thread caller = Thread.currentThread();
    AtomicBoolean here = new AtomicBoolean();
    SandboxPreparer.NONE.release(() -> here.set(Thread.currentThread() == caller));
    assertTrue(here.get());
    assertThrows(IllegalArgumentException.class, () -> new SandboxPreparer(-1, "bad"));
  }
}
