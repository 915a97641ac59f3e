package dev.isola.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.DataSize;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Limits;
import dev.isola.server.TestHttp.Reply;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DevServerTest {
  private static final String HELLO = """
      export default {
        async fetch(request, env, ctx) {
          return new Response("Hello, " + ctx.params.name + "!", { status: 200, headers: { "content-type": "text/plain" } });
        }
      };
      """;
  private static final String ECHO = """
      export default {
        async fetch(request, env, ctx) {
          const body = await request.text();
          return new Response(request.method + " " + request.url + "\\n" + request.headers.get("x-demo") + "\\n" + body,
              { status: 201, headers: { "x-echo": "yes" } });
        }
      };
      """;
  private static final String THROWS = """
      export default { async fetch(request, env, ctx) { throw new Error("secret-internal-detail"); } };
      """;
  private static final String SPINS = """
      export default { async fetch(request, env, ctx) { while (true) {} } };
      """;
  private static final String ALLOCATES = """
      export default { async fetch(request, env, ctx) { const a = []; while (true) { a.push(new Array(10000).fill(ctx.route)); } } };
      """;

  private static Isola isola;
  private static DevServer server;

  @BeforeAll
  static void start() {
    Limits small = Limits.newBuilder().maxRequestBody(DataSize.ofKiB(1)).build();
    isola = Isola.newBuilder()
        .route("GET /hello/:name", Handler.javascript("hello.js", HELLO))
        .route("/echo", Handler.javascript("echo.js", ECHO))
        .route("POST /small", Handler.javascript("small.js", ECHO).limits(small))
        .route("/throws", Handler.javascript("throws.js", THROWS))
        // Only the timeout can stop the loop (it allocates nothing like 64 GiB); 2 s leaves its module
        // room to load at build() on a busy machine.
        .route("/spins", Handler.javascript("spins.js", SPINS)
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(2)).memory(DataSize.ofGiB(64)).build()))
        // Only the memory limit can stop the bomb, however slowly the machine runs it.
        .route("/allocates", Handler.javascript("allocates.js", ALLOCATES)
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(60)).memory(DataSize.ofMiB(4)).build()))
        .build();
    server = DevServer.start(isola, new InetSocketAddress("127.0.0.1", 0));
  }

  @AfterAll
  static void stop() {
    server.close();
    isola.close();
  }

  private static URI uri(String target) {
    return server.uri().resolve(target);
  }

  private static Reply get(String target) throws IOException {
    return TestHttp.get(uri(target));
  }

  private static Reply call(String method, String target, Map<String, String> headers, byte[] body, boolean chunked)
      throws IOException {
    return TestHttp.call(method, uri(target), headers, body, chunked);
  }

  /** Sends {@code request} as raw bytes and returns the status line of the answer. */
  private static String raw(String request) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", server.port())) {
      socket.setSoTimeout(5000);
      OutputStream out = socket.getOutputStream();
      out.write(request.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      InputStream in = socket.getInputStream();
      StringBuilder line = new StringBuilder();
      for (int c = in.read(); c >= 0 && c != '\r' && c != '\n'; c = in.read()) {
        line.append((char) c);
      }
      return line.toString();
    }
  }

  @Test
  void start_portZero_listensOnPickedPort() {
    assertTrue(server.port() > 0);
    assertEquals(URI.create("http://127.0.0.1:" + server.port() + "/"), server.uri());
  }

  @Test
  void get_paramRoute_greetsNameAndAddsRequestId() throws Exception {
    Reply response = get("/hello/world");

    assertEquals(200, response.status());
    assertEquals("Hello, world!", response.body());
    assertEquals("text/plain", response.header("content-type").orElseThrow());
    assertTrue(response.header("x-request-id").orElseThrow().matches("[0-9a-f]{16}"));
  }

  @Test
  void get_clientRequestId_isKeptAndEchoed() throws Exception {
    Reply response = call("GET", "/hello/id", Map.of("X-Request-Id", "abc-123.x_y"), new byte[0], false);

    assertEquals("abc-123.x_y", response.header("x-request-id").orElseThrow());
  }

  @Test
  void get_invalidClientRequestId_isReplaced() throws Exception {
    Reply response = call("GET", "/hello/id", Map.of("X-Request-Id", "a b;c"), new byte[0], false);

    assertTrue(response.header("x-request-id").orElseThrow().matches("[0-9a-f]{16}"));
  }

  @Test
  void post_echo_seesMethodUrlHeadersAndBody() throws Exception {
    Reply response = TestHttp.post(uri("/echo?x=1&y=%20"), Map.of("X-Demo", "yes"), "hi there");

    assertEquals(201, response.status());
    assertEquals("POST " + uri("/echo?x=1&y=%20") + "\nyes\nhi there", response.body());
    assertEquals("yes", response.header("x-echo").orElseThrow());
  }

  @Test
  void get_unknownPath_answers404() throws Exception {
    assertEquals(404, get("/nowhere").status());
  }

  @Test
  void delete_getOnlyRoute_answers405WithAllow() throws Exception {
    Reply response = call("DELETE", "/hello/x", Map.of(), new byte[0], false);

    assertEquals(405, response.status());
    assertTrue(response.header("allow").orElseThrow().contains("GET"));
  }

  @Test
  void head_paramRoute_answersHeadersOnly() throws Exception {
    Reply response = call("HEAD", "/hello/x", Map.of(), new byte[0], false);

    assertEquals(200, response.status());
    assertEquals("", response.body());
    assertEquals("text/plain", response.header("content-type").orElseThrow());
  }

  @Test
  void raw_dotSegments_answers400() throws IOException {
    assertEquals("HTTP/1.1 400 Bad Request", raw("GET /a/../b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  }

  @Test
  void raw_malformedRequestLine_answers400() throws IOException {
    assertEquals("HTTP/1.1 400 Bad Request", raw("NONSENSE\r\n\r\n"));
  }

  @Test
  void raw_badHeaderName_answers400() throws IOException {
    assertEquals("HTTP/1.1 400 Bad Request",
        raw("GET /hello/x HTTP/1.1\r\nHost: x\r\nBad(Name): y\r\nConnection: close\r\n\r\n"));
  }

  @Test
  void post_contentLengthOverCap_answers413() throws Exception {
    Reply response = call("POST", "/small", Map.of(), new byte[4096], false);

    assertEquals(413, response.status());
    assertTrue(response.body().contains("max_request_body of 1KiB"), response.body());
  }

  @Test
  void post_chunkedOverCap_answers413() throws Exception {
    Reply response = call("POST", "/small", Map.of(), new byte[4096], true);

    assertEquals(413, response.status());
  }

  @Test
  void post_chunkedAtCap_isRead() throws Exception {
    byte[] body = "a".repeat(1024).getBytes(StandardCharsets.UTF_8);
    Reply response = call("POST", "/small", Map.of(), body, true);

    assertEquals(201, response.status());
    assertTrue(response.body().endsWith("a".repeat(1024)));
  }

  @Test
  void get_handlerThrows_answers500WithoutTheMessage() throws Exception {
    Reply response = get("/throws");

    assertEquals(500, response.status());
    assertFalse(response.body().contains("secret-internal-detail"), response.body());
    assertTrue(response.body().contains(response.header("x-request-id").orElseThrow()));
  }

  @Test
  void get_handlerPastTimeout_answers504() throws Exception {
    Reply response = get("/spins");

    assertEquals(504, response.status());
    assertTrue(response.body().startsWith("504 Gateway Timeout"), response.body());
  }

  @Test
  void get_handlerPastMemory_answers503WithRetryAfter() throws Exception {
    Reply response = get("/allocates");

    assertEquals(503, response.status());
    assertEquals("1", response.header("retry-after").orElseThrow());
  }

  @Test
  void serve_afterFailuresAndMalformedRequests_keepsServing() throws Exception {
    raw("NONSENSE\r\n\r\n");
    raw("GET /a/../b HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    raw("GET /hello/x HTTP/1.1\r\nHost: x\r\nBad(Name): y\r\n\r\n");
    get("/throws");
    get("/spins");

    Reply response = get("/hello/again");

    assertEquals(200, response.status());
    assertEquals("Hello, again!", response.body());
  }

  @Test
  void get_fiftyRequestsFromEightThreads_allAnswered() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<Reply>> responses = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        String name = "n" + i;
        responses.add(pool.submit(() -> get("/hello/" + name)));
      }
      for (int i = 0; i < 50; i++) {
        Reply response = responses.get(i).get();
        assertEquals(200, response.status());
        assertEquals("Hello, n" + i + "!", response.body());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void close_startedServer_stopsAccepting() throws Exception {
    DevServer other = DevServer.start(isola, new InetSocketAddress("127.0.0.1", 0));
    int port = other.port();
    assertEquals(200, TestHttp.get(other.uri().resolve("/hello/x")).status());

    other.close();

    assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", port).close());
  }

  @Test
  void start_portInUse_failsNamingTheAddress() {
    var e = assertThrows(java.io.UncheckedIOException.class,
        () -> DevServer.start(isola, new InetSocketAddress("127.0.0.1", server.port())));

    assertTrue(e.getMessage().contains("127.0.0.1:" + server.port()), e.getMessage());
  }
}
