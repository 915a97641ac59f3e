package dev.isola.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.server.RawHttp.Reply;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Request bodies held in memory by all connections together stay within the server's room for
 * them, counted by the bytes that arrive: past it a body is answered 503 with {@code Retry-After},
 * and the room comes back when a request is done.
 */
class DevServerBodyRoomTest {
  private static final String LENGTH = """
      export default {
        async fetch(request) {
          return new Response("length=" + (await request.arrayBuffer()).byteLength, { status: 201 });
        }
      };
      """;
  private static final long ROOM = 100_000;

  private static String post(int length, String body) {
    return "POST /length HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + length + "\r\n\r\n" + body;
  }

  @Test
  void bodiesPastTheServersRoom_are503_andTheRoomComesBack() throws Exception {
    try (Isola isola = Isola.newBuilder().route("/length", Handler.javascript("length.js", LENGTH)).build();
        DevServer server = DevServer.start(isola, new InetSocketAddress("127.0.0.1", 0), 2, 8,
            ConnectionTimeouts.DEFAULT, ROOM, DevServer.MAX_CONNECTIONS);
        RawHttp slow = new RawHttp(server.port(), 60_000)) {
      // 70,000 of 90,000 bytes sent: the server has taken room for what it is reading.
      slow.send(post(90_000, "a".repeat(70_000)));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      while (server.bodyRoomLeft() > ROOM - 70_000 && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      assertTrue(server.bodyRoomLeft() <= ROOM - 70_000, "room left: " + server.bodyRoomLeft());

      Reply refused = RawHttp.exchange(server.port(), post(40_000, "b".repeat(40_000)));
      assertEquals(503, refused.status(), refused.toString());
      assertEquals("1", refused.header("Retry-After").orElseThrow(), refused.toString());
      assertEquals("close", refused.header("Connection").orElseThrow(), refused.toString());
      String id = refused.header("X-Request-Id").orElseThrow();
      assertTrue(refused.body().contains("request bodies in memory") && refused.body().contains(id), refused.body());

      slow.send("a".repeat(20_000));
      Reply first = slow.read();
      assertEquals(201, first.status(), first.toString());
      assertEquals("length=90000", first.body());
      // The connection gives the room back just after it has written the answer.
      while (server.bodyRoomLeft() < ROOM && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(60)) {
        Thread.sleep(10);
      }
      assertEquals(ROOM, server.bodyRoomLeft(), "the room is back once the request is done");

      Reply again = RawHttp.exchange(server.port(), post(40_000, "b".repeat(40_000)));
      assertEquals(201, again.status(), again.toString());
      assertEquals("length=40000", again.body());
    }
  }
}
