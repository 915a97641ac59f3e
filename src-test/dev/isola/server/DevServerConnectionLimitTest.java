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
 * At its limit on open connections the dev server closes the one idle longest to serve a new one,
 * and when none is idle answers the new one with 503 and {@code Retry-After} instead of dropping it.
 * The limit is 4 here and every time bound 10 minutes, so only the test ends connections.
 */
class DevServerConnectionLimitTest {
  private static final int LIMIT = 4;
  private static final String REQUEST = "GET /hi HTTP/1.1\r\nHost: localhost\r\n\r\n";
  private static final ConnectionTimeouts PATIENT = new ConnectionTimeouts(600_000, 600_000, 600_000, 1, 600_000);

  private static void await(IntSupplier value, int expected) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (value.getAsInt() != expected && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(expected, value.getAsInt());
  }

  private static Isola isola() {
    return Isola.newBuilder()
        .route("GET /hi", Handler.javascript("hi.js", "export default { fetch() { return new Response('hi'); } };"))
        .build();
  }

  private static DevServer start(Isola isola) {
    return DevServer.start(isola, new InetSocketAddress("127.0.0.1", 0), 2, 8, PATIENT, DevServer.defaultBodyRoom(),
        LIMIT);
  }

  @Test
  void atTheLimitWithNoneIdle_aNewConnectionIsAnswered503_andServedOnceOneEnds() throws Exception {
    List<RawHttp> held = new ArrayList<>();
    try (Isola isola = isola(); DevServer server = start(isola)) {
      try {
        for (int i = 0; i < LIMIT; i++) {
          RawHttp raw = new RawHttp(server.port(), 60_000);
          held.add(raw);
          raw.send("GET /hi HTTP/1.1\r\nHost: localhost\r\n"); // a head begun: not idle
        }
        await(server::openConnections, LIMIT);
        await(server::idleConnections, 0);

        try (RawHttp extra = new RawHttp(server.port(), 60_000)) {
          extra.send(REQUEST);
          Reply busy = extra.read();
          assertEquals(503, busy.status(), busy.toString());
          assertEquals("1", busy.header("Retry-After").orElseThrow(), busy.toString());
          assertEquals("close", busy.header("Connection").orElseThrow(), busy.toString());
          assertTrue(busy.body().contains("(request id " + busy.header("X-Request-Id").orElseThrow() + ")"), busy.body());
          assertTrue(extra.closedByServer());
        }

        held.get(0).send("\r\n");
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

  @Test
  void atTheLimit_theConnectionIdleLongestMakesRoomForANewOne() throws Exception {
    List<RawHttp> held = new ArrayList<>();
    try (Isola isola = isola(); DevServer server = start(isola)) {
      try {
        RawHttp idle = new RawHttp(server.port(), 60_000); // sends nothing
        held.add(idle);
        await(server::idleConnections, 1);
        for (int i = 1; i < LIMIT; i++) {
          RawHttp raw = new RawHttp(server.port(), 60_000);
          held.add(raw);
          raw.send("GET /hi HTTP/1.1\r\nHost: localhost\r\n");
        }
        await(server::openConnections, LIMIT);
        await(server::idleConnections, 1);
        Thread.sleep(1500); // a connection must have been idle a second before it makes room

        Reply served = RawHttp.exchange(server.port(), REQUEST);
        assertEquals(200, served.status(), served.toString());
        assertTrue(idle.closedByServer(), "the idle connection was closed for the new one");
        for (int i = 1; i < LIMIT; i++) {
          held.get(i).send("\r\n");
          assertEquals("hi", held.get(i).read().body(), "connection " + i + " with a request begun is kept");
        }
        await(server::openConnections, LIMIT - 1); // the idle one and the new one have ended
      } finally {
        for (RawHttp raw : held) {
          raw.close();
        }
      }
    }
  }
}
