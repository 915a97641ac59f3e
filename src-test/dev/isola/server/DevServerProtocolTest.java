package dev.isola.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.server.RawHttp.Reply;
import java.io.IOException;
import java.net.InetSocketAddress;
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

  private static Isola isola;
  private static DevServer server;

  @BeforeAll
  static void start() {
    isola = Isola.newBuilder().route("/echo", Handler.javascript("echo.js", ECHO)).build();
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
}
