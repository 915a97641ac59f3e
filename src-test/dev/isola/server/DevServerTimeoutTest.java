package dev.isola.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.server.RawHttp.Reply;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No client holds a dev-server connection by sending or reading slowly: a head has a bound from its
 * first byte, a body a minimum average rate, an idle connection a read timeout. The server runs with
 * short bounds here; every wait of the test is many times longer than the bound it checks, and each
 * slow client sends a bounded number of bytes.
 */
class DevServerTimeoutTest {
  private static final String ECHO = """
      export default {
        async fetch(request) {
          return new Response("body=" + await request.text(), { status: 201 });
        }
      };
      """;
  private static final String BIG = "export default { fetch() { return new Response('x'.repeat(1024 * 1024)); } };";
  /** Reads are 2 s at most, a head 3 s from its first byte, a body 2 s plus 1 s per 100 bytes. */
  private static final ConnectionTimeouts SHORT = new ConnectionTimeouts(2_000, 3_000, 2_000, 100, 2_000);

  private static Isola isola;

  @BeforeAll
  static void build() {
    isola = Isola.newBuilder().route("/echo", Handler.javascript("echo.js", ECHO))
        .route("GET /big", Handler.javascript("big.js", BIG))
        .build();
  }

  @AfterAll
  static void close() {
    isola.close();
  }

  private static DevServer start() {
    return DevServer.start(isola, new InetSocketAddress("127.0.0.1", 0), 2, 8, SHORT, DevServer.defaultBodyRoom(),
        DevServer.MAX_CONNECTIONS);
  }

  /**
   * Sends {@code count} bytes of {@code b}, one every {@code pauseMillis}, until {@code stop} is set;
   * {@code done} is set once all were sent.
   */
  /**
   * Sends 40 bytes {@code b}, one every 0.5 s, until the server answers, and returns the answer;
   * asserts it came while the client was still sending (by the server's bound, not by a read timeout
   * after the client stopped).
   */
  private static Reply trickleUntilAnswered(RawHttp raw, char b) throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    AtomicBoolean done = new AtomicBoolean();
    Thread slow = trickle(raw, b, 40, 500, stop, done);
    Reply reply;
    try {
      reply = raw.read();
    } finally {
      stop.set(true);
    }
    assertFalse(done.get(), "the client sent its last byte before the answer");
    slow.join();
    return reply;
  }

  private static Thread trickle(RawHttp raw, char b, int count, int pauseMillis, AtomicBoolean stop,
      AtomicBoolean done) {
    return Thread.ofVirtual().start(() -> {
      try {
        for (int i = 0; i < count && !stop.get(); i++) {
          Thread.sleep(pauseMillis);
          if (!stop.get()) {
            raw.send(String.valueOf(b));
          }
        }
        done.set(!stop.get());
      } catch (IOException | InterruptedException e) {
        // the server closed the connection: the trickle ends
      }
    });
  }

  private static void awaitNoConnections(DevServer server) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (server.openConnections() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, server.openConnections(), "connections still open");
  }

  private static void assert408(Reply reply, String expectedText) {
    assertEquals(408, reply.status(), reply.toString());
    assertEquals("close", reply.header("Connection").orElseThrow(), reply.toString());
    String id = reply.header("X-Request-Id").orElseThrow();
    assertTrue(reply.body().contains("(request id " + id + ")"), reply.body());
    assertTrue(reply.body().contains(expectedText), reply.body());
  }

  @Test
  void headTrickledOneByteBeforeEachReadTimeout_is408AfterTheHeadBound() throws Exception {
    try (DevServer server = start(); RawHttp raw = new RawHttp(server.port(), 60_000)) {
      raw.send("GET /echo HTTP/1.1\r\nHost: localhost\r\nX-Slow: ");
      // A byte every 0.5 s never lets a 2 s read time out; 40 bytes take 20 s, far past the 3 s bound.
      Reply reply = trickleUntilAnswered(raw, 'a');
      assert408(reply, "the request head did not arrive within 3 s");
      assertTrue(raw.closedByServer());
      awaitNoConnections(server);
    }
  }

  @Test
  void bodyTrickledOneByteBeforeEachReadTimeout_is408() throws Exception {
    try (DevServer server = start(); RawHttp raw = new RawHttp(server.port(), 60_000)) {
      raw.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: slow-body\r\nContent-Length: 1000\r\n\r\n");
      // 2 bytes a second against a floor of 100 bytes a second after 2 s; 40 bytes take 20 s.
      Reply reply = trickleUntilAnswered(raw, 'b');
      assert408(reply, "the request body arrived too slowly");
      assertEquals("slow-body", reply.header("X-Request-Id").orElseThrow());
      awaitNoConnections(server);
    }
  }

  @Test
  void bodyInPiecesWithinItsBounds_isServed() throws Exception {
    try (DevServer server = start(); RawHttp raw = new RawHttp(server.port(), 60_000)) {
      raw.send("POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 6\r\n\r\nabc");
      Thread.sleep(300);
      raw.send("def");
      Reply reply = raw.read();
      assertEquals(201, reply.status(), reply.toString());
      assertEquals("body=abcdef", reply.body());
    }
  }

  @Test
  void idleKeepAliveConnection_isClosedAfterTheReadTimeout() throws Exception {
    try (DevServer server = start(); RawHttp raw = new RawHttp(server.port(), 60_000)) {
      raw.send("GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n");
      Reply reply = raw.read();
      assertEquals(201, reply.status(), reply.toString());
      assertTrue(reply.header("Connection").isEmpty(), reply.toString());

      assertTrue(raw.closedByServer(), "an idle connection ends without an answer");
      awaitNoConnections(server);
    }
  }

  @Test
  void clientThatNeverReadsItsAnswers_losesItsConnectionAfterTheWriteTimeout() throws Exception {
    try (DevServer server = start(); Socket socket = new Socket()) {
      socket.setReceiveBufferSize(4096);
      socket.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
      // 32 answers of 1 MiB are far more than the socket buffers hold; the client reads none of them.
      OutputStream out = socket.getOutputStream();
      out.write("GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n".repeat(32).getBytes(StandardCharsets.ISO_8859_1));
      out.flush();

      awaitNoConnections(server);
    }
  }
}
