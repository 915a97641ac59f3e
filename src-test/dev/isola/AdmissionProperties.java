package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.LimitExceededException.Limit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/**
 * Admission control: past a route's (or the Isola's) maxInFlight a call is refused at once with
 * OverloadedException, and the count is exact under concurrency. Calls are held inside the host by a
 * key-value store whose reads wait for the test, so "in flight" is deterministic, not timed.
 */
class AdmissionProperties {
  /** Held calls wait for the gate, never for their timeout. */
  private static final Limits HELD = Limits.newBuilder().timeout(Duration.ofSeconds(60)).build();
  /** How long the test waits for calls to arrive or end: only a broken test waits this long. */
  private static final long WAIT_SECONDS = 60;

  /** Runs {@code callers} calls at once; answers how many succeeded, after checking the rest were refused. */
  private static int admitted(Isola isola, GateStore gate, List<String> paths, int expectedInside) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(paths.size());
    try {
      List<Future<Object>> results = new ArrayList<>();
      for (String path : paths) {
        results.add(pool.submit(() -> {
          try {
            return isola.handle(Request.get(path));
          } catch (OverloadedException e) {
            return e;
          }
        }));
      }
      // Every refused call returns at once; every admitted one waits inside the store.
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
      while (results.stream().filter(Future::isDone).count() + gate.reads() < paths.size()
          && System.nanoTime() < until) {
        Thread.sleep(5);
      }
      assertEquals(expectedInside, gate.reads(), "calls inside the host at once");
      gate.open();
      int ok = 0;
      for (Future<Object> result : results) {
        Object value = result.get(WAIT_SECONDS, TimeUnit.SECONDS);
        if (value instanceof Response response) {
          assertEquals("v", response.bodyText());
          ok++;
        } else {
          OverloadedException e = (OverloadedException) value;
          assertEquals(503, e.httpStatus());
          assertEquals(Duration.ofSeconds(1), e.retryAfter());
        }
      }
      return ok;
    } finally {
      pool.shutdownNow();
    }
  }

  @Property(tries = 25)
  void routeLimit_admitsExactlyMaxInFlight(@ForAll @IntRange(min = 1, max = 4) int max,
      @ForAll @IntRange(min = 1, max = 8) int callers) throws Exception {
    GateStore gate = GateStore.closed();
    try (Isola isola = Isola.newBuilder().store("kv", gate).callThreads(16)
        .route("/hold", Handler.javascript("hold.js", GateStore.HOLDS).grants(Grants.keyValue("kv"))
            .limits(HELD.toBuilder().maxInFlight(max).build()))
        .build()) {
      List<String> paths = java.util.Collections.nCopies(callers, "/hold");
      assertEquals(Math.min(max, callers), admitted(isola, gate, paths, Math.min(max, callers)));
    }
  }

  @Property(tries = 15)
  void isolaLimit_spansRoutes(@ForAll @IntRange(min = 1, max = 3) int max,
      @ForAll @IntRange(min = 1, max = 6) int callers) throws Exception {
    GateStore gate = GateStore.closed();
    try (Isola isola = Isola.newBuilder().store("kv", gate).maxInFlight(max).defaultLimits(HELD)
        .route("/a", Handler.javascript("a.js", GateStore.HOLDS).grants(Grants.keyValue("kv")))
        .route("/b", Handler.javascript("b.js", GateStore.HOLDS).grants(Grants.keyValue("kv")))
        .build()) {
      List<String> paths = new ArrayList<>();
      for (int i = 0; i < callers; i++) {
        paths.add(i % 2 == 0 ? "/a" : "/b");
      }
      assertEquals(Math.min(max, callers), admitted(isola, gate, paths, Math.min(max, callers)));
    }
  }

  @Test
  void slots_areGivenBack() throws Exception {
    GateStore gate = GateStore.opened();
    try (Isola isola = Isola.newBuilder().store("kv", gate)
        .route("/hold", Handler.javascript("hold.js", GateStore.HOLDS).grants(Grants.keyValue("kv"))
            .limits(Limits.newBuilder().maxInFlight(1).build()))
        .build()) {
      for (int i = 0; i < 5; i++) {
        assertEquals("v", isola.handle(Request.get("/hold")).bodyText());
      }
    }
  }

  @Test
  void embeddersTimeout_winsWhenSooner() {
    // Only a timeout can stop the loop (it allocates nothing like 64 GiB), and the route's is far off.
    try (Isola isola = Isola.newBuilder()
        .route("/spin", Handler.javascript("spin.js", "export default { fetch() { while (true) {} } };")
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(60)).memory(DataSize.ofGiB(64)).build()))
        .build()) {
      long start = System.nanoTime();
      LimitExceededException e = assertThrows(LimitExceededException.class, () -> isola.handle(Request.get("/spin"),
          CallOptions.newBuilder().timeout(Duration.ofMillis(300)).build()));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(Limit.TIMEOUT, e.limit());
      assertTrue(millis < 300 + 5_000, "stopped after " + millis + " ms, the route's own timeout is 60 s");
    }
  }
}
