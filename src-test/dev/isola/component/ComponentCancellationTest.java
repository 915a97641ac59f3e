package dev.isola.component;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.IsolaException;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.capability.HostInterface;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A caller that stops waiting stops its local callee: the callee never runs on alone. */
class ComponentCancellationTest {
  /** What the spinning callee reports on every round. */
  public interface Ticks {
    void tick();
  }

  @Test
  void interruptingAWasmCaller_stopsItsCallee_longBeforeAnyTimeout() throws Exception {
    CountDownLatch started = new CountDownLatch(1);
    AtomicLong ticks = new AtomicLong();
    Duration sixtySeconds = Duration.ofSeconds(60);
    try (Isola isola = Isola.newBuilder()
        .capability(HostInterface.of("probe", Ticks.class, () -> {
          ticks.incrementAndGet();
          started.countDown();
        }))
        .route("POST /wagi", Handler.wasm(Path.of("src-test/wasm/wagi-proxy.wasm")).grants(Grants.calls("spin"))
            .limits(Limits.newBuilder().timeout(sixtySeconds).build()))
        .component("spin", Handler.javascript("spin.js",
            "export default { async fetch(r, env) { for (;;) { await env.probe.tick(); } } };")
            .grants(Grants.hostInterface("probe"))
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(120)).build()))
        .build()) {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread caller = Thread.ofPlatform().start(() -> {
        try {
          isola.handle(Request.post("/wagi", "{\"url\":\"http://spin.internal/\",\"method\":\"GET\"}"));
        } catch (Throwable t) {
          failure.set(t);
        }
      });
      assertTrue(started.await(60, TimeUnit.SECONDS), "the callee started");
      long interrupted = System.nanoTime();
      caller.interrupt();
      caller.join(TimeUnit.SECONDS.toMillis(60));
      assertInstanceOf(IsolaException.class, failure.get());
      // The callee stops ticking once stopped; its caller's 60 s and its own 120 s are far off.
      long seen = -1;
      while (ticks.get() != seen) {
        assertTrue(System.nanoTime() - interrupted < TimeUnit.SECONDS.toNanos(30), "the callee still runs");
        seen = ticks.get();
        Thread.sleep(1000);
      }
    }
  }
}
