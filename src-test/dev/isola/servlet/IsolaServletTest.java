package dev.isola.servlet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.DataSize;
import dev.isola.GateStore;
import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Limits;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.VirtualThreadPool;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** {@link IsolaServlet} in a real Jetty 12 (ee10) on loopback, called over HTTP. */
class IsolaServletTest {
  private static final String HELLO = """
      export default { fetch(r, env, ctx) { return new Response('hi ' + ctx.params.name) } }
      """;
  private static final String ECHO = """
      export default {
        async fetch(request, env, ctx) {
          const body = await request.arrayBuffer();
          return new Response(body, { status: 201, headers: {
            "content-type": "application/octet-stream",
            "x-path": new URL(request.url).pathname,
            "x-query": new URL(request.url).search,
            "x-demo": request.headers.get("x-demo"),
            "x-seen-id": request.headers.get("x-request-id"),
          } });
        }
      };
      """;
  private static final String THROWS = """
      export default { fetch(r, env, ctx) { throw new Error("secret-internal-detail"); } };
      """;
  private static final String SPINS = """
      export default { fetch(r, env, ctx) { while (true) {} } };
      """;

  private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static Isola isola;
  /** The servlet mapped at /fn/* in context /app. */
  private static Server prefixed;
  /** The servlet mapped at /* in the root context. */
  private static Server root;

