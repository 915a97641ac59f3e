package dev.isola;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A caller on a virtual thread that is interrupted while its Wasm call runs on a call thread stops
 * waiting, but the call still runs to its own limit, so it keeps its admission permit until then:
 * {@code maxInFlight} counts calls running, not callers waiting.
 */
class InterruptedCallerAdmissionTest {
  @Test
  void anInterruptedCallerLeavesItsPermitToTheCallStillRunning() throws Exception {
    Limits loopLimits = Limits.newBuilder().timeout(Duration.ofSeconds(15)).build();
    try (Isola isola = Isola.newBuilder()
        .maxInFlight(1)
        .route("/loop", Handler.wasm(Path.of("src-test/wasm/wagi-loop.wasm")).limits(loopLimits))
        .route("/hello", Handler.wasm(Path.of("src-test/wasm/wagi-hello.wasm")))
        .build()) {
      AtomicReference<Throwable> loopEnded = new AtomicReference<>();
      Thread caller = Thread.ofVirtual().start(() -> {
        while (true) {
          try {
            isola.handle(Request.get("/loop"));
            return;
          } catch (OverloadedException probeHeldThePermit) {
            Thread.onSpinWait(); // the test's probe had the one permit: try again
          } catch (Throwable t) {
            loopEnded.set(t);
            return;
          }
        }
      });
      // The loop holds the one permit once it is admitted: other calls are refused.
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (!refused(isola)) {
        assertTrue(System.nanoTime() < until, "the loop's call was never admitted: " + loopEnded.get());
        Thread.sleep(5);
      }
      caller.interrupt();
      caller.join(Duration.ofSeconds(30).toMillis());
      assertInstanceOf(IsolaException.class, loopEnded.get());
      assertTrue(loopEnded.get().getMessage().contains("interrupted while waiting"), loopEnded.get().getMessage());
      // Its caller is gone, but the loop still runs (until its 15 s timeout): still refused.
      assertTrue(refused(isola), "an interrupted caller released the permit of a call still running");
      // Once the loop is stopped at its timeout, the permit is free again.
      until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (refused(isola)) {
        assertTrue(System.nanoTime() < until, "the permit was never released after the loop ended");
        Thread.sleep(20);
      }
    }
  }

  private static boolean refused(Isola isola) {
    try {
      isola.handle(Request.get("/hello"));
      return false;
    } catch (OverloadedException e) {
      return true;
    }
  }

  @Test
  void callersThatWaitReleaseTheirPermits() throws Exception {
    try (Isola isola = Isola.newBuilder()
        .maxInFlight(1)
        .route("/hello", Handler.wasm(Path.of("src-test/wasm/wagi-hello.wasm")))
        .build()) {
      for (int i = 0; i < 20; i++) {
        Thread caller = Thread.ofVirtual().start(() -> isola.handle(Request.get("/hello")));
        caller.join(Duration.ofSeconds(30).toMillis());
      }
      assertTrue(!refused(isola), "a permit of a finished call was kept");
    }
  }
}
