package dev.isola.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.server.RawHttp.Reply;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dev server reads HTTP/1.1 strictly (RFC 9112, RFC 9110) and answers what it refuses in Isola's
 * own plain-text format with the request id, over raw sockets on 127.0.0.1.
 */
class DevServerProtocolTest {
  private static final String ECHO = """
      export default {
        async fetch(request) {
          const body = await request.text();
          return new Response("host=" + request.headers.get("host") + "\\nbody=" + body, { status: 201 });
        }
      };
      """;

  private static final String STATUS = """
      export default {
        fetch(request) {
          const status = Number(new URL(request.url).searchParams.get("s"));
          return new Response(status === 204 || status === 304 ? null : "x",
              { status, headers: { "content-length": "999", "transfer-encoding": "chunked" } });
        }
      };
      """;

  private static Isola isola;
  private static DevServer server;

  @BeforeAll
  static void start() {
    isola = Isola.newBuilder().route("/echo", Handler.javascript("echo.js", ECHO))
        .route("/status", Handler.javascript("status.js", STATUS))
        .build();
    server = DevServer.start(isola, new InetSocketAddress("127.0.0.1", 0));
  }

  @AfterAll
  static void stop() {
    server.close();
    isola.close();
  }

  private static Reply send(String request) throws IOException {
    return RawHttp.exchange(server.port(), request);
  }

  private static String post(String headers, String body) {
    return "POST /echo HTTP/1.1\r\nHost: localhost\r\n" + headers + "\r\n" + body;
  }

  /** A refusal in Isola's format: text/plain, "status reason: ...", the request id in header and text. */
  private static void assertIsolaRefusal(int status, String expectedText, Reply reply) {
    assertEquals(status, reply.status(), reply.toString());
    assertEquals("text/plain; charset=utf-8", reply.header("Content-Type").orElseThrow(), reply.toString());
    String id = reply.header("X-Request-Id").orElseThrow();
    assertTrue(reply.body().startsWith(status + " "), reply.body());
    assertTrue(reply.body().contains("(request id " + id + ")"), reply.body());
    assertTrue(reply.body().contains(expectedText), reply.body());
    assertEquals("close", reply.header("Connection").orElseThrow(), reply.toString());
  }