  @BeforeAll
  static void start() throws Exception {
    isola = Isola.newBuilder()
        .route("GET /hello/:name", Handler.javascript("hello.js", HELLO))
        .route("GET /wasm", Handler.wasm(Path.of("src-test/wasm/wagi-hello.wasm")))
        .route("POST /echo/...", Handler.javascript("echo.js", ECHO))
        .route("POST /small", Handler.javascript("small.js", ECHO)
            .limits(Limits.newBuilder().maxRequestBody(DataSize.ofKiB(1)).build()))
        .route("/throws", Handler.javascript("throws.js", THROWS))
        // Only the timeout can stop the loop (it allocates nothing like 64 GiB); 2 s leaves its module
        // room to load at build() on a busy machine.
        .route("/spins", Handler.javascript("spins.js", SPINS)
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(2)).memory(DataSize.ofGiB(64)).build()))
        .build();
    prefixed = jetty("/app", new IsolaServlet(isola, "/fn"), "/fn/*");
    root = jetty("/", new IsolaServlet(isola), "/*");
  }

  static Server jetty(String contextPath, IsolaServlet servlet, String mapping) throws Exception {
    return jetty(new Server(), contextPath, servlet, mapping);
  }

  static Server jetty(Server server, String contextPath, IsolaServlet servlet, String mapping) throws Exception {
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler(contextPath);
    context.addServlet(new ServletHolder(servlet), mapping);
    server.setHandler(context);
    server.start();
    return server;
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      prefixed.stop();
      root.stop();
    } finally {
      isola.close();
    }
    assertTrue(prefixed.isStopped() && root.isStopped());
  }

  static URI uri(Server server, String pathAndQuery) {
    return URI.create("http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + pathAndQuery);
  }

  static HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
    return client.send(request.timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofString());
  }

  static HttpResponse<String> get(String pathAndQuery) throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(prefixed, pathAndQuery)));
  }

  @Test
  void get_jsRouteUnderPrefix_answersWithParam() throws Exception {
    HttpResponse<String> response = get("/app/fn/hello/world");

    assertEquals(200, response.statusCode());
    assertEquals("hi world", response.body());
  }

  @Test
  void get_jsRouteAtRootMapping_answersWithParam() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(uri(root, "/hello/root")));

    assertEquals(200, response.statusCode());
    assertEquals("hi root", response.body());
  }

  @Test
  void get_encodedParam_isDecodedOnceByIsola() throws Exception {
    assertEquals("hi J\u00f6rg", get("/app/fn/hello/J%C3%B6rg").body());
  }

  @Test
  void get_wasmRoute_answersFromWagi() throws Exception {
    HttpResponse<String> response = get("/app/fn/wasm");

    assertEquals(200, response.statusCode());
    assertEquals("hello from wagi\n", response.body());
    assertEquals("text/plain", response.headers().firstValue("content-type").orElseThrow());
  }

  @Test
  void post_binaryBody_roundTripsWithQueryAndHeaders() throws Exception {
    byte[] body = new byte[70_000];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) i;
    }
    HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(uri(prefixed, "/app/fn/echo/a%20b?x=1&y=%20"))
        .header("X-Demo", "one").header("X-Demo", "two")
        .POST(BodyPublishers.ofByteArray(body)).build(), BodyHandlers.ofByteArray());

    assertEquals(201, response.statusCode());
    assertArrayEquals(body, response.body());
    assertEquals("/echo/a%20b", response.headers().firstValue("x-path").orElseThrow());
    assertEquals("?x=1&y=%20", response.headers().firstValue("x-query").orElseThrow());
    assertEquals("one, two", response.headers().firstValue("x-demo").orElseThrow());
  }

  @Test
  void get_clientRequestId_isPassedToHandlerAndEchoed() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(uri(prefixed, "/app/fn/echo/id"))
        .header("X-Request-Id", "abc-123.x_y").POST(BodyPublishers.noBody()));

    assertEquals("abc-123.x_y", response.headers().firstValue("x-request-id").orElseThrow());
    assertEquals("abc-123.x_y", response.headers().firstValue("x-seen-id").orElseThrow());
  }

  @Test
  void get_invalidClientRequestId_isReplaced() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(uri(prefixed, "/app/fn/hello/id"))
        .header("X-Request-Id", "a;b"));

    assertTrue(response.headers().firstValue("x-request-id").orElseThrow().matches("[0-9a-f]{16}"));
  }

  @Test
  void get_unknownPath_answers404() throws Exception {
    HttpResponse<String> response = get("/app/fn/nowhere");

    assertEquals(404, response.statusCode());
    assertTrue(response.headers().firstValue("x-request-id").isPresent());
  }

  @Test
  void delete_getOnlyRoute_answers405WithAllow() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(uri(prefixed, "/app/fn/hello/x")).DELETE());

    assertEquals(405, response.statusCode());
    assertTrue(response.headers().firstValue("allow").orElseThrow().contains("GET"));
  }

  @Test
  void get_encodedBackslash_answers400() throws Exception {
    HttpResponse<String> response = get("/app/fn/hello/a%5Cb");

    assertEquals(400, response.statusCode()); // Jetty refuses it before the servlet
  }

  @Test
  void get_dotSegmentsTheContainerLetsThrough_answers400FromIsola() throws Exception {
    Server lenient = jetty("/", new IsolaServlet(isola), "/*");
    try {
      lenient.getConnectors()[0].getConnectionFactory(HttpConnectionFactory.class).getHttpConfiguration()
          .setUriCompliance(UriCompliance.UNSAFE);
      lenient.getDescendant(ServletHandler.class).setDecodeAmbiguousURIs(true);
      HttpResponse<String> response = send(HttpRequest.newBuilder(uri(lenient, "/hello/%2e%2e")));

      assertEquals(400, response.statusCode());
      assertTrue(response.headers().firstValue("x-request-id").isPresent(), "answered by Jetty: " + response.body());
    } finally {
      lenient.stop();
    }
  }

  @Test
  void head_jsRoute_answersHeadersWithoutBody() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(uri(prefixed, "/app/fn/hello/x"))
        .method("HEAD", BodyPublishers.noBody()));

    assertEquals(200, response.statusCode());
    assertEquals("", response.body());
    assertTrue(response.headers().firstValue("content-type").orElseThrow().startsWith("text/plain"));
  }

  @Test
  void post_contentLengthOverCap_answers413() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(uri(prefixed, "/app/fn/small"))
        .POST(BodyPublishers.ofByteArray(new byte[4096])));

    assertEquals(413, response.statusCode());
    assertTrue(response.body().contains("max_request_body of 1KiB"), response.body());
  }

  @Test
  void post_chunkedOverCap_answers413() throws Exception {
    // A stream of unknown length is sent chunked, without Content-Length.
    HttpResponse<String> response = send(HttpRequest.newBuilder(uri(prefixed, "/app/fn/small"))
        .POST(BodyPublishers.ofInputStream(() -> new ChunkedZeros(4096))));

    assertEquals(413, response.statusCode());
  }

  @Test
  void post_chunkedUnderCap_isRead() throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(uri(prefixed, "/app/fn/small"))
        .POST(BodyPublishers.ofInputStream(() -> new ChunkedZeros(1024))));

    assertEquals(201, response.statusCode());
    assertEquals(1024, response.body().length());
  }

  @Test
  void get_spinningHandler_answers504() throws Exception {
    HttpResponse<String> response = get("/app/fn/spins");

    assertEquals(504, response.statusCode());
    assertTrue(response.body().contains("timeout"), response.body());
  }

  @Test
  void get_throwingHandler_answers500WithoutItsMessage() throws Exception {
    HttpResponse<String> response = get("/app/fn/throws");

    assertEquals(500, response.statusCode());
    String id = response.headers().firstValue("x-request-id").orElseThrow();
    assertTrue(response.body().contains("request id " + id), response.body());
    assertFalse(response.body().contains("secret-internal-detail"), response.body());
    assertFalse(response.body().contains("throws.js"), response.body());
  }

  @Test
  void get_everyCallThreadBusy_answers503WithRetryAfter() throws Exception {
    // Isola refuses calls from virtual threads once its call threads and their queue are full. The
    // admitted calls wait in the store until the gate opens, so the one call thread and its queue
    // stay full until a call has been refused, however slowly this machine runs.
    GateStore gate = GateStore.closed();
    try (Isola busy = Isola.newBuilder().callThreads(1).store("kv", gate)
        .route("/held", Handler.javascript("held.js", GateStore.HOLDS).grants(Grants.keyValue("kv"))
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(60)).build()))
        .build()) {
      Server server = jetty(new Server(new VirtualThreadPool()), "/", new IsolaServlet(busy), "/*");
      try {
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
          calls.add(client.sendAsync(HttpRequest.newBuilder(uri(server, "/held")).timeout(Duration.ofSeconds(60)).build(),
              BodyHandlers.ofString()));
        }
        // Only a refused call can answer while the gate is closed.
        CompletableFuture.anyOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        gate.open();
        List<HttpResponse<String>> refused = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> call : calls) {
          HttpResponse<String> response = call.get();
          if (response.statusCode() == 503) {
            refused.add(response);
          } else {
            assertEquals(200, response.statusCode(), response.body());
            assertEquals("v", response.body());
          }
        }

        assertFalse(refused.isEmpty(), "no call was refused");
        assertEquals("1", refused.get(0).headers().firstValue("retry-after").orElseThrow());
        assertTrue(refused.get(0).body().contains("busy"), refused.get(0).body());
      } finally {
        gate.open();
        server.stop();
      }
    }
  }

  @Test
  void get_pathOutsidePrefix_answers404() throws Exception {
    // /fnord is not under /fn; Jetty would not route it to /fn/* anyway, but a servlet mapped at /* would.
    IsolaServlet servlet = new IsolaServlet(isola, "/fn");
    Server server = jetty("/", servlet, "/*");
    try {
      assertEquals(404, send(HttpRequest.newBuilder(uri(server, "/fnord/hello/x"))).statusCode());
      assertEquals("hi x", send(HttpRequest.newBuilder(uri(server, "/fn/hello/x"))).body());
    } finally {
      server.stop();
    }
  }

  @Test
  void constructor_prefixWithTrailingSlash_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new IsolaServlet(isola, "/fn/"));
    assertTrue(e.getMessage().contains("\"/fn/\""), e.getMessage());
  }

  /** {@code length} zero bytes, handed out a few at a time and with no known length. */
  private static final class ChunkedZeros extends InputStream {
    private int left;

    ChunkedZeros(int length) {
      this.left = length;
    }

    @Override
    public int read() {
      return left-- > 0 ? 0 : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (left <= 0) {
        return -1;
      }
      int n = Math.min(Math.min(len, 256), left);
      Arrays.fill(b, off, off + n, (byte) 0);
      left -= n;
      return n;
    }
  }
}
