package dev.isola.internal.capability.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.CapabilityDeniedException;
import dev.isola.IsolaException;
import dev.isola.LimitExceededException;
import dev.isola.LimitExceededException.Limit;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Outbound HTTP against real servers on 127.0.0.1, each granted explicitly by address and port. */
class OutboundHttpTest {
  private static final String ROUTE = "POST /proxy";
  private static final long MiB = 1024 * 1024;

  private final OutboundHttp http = new OutboundHttp();

  @AfterEach
  void close() {
    http.close();
  }

  private static long inSeconds(long seconds) {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
  }

  private HttpResult send(LoopbackServer server, HttpCall call) {
    return http.send(ROUTE, OriginAllowList.of(server.origin()), call, inSeconds(10), MiB);
  }

  // ---- round trips ----

  @Test
  void send_get_returnsStatusHeadersBodyAndUrl() throws IOException {
    try (LoopbackServer server = LoopbackServer.start((exchange, request) -> {
      exchange.getResponseHeaders().add("X-Answer", "42");
      LoopbackServer.respond(exchange, 200, "hello " + request.path());
    })) {
      HttpResult result = send(server, HttpCall.get(server.uri("/greet?who=you")));

      assertEquals(200, result.status());
      assertEquals(List.of("42"), result.headers().get("x-answer"));
      assertEquals("hello /greet?who=you", new String(result.body(), UTF_8));
      assertEquals(server.uri("/greet?who=you"), result.finalUri());
    }
  }

  @Test
  void send_postWithHeadersAndBody_serverGetsThemAndAnswerComesBack() throws IOException {
    try (LoopbackServer server = LoopbackServer.start((exchange, request) -> {
      exchange.getResponseHeaders().add("X-Seen", request.headers().getFirst("X-Token"));
      LoopbackServer.respond(exchange, 201, "got " + new String(request.body(), UTF_8));
    })) {
      HttpCall call = new HttpCall("POST", server.uri("/items"),
          Map.of("X-Token", List.of("abc"), "Content-Type", List.of("text/plain")), "payload".getBytes(UTF_8));

      HttpResult result = send(server, call);

      LoopbackServer.Seen seen = server.seen.get(0);
      assertEquals("POST", seen.method());
      assertEquals("text/plain", seen.headers().getFirst("Content-Type"));
      assertEquals(201, result.status());
      assertEquals(List.of("abc"), result.headers().get("X-Seen"));
      assertEquals("got payload", new String(result.body(), UTF_8));
    }
  }

  @Test
  void send_hostControlledHeaders_droppedWithoutFailing() throws IOException {
    try (LoopbackServer server = LoopbackServer.answering(200, "ok")) {
      Map<String, List<String>> headers = Map.ofEntries(
          Map.entry("Host", List.of("evil.example")), Map.entry("Connection", List.of("close")),
          Map.entry("Content-Length", List.of("999")), Map.entry("Transfer-Encoding", List.of("chunked")),
          Map.entry("Upgrade", List.of("websocket")), Map.entry("Proxy-Authorization", List.of("Basic eA==")),
          Map.entry("Expect", List.of("100-continue")), Map.entry("TE", List.of("trailers")),
          Map.entry("Trailer", List.of("X-Sum")), Map.entry("Keep-Alive", List.of("timeout=5")),
          Map.entry("X-Bad", List.of("line\r\nInjected: yes")), Map.entry("X-Kept", List.of("yes")));

      HttpResult result = send(server, new HttpCall("POST", server.uri("/"), headers, "body".getBytes(UTF_8)));

      assertEquals(200, result.status());
      com.sun.net.httpserver.Headers seen = server.seen.get(0).headers();
      assertEquals("127.0.0.1:" + server.port(), seen.getFirst("Host"));
      assertEquals("4", seen.getFirst("Content-Length"));
      assertEquals("yes", seen.getFirst("X-Kept"));
      // The JDK client may send its own "Upgrade: h2c" to try HTTP/2; the guest's value never goes out.
      assertFalse(seen.getOrDefault("Upgrade", List.of()).contains("websocket"));
      for (String dropped : List.of("Proxy-Authorization", "Expect", "TE", "Trailer", "Keep-Alive",
          "Transfer-Encoding", "X-Bad", "Injected")) {
        assertNull(seen.getFirst(dropped), dropped);
      }
    }
  }