  @Test
  void badPercentEscape_isIsolas400WithTheRequestId() throws IOException {
    Reply reply = send("GET /%zz HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: esc-1\r\n\r\n");

    assertIsolaRefusal(400, "'%' at index 1 that is not followed by two hex digits", reply);
    assertEquals("esc-1", reply.header("X-Request-Id").orElseThrow());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/a%2", "/a?q=%g1", "/a\"b", "/a{b}", "/caf\u00e9"})
  void targetsOutsideRfc3986_are400(String target) throws IOException {
    assertIsolaRefusal(400, "the request target", send("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"+5", "-5", "5 5", "0x5", "5.0", ""})
  void contentLengthThatIsNotDigits_is400(String length) throws IOException {
    Reply reply = send(post("Content-Length: " + length + "\r\n", "hello"));

    assertIsolaRefusal(400, "is not a number of bytes", reply);
  }

  @Test
  void contentLengthSentTwice_is400EvenWhenEqual() throws IOException {
    assertIsolaRefusal(400, "2 Content-Length fields", send(post("Content-Length: 5\r\nContent-Length: 5\r\n", "hello")));
    assertIsolaRefusal(400, "2 Content-Length fields", send(post("Content-Length: 5\r\nContent-Length: 6\r\n", "hello!")));
    assertIsolaRefusal(400, "is not a number of bytes", send(post("Content-Length: 5, 5\r\n", "hello")));
  }

  @Test
  void contentLengthWithTransferEncoding_is400() throws IOException {
    Reply reply = send(post("Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", "5\r\nhello\r\n0\r\n\r\n"));

    assertIsolaRefusal(400, "both Transfer-Encoding and Content-Length", reply);
  }

  @Test
  void transferCodingsOtherThanChunked_areRefused() throws IOException {
    assertIsolaRefusal(501, "is not supported", send(post("Transfer-Encoding: gzip, chunked\r\n", "0\r\n\r\n")));
    assertIsolaRefusal(400, "does not end in chunked", send(post("Transfer-Encoding: chunked, gzip\r\n", "")));
    assertIsolaRefusal(400, "HTTP/1.0 request cannot use Transfer-Encoding",
        send("POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
  }

  @Test
  void plainContentLength_isRead() throws IOException {
    Reply reply = send(post("Content-Length: 5\r\nConnection: close\r\n", "hello"));

    assertEquals(201, reply.status());
    assertEquals("host=localhost\nbody=hello", reply.body());
  }

  @Test
  void twoHostFields_are400() throws IOException {
    Reply reply = send("GET /echo HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\n\r\n");

    assertIsolaRefusal(400, "2 Host fields", reply);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a b", "a/b", "a@b", "[::1", "host:80x", "h\u00e9"})
  void invalidHost_is400(String host) throws IOException {
    assertIsolaRefusal(400, "is not a host name or address", send("GET /echo HTTP/1.1\r\nHost: " + host + "\r\n\r\n"));
  }

  @Test
  void http11WithoutHost_is400_http10WithoutHost_isServed() throws IOException {
    assertIsolaRefusal(400, "needs a Host field", send("GET /echo HTTP/1.1\r\n\r\n"));

    Reply old = send("GET /echo HTTP/1.0\r\n\r\n");
    assertEquals(201, old.status());
    assertEquals("host=null\nbody=", old.body());
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "localhost:8080", "127.0.0.1:1", "[::1]:8080", "[::1]", "xn--bcher-kva.example", ""})
  void validHost_isServed(String host) throws IOException {
    Reply reply = send("GET /echo HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");

    assertEquals(201, reply.status(), reply.toString());
    assertEquals("host=" + host + "\nbody=", reply.body());
  }

  @Test
  void chunkExtensionsAndTrailers_areAccepted_andTheConnectionStaysUsable() throws IOException {
    try (RawHttp raw = new RawHttp(server.port(), 10_000)) {
      raw.send(post("Transfer-Encoding: chunked\r\n",
          "5;name=value\r\nhello\r\n1 ; quoted=\"a;b\" ; bare\r\n!\r\n0;last\r\nX-Checksum: 1234\r\nX-Other: y\r\n\r\n"));
      Reply first = raw.read();
      assertEquals(201, first.status(), first.toString());
      assertEquals("host=localhost\nbody=hello!", first.body());
      assertTrue(first.header("Connection").isEmpty(), first.toString());

      raw.send(post("Content-Length: 3\r\nConnection: close\r\n", "two"));
      Reply second = raw.read();
      assertEquals(201, second.status(), second.toString());
      assertEquals("host=localhost\nbody=two", second.body());
    }
  }

  @Test
  void malformedChunkedBodies_are400NamingTheProblem() throws IOException {
    assertIsolaRefusal(400, "does not start with a hex size", send(post("Transfer-Encoding: chunked\r\n", "zz\r\n")));
    assertIsolaRefusal(400, "other than a chunk extension", send(post("Transfer-Encoding: chunked\r\n", "5 x\r\n")));
    assertIsolaRefusal(400, "longer than its size line says",
        send(post("Transfer-Encoding: chunked\r\n", "3\r\nhello\r\n0\r\n\r\n")));
    assertIsolaRefusal(400, "is not \"Name: value\"",
        send(post("Transfer-Encoding: chunked\r\n", "0\r\nnot a trailer\r\n\r\n")));
  }

  @Test
  void chunkedLinesEndingInABareLf_are400() throws IOException {
    String te = "Transfer-Encoding: chunked\r\n";
    assertIsolaRefusal(400, "bare LF", send(post(te, "5\nhello\r\n0\r\n\r\n")));
    assertIsolaRefusal(400, "bare LF", send(post(te, "5\r\nhello\n0\r\n\r\n")));
    assertIsolaRefusal(400, "bare LF", send(post(te, "5\r\nhello\r\n0\n\r\n")));
    assertIsolaRefusal(400, "bare LF", send(post(te, "5\r\nhello\r\n0\r\n\n")));
    assertIsolaRefusal(400, "bare LF", send(post(te, "5\r\nhello\r\n0\r\nX-T: 1\n\r\n")));
  }

  @Test
  void chunkSizes_leadingZerosAreRead_hugeOrSignedSizesRefused() throws IOException {
    String te = "Transfer-Encoding: chunked\r\nConnection: close\r\n";
    Reply zeros = send(post(te, "0000000000000000000005\r\nhello\r\n0000000000000000000\r\n\r\n"));
    assertEquals(201, zeros.status(), zeros.toString());
    assertEquals("host=localhost\nbody=hello", zeros.body());

    assertIsolaRefusal(400, "too large for this server", send(post(te, "10000000000000000\r\nhello\r\n")));
    assertIsolaRefusal(400, "does not start with a hex size", send(post(te, "-5\r\nhello\r\n0\r\n\r\n")));
    assertIsolaRefusal(400, "does not start with a hex size", send(post(te, "+5\r\nhello\r\n0\r\n\r\n")));
    assertEquals(413, send(post(te, "fffffffffffffff\r\nhello\r\n")).status());
  }

  @Test
  void longHostValues_areCheckedWithoutOverflowingTheStack() throws IOException {
    String name = "a".repeat(20_000);
    Reply valid = send("GET /echo HTTP/1.1\r\nHost: " + name + ":80\r\nConnection: close\r\n\r\n");
    assertEquals(201, valid.status(), valid.statusLine());
    assertEquals("host=" + name + ":80\nbody=", valid.body());

    Reply escaped = send("GET /echo HTTP/1.1\r\nHost: " + "%41".repeat(7_000) + "\r\nConnection: close\r\n\r\n");
    assertEquals(201, escaped.status(), escaped.statusLine());
    Reply absolute = send("GET http://" + name + "/echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assertEquals(201, absolute.status(), absolute.statusLine());

    assertIsolaRefusal(400, "is not a host name", send("GET /echo HTTP/1.1\r\nHost: " + name + "/\r\n\r\n"));
    assertIsolaRefusal(400, "is not a host name", send("GET /echo HTTP/1.1\r\nHost: [" + "1:".repeat(10_000) + "\r\n\r\n"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"[v1.a:b]", "[::1]:", "a.example:", "%41b", "[1:2::3.4.5.6]:0080"})
  void moreValidHosts_areServed(String host) throws IOException {
    Reply reply = send("GET /echo HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
    assertEquals(201, reply.status(), reply.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"[]", "[v1]", "[v.a]", "[::1", "::1]", "[::1]x", "%4", "%4g", "a:b:c", "[::1]:8x", "a]"})
  void moreInvalidHosts_are400(String host) throws IOException {
    assertIsolaRefusal(400, "is not a host name or address", send("GET /echo HTTP/1.1\r\nHost: " + host + "\r\n\r\n"));
  }

  @Test
  void absoluteFormTarget_itsAuthorityReplacesHost() throws IOException {
    Reply reply = send("GET http://other.example:8080/echo?x=1 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assertEquals(201, reply.status(), reply.toString());
    assertEquals("host=other.example:8080\nbody=", reply.body());

    Reply old = send("GET HTTP://old.example/echo HTTP/1.0\r\n\r\n");
    assertEquals(201, old.status(), old.toString());
    assertEquals("host=old.example\nbody=", old.body());

    assertIsolaRefusal(400, "does not name a host", send("GET http://user@a.example/echo HTTP/1.1\r\nHost: a.example\r\n\r\n"));
    assertIsolaRefusal(400, "does not name a host", send("GET http:///echo HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  }

  @Test
  void malformedHeads_areRefusedInIsolasFormat() throws IOException {
    assertIsolaRefusal(400, "obsolete line folding", send("GET /echo HTTP/1.1\r\nHost: localhost\r\nX-A: 1\r\n  2\r\n\r\n"));
    assertIsolaRefusal(400, "no space before the colon", send("GET /echo HTTP/1.1\r\nHost : localhost\r\n\r\n"));
    assertIsolaRefusal(400, "single spaces", send("GET  /echo HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    assertIsolaRefusal(505, "HTTP/2.0 is not supported", send("GET /echo HTTP/2.0\r\nHost: localhost\r\n\r\n"));
    assertIsolaRefusal(431, "larger than 64 KiB",
        send("GET /echo HTTP/1.1\r\nHost: localhost\r\nX-Big: " + "a".repeat(70_000) + "\r\n\r\n"));
  }

  @Test
  void expectContinue_getsAnInterim100BeforeTheBodyIsSent() throws IOException {
    try (RawHttp raw = new RawHttp(server.port(), 10_000)) {
      raw.send(post("Content-Length: 2\r\nExpect: 100-continue\r\nConnection: close\r\n", ""));
      Reply interim = raw.read();
      assertEquals("HTTP/1.1 100 Continue", interim.statusLine());
      raw.send("ok");
      Reply reply = raw.read();
      assertEquals(201, reply.status(), reply.toString());
      assertEquals("host=localhost\nbody=ok", reply.body());
    }
  }

  private static final String GET_ECHO = "GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n";

  @ParameterizedTest
  @ValueSource(strings = {"chunked", "Chunked", "CHUNKED", " chunked", "\tchunked", "chunked "})
  void transferEncodingChunked_anyCaseAndWhitespace_isFramedAsChunked(String value) throws IOException {
    try (RawHttp raw = new RawHttp(server.port(), 10_000)) {
      // The second request follows the chunked body at once: it is read from exactly where the body ended.
      raw.send(post("Transfer-Encoding:" + value + "\r\n", "5\r\nhello\r\n0\r\n\r\n") + GET_ECHO);
      Reply first = raw.read();
      assertEquals(201, first.status(), first.toString());
      assertEquals("host=localhost\nbody=hello", first.body());
      Reply second = raw.read();
      assertEquals(201, second.status(), second.toString());
      assertEquals("host=localhost\nbody=", second.body());
    }
  }

  @Test
  void transferEncodingChunkedTwice_orNotChunked_isRefused() throws IOException {
    assertIsolaRefusal(501, "is not supported", send(post("Transfer-Encoding: chunked, chunked\r\n", "0\r\n\r\n")));
    assertIsolaRefusal(501, "is not supported",
        send(post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\n")));
    assertIsolaRefusal(400, "does not end in chunked", send(post("Transfer-Encoding: xchunked\r\n", "0\r\n\r\n")));
    assertIsolaRefusal(400, "does not end in chunked", send(post("Transfer-Encoding: \r\n", "0\r\n\r\n")));
  }

  @Test
  void controlCharactersInHeads_are400() throws IOException {
    assertIsolaRefusal(400, "carriage return", send("GET /echo HTTP/1.1\r\nHost: localhost\r\nX-A: 1\r2\r\n\r\n"));
    assertIsolaRefusal(400, "carriage return", send("GET /echo HTTP/1.1\rHost: localhost\r\n\r\n"));
    assertIsolaRefusal(400, "control character", send("GET /echo HTTP/1.1\r\nHost: localhost\r\nX-A: 1\u00002\r\n\r\n"));
    assertIsolaRefusal(400, "is not \"Name: value\"", send("GET /echo HTTP/1.1\r\nHost: localhost\r\nX\u0000A: 1\r\n\r\n"));
    assertIsolaRefusal(400, "no space before the colon", send("GET /echo HTTP/1.1\r\nHost\t: localhost\r\n\r\n"));
    assertIsolaRefusal(400, "the request target", send("GET /ec\u0000ho HTTP/1.1\r\nHost: localhost\r\n\r\n"));
    assertIsolaRefusal(400, "single spaces", send("GET /echo HTTP/1.1 \r\nHost: localhost\r\n\r\n"));
    assertIsolaRefusal(400, "empty lines", send("\r\n".repeat(9) + GET_ECHO));
  }

  @Test
  void asteriskForm_isRefusedAs400() throws IOException {
    assertIsolaRefusal(400, "must start with '/'", send("OPTIONS * HTTP/1.1\r\nHost: localhost\r\n\r\n"));
  }

  @Test
  void tooManyHeaderFields_is431() throws IOException {
    assertIsolaRefusal(431, "more than 200 header fields",
        send("GET /echo HTTP/1.1\r\nHost: localhost\r\n" + "X-A: 1\r\n".repeat(200) + "\r\n"));
  }

  @Test
  void headAnswer_hasNoBody_andTheConnectionStaysInStep() throws IOException {
    try (RawHttp raw = new RawHttp(server.port(), 10_000)) {
      raw.send("HEAD /echo HTTP/1.1\r\nHost: localhost\r\n\r\n" + GET_ECHO);
      Reply head = raw.readHeadAnswer();
      assertEquals(201, head.status(), head.toString());
      assertTrue(head.header("Content-Length").isEmpty(), head.toString());
      // Had the server sent a body, it would be read here in place of the next answer's status line.
      Reply next = raw.read();
      assertEquals("HTTP/1.1 201 Created", next.statusLine(), head + " then " + next);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {204, 304})
  void noContentAndNotModified_haveNoBodyAndNoContentLength(int status) throws IOException {
    try (RawHttp raw = new RawHttp(server.port(), 10_000)) {
      raw.send("GET /status?s=" + status + " HTTP/1.1\r\nHost: localhost\r\n\r\n" + GET_ECHO);
      Reply reply = raw.read();
      assertEquals(status, reply.status(), reply.toString());
      assertTrue(reply.header("Content-Length").isEmpty(), reply.toString());
      assertTrue(reply.header("Transfer-Encoding").isEmpty(), reply.toString());
      assertTrue(reply.header("Date").orElseThrow().endsWith(" GMT"), reply.toString());
      Reply next = raw.read();
      assertEquals(201, next.status(), next.toString());
    }
  }

  @Test
  void handlersFramingHeaders_areReplacedByTheServers() throws IOException {
    Reply reply = send("GET /status?s=200 HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    assertEquals(200, reply.status(), reply.toString());
    assertEquals(List.of("1"), reply.headers().get("content-length"), reply.toString());
    assertTrue(reply.header("Transfer-Encoding").isEmpty(), reply.toString());
    assertEquals("x", reply.body());
  }

  @Test
  void manyPipelinedRequests_areAnsweredInOrder() throws IOException {
    int count = 300;
    try (RawHttp raw = new RawHttp(server.port(), 60_000)) {
      StringBuilder all = new StringBuilder();
      for (int i = 0; i < count; i++) {
        all.append("GET /echo HTTP/1.1\r\nHost: h").append(i).append("\r\n\r\n");
      }
      raw.send(all.toString());
      for (int i = 0; i < count; i++) {
        Reply reply = raw.read();
        assertEquals("host=h" + i + "\nbody=", reply.body(), reply.toString());
      }
    }
  }

  @Test
  void errorsWithKnownFraming_keepTheConnection() throws IOException {
    try (RawHttp raw = new RawHttp(server.port(), 10_000)) {
      raw.send("GET /nowhere HTTP/1.1\r\nHost: localhost\r\n\r\n" + GET_ECHO);
      Reply missing = raw.read();
      assertEquals(404, missing.status(), missing.toString());
      assertTrue(missing.header("Connection").isEmpty(), missing.toString());
      assertTrue(missing.header("X-Request-Id").isPresent(), missing.toString());
      assertEquals(201, raw.read().status());
    }
  }

  @Test
  void connectionClose_andHttp10_endTheConnectionAfterTheAnswer() throws IOException {
    for (String request : List.of("GET /echo HTTP/1.1\r\nHost: localhost\r\nConnection: keep-alive, close\r\n\r\n",
        "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")) {
      try (RawHttp raw = new RawHttp(server.port(), 10_000)) {
        raw.send(request);
        Reply reply = raw.read();
        assertEquals(201, reply.status(), reply.toString());
        assertEquals("close", reply.header("Connection").orElseThrow(), reply.toString());
        assertTrue(raw.closedByServer(), request);
      }
    }
  }

  @Test
  void bodyPastMaxRequestBody_is413_andTheServerStopsReadingIt() throws IOException {
    try (RawHttp raw = new RawHttp(server.port(), 30_000)) {
      raw.send(post("Content-Length: 1000000000000\r\n", ""));
      Reply reply = raw.read();
      assertEquals(413, reply.status(), reply.toString());
      assertEquals("close", reply.header("Connection").orElseThrow(), reply.toString());
      // The server drains a bounded amount, then closes: the client cannot push 256 MiB into it.
      byte[] piece = new byte[64 * 1024];
      long sent = 0;
      try {
        while (sent < 256L << 20) {
          raw.sendBytes(piece);
          sent += piece.length;
        }
      } catch (IOException expected) {
        // reset by the server once it stopped draining
      }
      assertTrue(sent < 256L << 20, "the server read " + sent + " bytes of a refused body");
    }
  }
}
