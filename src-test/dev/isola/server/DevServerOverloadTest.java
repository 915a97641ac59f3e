package dev.isola.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.internal.pipeline.Access;
import dev.isola.Limits;
import dev.isola.internal.capability.http.HttpTransport;
import dev.isola.server.RawHttp.Reply;
import java.net.InetSocketAddress;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Past its threads and queue the dev server answers 503 with {@code Retry-After} at once: no
 * connection is reset, and a request that arrives meanwhile is answered without waiting for the
 * slow ones. The slow calls are held in the host (their outbound fetch waits on a latch), not
 * timed, so the counts are exact on any machine.
 */
class DevServerOverloadTest {
  private static final int CLIENTS = 50;
  private static final int THREADS = 2;
  private static final String SLOW = """
      export default {
        async fetch(request) {
          const answer = await fetch("https://slow.test/");
          return new Response(await answer.text());
        }
      };
      """;
  private static final String FAST = "export default { fetch() { return new Response('fast'); } };";

  /** Holds every outbound exchange until released. */
  private static final class HeldTransport implements HttpTransport {
    final CountDownLatch release = new CountDownLatch(1);
    final AtomicInteger held = new AtomicInteger();

    @Override
    public Exchange exchange(Hop hop) {
      held.incrementAndGet();
      try {
        release.await(120, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new Exchange(200, HttpHeaders.of(Map.of(), (name, value) -> true), "slow".getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {}
  }

  @Test
  void pastThreadsAndQueue_everyClientIsAnswered200Or503_andAProbeDoesNotWait() throws Exception {
    HeldTransport transport = new HeldTransport();
    // The calls are held far shorter than their timeout: only the latch ends them.
    Limits patient = Limits.newBuilder().timeout(Duration.ofSeconds(300)).build();
    Isola.Builder builder = Isola.newBuilder();
    Access.hooks(builder).outboundTransport(transport);
    try (Isola isola = builder
            .route("GET /slow", Handler.javascript("slow.js", SLOW).limits(patient)
                .grants(Grants.outboundHttp("https://slow.test")))
            .route("GET /fast", Handler.javascript("fast.js", FAST))
            .build();
        DevServer server = DevServer.start(isola, new InetSocketAddress("127.0.0.1", 0), THREADS);
        ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
      int accepted = THREADS + DevServer.DEFAULT_QUEUE_PER_THREAD * THREADS;
      List<Future<Reply>> replies = new ArrayList<>();
      try {
        AtomicInteger refused = new AtomicInteger();
        for (int i = 0; i < CLIENTS; i++) {
          replies.add(clients.submit(() -> {
            try (RawHttp raw = new RawHttp(server.port(), 120_000)) {
              raw.send("GET /slow HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
              Reply reply = raw.read();
              if (reply.status() == 503) {
                refused.incrementAndGet();
              }
              return reply;
            }
          }));
        }
        // Every request past the threads and the queue is answered while the slow ones still wait;
        // the slow calls reach the host once their handlers have started.
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while ((refused.get() < CLIENTS - accepted || transport.held.get() < THREADS) && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertEquals(CLIENTS - accepted, refused.get(), "requests answered 503 while the slow calls were held");
        assertEquals(THREADS, transport.held.get(), "slow calls running");

        Reply probe = RawHttp.exchange(server.port(), "GET /fast HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertEquals(503, probe.status(), probe.toString());
        assertEquals("1", probe.header("Retry-After").orElseThrow());
        assertTrue(probe.body().contains("the server is busy"), probe.body());
        Reply unrouted = RawHttp.exchange(server.port(), "GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n");
        assertEquals(404, unrouted.status(), "a request no route matches runs no handler and waits for no thread");
        assertEquals(1, transport.release.getCount(), "the probes were answered before the slow calls ended");
      } finally {
        transport.release.countDown();
      }
      int ok = 0;
      int busy = 0;
      for (Future<Reply> future : replies) {
        Reply reply = future.get(120, TimeUnit.SECONDS); // an exception here would be a reset or no answer
        if (reply.status() == 200) {
          assertEquals("slow", reply.body());
          ok++;
        } else {
          assertEquals(503, reply.status(), reply.toString());
          assertEquals("1", reply.header("Retry-After").orElseThrow(), reply.toString());
          busy++;
        }
      }
      assertEquals(accepted, ok);
      assertEquals(CLIENTS - accepted, busy);
      assertEquals(200, RawHttp.exchange(server.port(), "GET /fast HTTP/1.1\r\nHost: localhost\r\n\r\n").status());
    }
  }
}
