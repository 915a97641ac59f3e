package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.LimitExceededException.Limit;
import dev.isola.kv.KeyValueStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
  private static final String HOLDS = """
      export default { async fetch(request, env) { return new Response(String(await env.KV.get("k"))); } };
      """;

  /** A store whose reads wait until the test opens the gate, counting the reads inside. */
  static final class Gate implements KeyValueStore {
    final CountDownLatch open = new CountDownLatch(1);
    final AtomicInteger inside = new AtomicInteger();

    @Override
    public Optional<byte[]> get(String key) {
      inside.incrementAndGet();
      try {
        open.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return Optional.of("v".getBytes());
    }

    @Override
    public void put(String key, byte[] value) {}

    @Override
    public boolean delete(String key) {
      return false;
    }

    @Override
    public boolean exists(String key) {
      return false;
    }

    @Override
    public List<String> list(String prefix, int limit) {
      return List.of();
    }

    @Override
    public void close() {}
  }

  /** Runs {@code callers} calls at once; answers how many succeeded, after checking the rest were refused. */
  private static int admitted(Isola isola, Gate gate, List<String> paths, int expectedInside) throws Exception {
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
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (results.stream().filter(Future::isDone).count() + gate.inside.get() < paths.size()
          && System.nanoTime() < until) {
        Thread.sleep(5);
      }
      assertEquals(expectedInside, gate.inside.get(), "calls inside the host at once");
      gate.open.countDown();
      int ok = 0;
      for (Future<Object> result : results) {
        Object value = result.get(10, TimeUnit.SECONDS);
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
    Gate gate = new Gate();
    try (Isola isola = Isola.newBuilder().store("kv", gate).callThreads(16)
        .route("/hold", Handler.javascript("hold.js", HOLDS).grants(Grants.keyValue("kv"))
            .limits(Limits.newBuilder().maxInFlight(max).build()))
        .build()) {
      List<String> paths = java.util.Collections.nCopies(callers, "/hold");
      assertEquals(Math.min(max, callers), admitted(isola, gate, paths, Math.min(max, callers)));
    }
  }

  @Property(tries = 15)
  void isolaLimit_spansRoutes(@ForAll @IntRange(min = 1, max = 3) int max,
      @ForAll @IntRange(min = 1, max = 6) int callers) throws Exception {
    Gate gate = new Gate();
    try (Isola isola = Isola.newBuilder().store("kv", gate).maxInFlight(max)
        .route("/a", Handler.javascript("a.js", HOLDS).grants(Grants.keyValue("kv")))
        .route("/b", Handler.javascript("b.js", HOLDS).grants(Grants.keyValue("kv")))
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
    Gate gate = new Gate();
    gate.open.countDown();
    try (Isola isola = Isola.newBuilder().store("kv", gate)
        .route("/hold", Handler.javascript("hold.js", HOLDS).grants(Grants.keyValue("kv"))
            .limits(Limits.newBuilder().maxInFlight(1).build()))
        .build()) {
      for (int i = 0; i < 5; i++) {
        assertEquals("v", isola.handle(Request.get("/hold")).bodyText());
      }
    }
  }

  @Test
  void embeddersTimeout_winsWhenSooner() {
    try (Isola isola = Isola.newBuilder()
        .route("/spin", Handler.javascript("spin.js", "export default { fetch() { while (true) {} } };"))
        .build()) {
      long start = System.nanoTime();
      LimitExceededException e = assertThrows(LimitExceededException.class, () -> isola.handle(Request.get("/spin"),
          CallOptions.newBuilder().timeout(Duration.ofMillis(300)).build()));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(Limit.TIMEOUT, e.limit());
      assertTrue(millis < 3_000, "stopped after " + millis + " ms, the route's own timeout is 10 s");
    }
  }
}