  // ---- denials ----

  @Test
  void send_unlistedLoopbackPort_deniedAndNeverSent() throws IOException {
    try (LoopbackServer granted = LoopbackServer.answering(200, "ok");
        LoopbackServer other = LoopbackServer.answering(200, "secret")) {
      CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class,
          () -> send(granted, HttpCall.get(other.uri("/admin"))));

      assertEquals(0, other.hits());
      String origin = "http://127.0.0.1:" + other.port();
      assertEquals("route \"POST /proxy\": outbound HTTP to " + origin + " is not granted (granted: ["
          + granted.origin() + "]); to allow it, add outbound_http = [\"" + origin + "\"] to the route in"
          + " isola.toml or grant Grants.outboundHttp(\"" + origin + "\")", e.getMessage());
    }
  }

  @Test
  void send_ungrantedPublicOrigin_messageNamesGrantWithoutDefaultPort() {
    CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class, () -> http.send(ROUTE,
        OriginAllowList.of("https://api.example.com"), HttpCall.get(URI.create("https://evil.example/x")),
        inSeconds(10), MiB));

    assertTrue(e.getMessage().contains("outbound HTTP to https://evil.example:443 is not granted"), e.getMessage());
    assertTrue(e.getMessage().contains("outbound_http = [\"https://evil.example\"]"), e.getMessage());
    assertTrue(e.getMessage().contains("Grants.outboundHttp(\"https://evil.example\")"), e.getMessage());
  }

  @Test
  void send_slowDns_isBoundedByTheDeadline() {
    // The lookup would take a minute (it is abandoned, and interrupted, at the deadline).
    try (OutboundHttp slow = new OutboundHttp(Duration.ofSeconds(2), MiB, new AddressPolicy(host -> {
      try {
        Thread.sleep(60_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return new InetAddress[] {InetAddress.getByName("93.184.216.34")};
    }))) {
      long start = System.nanoTime();
      dev.isola.LimitExceededException e = assertThrows(dev.isola.LimitExceededException.class, () -> slow.send(ROUTE,
          OriginAllowList.of("http://slow.example.test"), HttpCall.get(URI.create("http://slow.example.test/")),
          System.nanoTime() + java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(300), MiB));
      long millis = (System.nanoTime() - start) / 1_000_000;
      assertEquals(dev.isola.LimitExceededException.Limit.TIMEOUT, e.limit());
      assertTrue(millis < 300 + 5_000, "stopped after " + millis + " ms");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "10.0.0.1", "169.254.169.254"})
  void send_grantedNameResolvingToPrivateAddress_deniedAndNeverSent(String address) throws IOException {
    try (LoopbackServer server = LoopbackServer.answering(200, "internal");
        OutboundHttp rebound = new OutboundHttp(Duration.ofSeconds(2), MiB,
            new AddressPolicy(host -> new InetAddress[] {InetAddress.getByName(address)}))) {
      String origin = "http://api.example.test:" + server.port();

      CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class, () -> rebound.send(ROUTE,
          OriginAllowList.of(origin), HttpCall.get(URI.create(origin + "/")), inSeconds(10), MiB));

      assertEquals(0, server.hits());
      assertTrue(e.getMessage().contains("resolves to a loopback, private or otherwise restricted address"),
          e.getMessage());
      assertTrue(!e.getMessage().contains(address), "the guest must not learn the address: " + e.getMessage());
      assertTrue(e.getMessage().contains("grant its IP literally"), e.getMessage());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"file:///etc/passwd", "ftp://127.0.0.1/", "jar:file:/tmp/x.jar!/a.txt"})
  void send_notHttpUrl_denied(String url) {
    OriginAllowList allow = OriginAllowList.of("http://127.0.0.1", "https://127.0.0.1");

    CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class,
        () -> http.send(ROUTE, allow, HttpCall.get(URI.create(url)), inSeconds(10), MiB));

    assertTrue(e.getMessage().contains("only http and https URLs can be requested"), e.getMessage());
  }

  // ---- limits ----

  @Test
  void send_requestBodyOverCap_limitAndNeverSent() throws IOException {
    try (LoopbackServer server = LoopbackServer.answering(200, "ok");
        OutboundHttp small = new OutboundHttp(Duration.ofSeconds(2), 16, AddressPolicy.system())) {
      HttpCall call = new HttpCall("POST", server.uri("/"), Map.of(), new byte[17]);

      LimitExceededException e = assertThrows(LimitExceededException.class,
          () -> small.send(ROUTE, OriginAllowList.of(server.origin()), call, inSeconds(10), MiB));

      assertEquals(Limit.REQUEST_BODY, e.limit());
      assertTrue(e.getMessage().contains("17 bytes") && e.getMessage().contains("16 bytes"), e.getMessage());
      assertEquals(0, server.hits());
    }
  }

  @Test
  void send_serverNeverAnswers_timeoutAtTheDeadline() throws IOException {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      long started = System.nanoTime();
      long deadline = started + TimeUnit.MILLISECONDS.toNanos(300);

      LimitExceededException e = assertThrows(LimitExceededException.class, () -> http.send(ROUTE,
          OriginAllowList.of("http://127.0.0.1:" + silent.getLocalPort()),
          HttpCall.get(URI.create("http://127.0.0.1:" + silent.getLocalPort() + "/")), deadline, MiB));

      assertEquals(Limit.TIMEOUT, e.limit());
      long late = System.nanoTime() - deadline;
      assertTrue(late < TimeUnit.SECONDS.toNanos(5), "ended " + late / 1_000_000 + " ms after the deadline");
    }
  }

  @Test
  void send_deadlinePassed_timeoutWithoutSending() throws IOException {
    try (LoopbackServer server = LoopbackServer.answering(200, "ok")) {
      LimitExceededException e = assertThrows(LimitExceededException.class, () -> http.send(ROUTE,
          OriginAllowList.of(server.origin()), HttpCall.get(server.uri("/")), System.nanoTime() - 1, MiB));

      assertEquals(Limit.TIMEOUT, e.limit());
      assertEquals(0, server.hits());
    }
  }

  @Test
  void send_endlessBody_responseBodyLimitWithoutReadingItAll() throws Exception {
    long endless = 1024 * MiB;
    AtomicLong written = new AtomicLong();
    CountDownLatch stopped = new CountDownLatch(1);
    try (LoopbackServer server = LoopbackServer.start((exchange, request) -> {
      exchange.sendResponseHeaders(200, 0); // chunked, no declared length
      byte[] chunk = new byte[64 * 1024];
      try (OutputStream out = exchange.getResponseBody()) {
        while (written.get() < endless) {
          out.write(chunk);
          written.addAndGet(chunk.length);
        }
      } catch (IOException clientWentAway) {
        // expected: the client stops reading at the cap
      } finally {
        stopped.countDown();
      }
    })) {
      LimitExceededException e = assertThrows(LimitExceededException.class, () -> http.send(ROUTE,
          OriginAllowList.of(server.origin()), HttpCall.get(server.uri("/big")), inSeconds(30), 256 * 1024));

      assertEquals(Limit.RESPONSE_BODY, e.limit());
      assertTrue(e.getMessage().contains("262144 bytes"), e.getMessage());
      assertTrue(stopped.await(30, TimeUnit.SECONDS), "the server is still writing");
      // What the server got out before its writes failed is socket buffers, not the body.
      assertTrue(written.get() < 64 * MiB, "the client kept reading: " + written.get() + " bytes");
    }
  }

  @Test
  void send_declaredLengthOverCap_responseBodyLimit() throws IOException {
    try (LoopbackServer server = LoopbackServer.answering(200, "x".repeat(5000))) {
      LimitExceededException e = assertThrows(LimitExceededException.class, () -> http.send(ROUTE,
          OriginAllowList.of(server.origin()), HttpCall.get(server.uri("/")), inSeconds(10), 4096));

      assertEquals(Limit.RESPONSE_BODY, e.limit());
    }
  }

  @Test
  void send_bodyExactlyAtCap_returned() throws IOException {
    try (LoopbackServer server = LoopbackServer.answering(200, "x".repeat(4096))) {
      HttpResult result = http.send(ROUTE, OriginAllowList.of(server.origin()), HttpCall.get(server.uri("/")),
          inSeconds(10), 4096);

      assertArrayEquals("x".repeat(4096).getBytes(UTF_8), result.body());
    }
  }

  // ---- failures the guest may handle ----

  @Test
  void send_connectionRefused_guestSafeFailure() throws IOException {
    int port;
    try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = closed.getLocalPort();
    }
    String origin = "http://127.0.0.1:" + port;

    OutboundHttpException e = assertThrows(OutboundHttpException.class, () -> http.send(ROUTE,
        OriginAllowList.of(origin), HttpCall.get(URI.create(origin + "/")), inSeconds(10), MiB));

    assertEquals("connection refused: " + origin, e.getMessage());
  }

  @Test
  void send_unresolvableName_guestSafeFailure() {
    try (OutboundHttp noDns = new OutboundHttp(Duration.ofSeconds(2), MiB, new AddressPolicy(host -> {
      throw new java.net.UnknownHostException(host);
    }))) {
      OutboundHttpException e = assertThrows(OutboundHttpException.class, () -> noDns.send(ROUTE,
          OriginAllowList.of("https://nowhere.example"), HttpCall.get(URI.create("https://nowhere.example/")),
          inSeconds(10), MiB));

      assertEquals("could not resolve host: nowhere.example", e.getMessage());
    }
  }

  @Test
  void send_unsupportedMethod_guestSafeFailure() throws IOException {
    try (LoopbackServer server = LoopbackServer.answering(200, "ok")) {
      HttpCall call = new HttpCall("CONNECT", server.uri("/"), Map.of(), new byte[0]);

      OutboundHttpException e = assertThrows(OutboundHttpException.class, () -> send(server, call));

      assertEquals("unsupported HTTP method: CONNECT", e.getMessage());
    }
  }

  // ---- interrupts ----

  @Test
  void send_interrupted_stopsAndKeepsTheFlag() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String origin = "http://127.0.0.1:" + silent.getLocalPort();
      CountDownLatch connected = new CountDownLatch(1);
      Thread acceptor = Thread.ofVirtual().start(() -> {
        try (Socket socket = silent.accept()) {
          connected.countDown();
          Thread.sleep(Long.MAX_VALUE);
        } catch (IOException | InterruptedException e) {
          // the test is over
        }
      });
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      AtomicReference<Boolean> flagAfter = new AtomicReference<>();
      Thread caller = Thread.ofPlatform().start(() -> {
        try {
          http.send(ROUTE, OriginAllowList.of(origin), HttpCall.get(URI.create(origin + "/")), inSeconds(60), MiB);
        } catch (Throwable t) {
          thrown.set(t);
        }
        flagAfter.set(Thread.currentThread().isInterrupted());
      });

      assertTrue(connected.await(10, TimeUnit.SECONDS));
      caller.interrupt();
      caller.join(TimeUnit.SECONDS.toMillis(10));
      acceptor.interrupt();

      assertEquals(IsolaException.class, thrown.get().getClass(), String.valueOf(thrown.get()));
      assertTrue(thrown.get().getMessage().contains("interrupted"), thrown.get().getMessage());
      assertEquals(Boolean.TRUE, flagAfter.get());
    }
  }

  @Test
  void close_twice_harmless() {
    OutboundHttp other = new OutboundHttp();
    other.close();

    assertDoesNotThrow(other::close);
  }
}
