package dev.isola.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.capability.HostInterface;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A local component call never waits behind calls queued for a thread: the thread added for the
 * callee is the callee's, not the next queued call's, so a busy node still answers its nested calls.
 */
class ComponentQueueTest {
  /** Holds the caller until the test has queued another call behind it. */
  public interface Gate {
    void hold();
  }

  @Test
  void aCalleeRunsAtOnce_evenWhenAnotherCallWaitsForAThread() throws Exception {
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    try (Isola isola = Isola.newBuilder()
        .callThreads(1)
        .readySandboxes(0)
        .capability(HostInterface.of("gate", Gate.class, () -> {
          holding.countDown();
          try {
            release.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }))
        .route("GET /front", Handler.javascript("front.js", """
            export default { async fetch(r, env) {
              await env.gate.hold();
              const answer = await env.quick.fetch("/");
              return new Response(await answer.text());
            } };
            """).grants(Grants.calls("quick"), Grants.hostInterface("gate"))
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(20)).build()))
        .route("GET /spin", Handler.javascript("spin.js",
            "export default { async fetch() { for (;;) {} } };")
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(120)).build()))
        .component("quick", Handler.javascript("quick.js",
            "export default { async fetch() { return new Response(\"quick\"); } };"))
        .build()) {
      CompletableFuture<Response> front = new CompletableFuture<>();
      Thread.ofPlatform().daemon().start(() -> {
        try {
          front.complete(isola.handle(Request.get("/front")));
        } catch (Throwable t) {
          front.completeExceptionally(t);
        }
      });
      assertTrue(holding.await(60, TimeUnit.SECONDS), "the front call runs");
      // The only guest thread is the front call's: the spinning call waits in the queue.
      Thread spinner = Thread.ofPlatform().daemon().start(() -> {
        try {
          isola.handle(Request.get("/spin"));
        } catch (RuntimeException expected) {
          // stopped by its timeout or the close
        }
      });
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (!waitsForAGuestThread(spinner)) {
        assertTrue(System.nanoTime() < until, "the spinning call never queued");
        Thread.sleep(10);
      }
      release.countDown();
      Response answer = front.get(60, TimeUnit.SECONDS);
      assertEquals(200, answer.status(), answer.bodyText());
      assertEquals("quick", answer.bodyText());
    }
  }

  @Test
  void aCallerCallingInATightLoop_reusesAFewThreads_andCloseEndsThem() throws Exception {
    try (Isola isola = Isola.newBuilder()
        .callThreads(2)
        .route("GET /loop", Handler.javascript("loop.js", """
            export default { async fetch(r, env) {
              let n = 0;
              for (let i = 0; i < 200; i++) {
                const answer = await env.quick.fetch("/");
                if (await answer.text() === "quick") n++;
              }
              return new Response(String(n));
            } };
            """).grants(Grants.calls("quick"))
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(120)).build()))
        .component("quick", Handler.javascript("quick.js",
            "export default { async fetch() { return new Response(\"quick\"); } };"))
        .build()) {
      assertEquals("200", isola.handle(Request.get("/loop")).bodyText());
      // One call at a time: idle threads are reused, so a few serve all 200 calls, which would take 200
      // threads otherwise. A spare is made only when a thread had not yet
      // gone back to waiting as the next call came, which load makes likelier: a loose bound.
      String prefix = "isola-js-nested-"; // a JavaScript callee's guest threads
      List<String> idle = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
          .filter(n -> n.startsWith(prefix)).toList();
      assertFalse(idle.isEmpty(), "idle guest threads wait for the next component call");
      assertTrue(idle.stream().allMatch(n -> Integer.parseInt(n.substring(prefix.length())) <= 40),
          "threads made for 200 calls, one at a time: " + idle);
    }
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (componentThreads() > 0) { // and closing the Isola ends them
      assertTrue(System.nanoTime() < until, componentThreads() + " component threads still live after close()");
      Thread.sleep(20);
    }
  }

  private static long componentThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("isola-component-") || t.getName().startsWith("isola-js-nested-"))
        .count();
  }

  private static boolean waitsForAGuestThread(Thread t) {
    return t.getState() != Thread.State.RUNNABLE && Arrays.stream(t.getStackTrace())
        .anyMatch(f -> f.getClassName().startsWith("dev.isola.internal.engine.GuestThreads"));
  }
}
