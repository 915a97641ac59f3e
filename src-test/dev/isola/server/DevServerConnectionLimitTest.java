package dev.isola.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.server.RawHttp.Reply;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.Test;

/**
 * Past its limit on open connections the dev server answers a new one with 503 and {@code
 * Retry-After} instead of dropping it, and serves again once a connection has ended. The limit is 4
 * here and idle connections last 10 minutes, so only the test ends them.
 */
class DevServerConnectionLimitTest {
  private static final int LIMIT = 4;
  private static final String REQUEST = "GET /hi HTTP/1.1\r\nHost: localhost\r\n\r\n";

  private static void await(IntSupplier value, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (value.getAsInt() != expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(expected, value.getAsInt());
  }

  @Test
  void pastTheLimit_aNewConnectionIsAnswered503_andServedOnceOneEnds() throws Exception {
    ConnectionTimeouts patient = new ConnectionTimeouts(600_000, 600_000, 600_000, 1, 600_000);
    List<RawHttp> held = new ArrayList<>();
    try (Isola isola = Isola.newBuilder()
            .route("GET /hi", Handler.javascript("hi.js", "export default { fetch() { return new Response('hi'); } };"))
            .build();
        DevServer server = DevServer.start(isola, new InetSocketAddress("127.0.0.1", 0), 2, 8, patient,
            DevServer.defaultBodyRoom(), LIMIT)) {
      try {
        for (int i = 0; i < LIMIT; i++) {
          held.add(new RawHttp(server.port(), 60_000));
        }
        await(server::openConnections, LIMIT);

        try (RawHttp extra = new RawHttp(server.port(), 60_000)) {
          extra.send(REQUEST);
          Reply busy = extra.read();
          assertEquals(503, busy.status(), busy.toString());
          assertEquals("1", busy.header("Retry-After").orElseThrow(), busy.toString());
          assertEquals("close", busy.header("Connection").orElseThrow(), busy.toString());
          assertTrue(busy.body().contains("(request id " + busy.header("X-Request-Id").orElseThrow() + ")"), busy.body());
          assertTrue(extra.closedByServer());
        }

        held.get(0).send(REQUEST);
        assertEquals("hi", held.get(0).read().body(), "a connection within the limit is served");

        held.remove(LIMIT - 1).close();
        await(server::openConnections, LIMIT - 1);
        Reply served = RawHttp.exchange(server.port(), REQUEST);
        assertEquals(200, served.status(), served.toString());
      } finally {
        for (RawHttp raw : held) {
          raw.close();
        }
      }
    }
  }
}
