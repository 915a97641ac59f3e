package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IsolaTest {
  private static final String HELLO = """
      export default {
        async fetch(request, env, ctx) {
          return new Response(`Hello, ${ctx.params.name}!`, { headers: { "content-type": "text/plain" } });
        }
      };
      """;

  @Test
  void handle_paramRoute_passesParamToHandler() {
    try (Isola isola = Isola.newBuilder().route("GET /hello/:name", Handler.javascript("hello.js", HELLO)).build()) {
      Response r = isola.handle(Request.get("/hello/J%C3%B6rg"));
      assertEquals(200, r.status());
      assertEquals("Hello, Jörg!", r.bodyText());
      assertEquals("text/plain", r.headers().first("Content-Type").orElseThrow());
    }
  }

  @Test
  void handle_wildcardRoute_passesTail() {
    String code = "export default { fetch(request, env, ctx) { return new Response(ctx.tail + '|' + ctx.route); } };";
    try (Isola isola = Isola.newBuilder().route("/files/...", Handler.javascript("tail.js", code)).build()) {
      assertEquals("a/b c.txt|/files/...", isola.handle(Request.get("/files/a/b%20c.txt")).bodyText());
      assertEquals("|/files/...", isola.handle(Request.get("/files")).bodyText());
    }
  }

  @Test
  void handle_binaryBody_roundTripsEveryByte() {
    String code = "export default { async fetch(request) { return new Response(await request.arrayBuffer()); } };";
    byte[] body = new byte[1024 * 1024 + 3];
    new java.util.Random(42).nextBytes(body);
    try (Isola isola = Isola.newBuilder().route("POST /echo", Handler.javascript("echo.js", code)).build()) {
      Response r = isola.handle(Request.newBuilder().method("POST").target("/echo").body(body).build());
      org.junit.jupiter.api.Assertions.assertArrayEquals(body, r.bodyBytes());
    }
  }

  @Test
  void handle_noRoute_answers404() {
    try (Isola isola = Isola.newBuilder().route("GET /hello/:name", Handler.javascript("hello.js", HELLO)).build()) {
      assertEquals(404, isola.handle(Request.get("/nope")).status());
    }
  }

  @Test
  void handle_wrongMethod_answers405WithAllow() {
    try (Isola isola = Isola.newBuilder().route("GET /hello/:name", Handler.javascript("hello.js", HELLO)).build()) {
      Response r = isola.handle(Request.post("/hello/x", ""));
      assertEquals(405, r.status());
      assertEquals("GET, HEAD", r.headers().first("Allow").orElseThrow());
    }
  }

  @Test
  void handle_dotSegments_answers400() {
    try (Isola isola = Isola.newBuilder().route("/files/...", Handler.javascript("hello.js", HELLO)).build()) {
      assertEquals(400, isola.handle(Request.get("/files/../secret")).status());
      assertEquals(400, isola.handle(Request.get("/files/%2e%2e/secret")).status());
    }
  }

  @Test
  void handle_head_keepsHeadersDropsBody() {
    try (Isola isola = Isola.newBuilder().route("GET /hello/:name", Handler.javascript("hello.js", HELLO)).build()) {
      Response r = isola.handle(Request.newBuilder().method("HEAD").target("/hello/x").build());
      assertEquals(200, r.status());
      assertEquals(0, r.bodyLength());
      assertTrue(r.headers().contains("content-type"));
    }
  }

  @Test
  void handleAsync_completesWithResponse() throws Exception {
    try (Isola isola = Isola.newBuilder().route("GET /hello/:name", Handler.javascript("hello.js", HELLO)).build()) {
      assertEquals("Hello, a!", isola.handleAsync(Request.get("/hello/a")).get().bodyText());
    }
  }

  @Test
  void handleAsync_guestFails_futureFailsWithGuestException() {
    String code = "export default { fetch() { throw new Error('nope'); } };";
    try (Isola isola = Isola.newBuilder().route("/x", Handler.javascript("x.js", code)).build()) {
      ExecutionException e = assertThrows(ExecutionException.class, () -> isola.handleAsync(Request.get("/x")).get());
      assertTrue(e.getCause() instanceof GuestException, String.valueOf(e.getCause()));
    }
  }

  @Test
  void handle_afterClose_refused() {
    Isola isola = Isola.newBuilder().route("/x", Handler.javascript("hello.js", HELLO)).build();
    isola.close();
    isola.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> isola.handle(Request.get("/x")));
    assertTrue(e.getMessage().contains("closed"));
  }

  @Test
  void build_handlerFileMissing_namesFile(@TempDir Path dir) {
    Path missing = dir.resolve("missing.js");
    HandlerLoadException e = assertThrows(HandlerLoadException.class,
        () -> Isola.newBuilder().route("/x", Handler.javascript(missing)).build());
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
  }

  @Test
  void build_syntaxError_namesFileAndLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("broken.js");
    Files.writeString(file, "export default {\n  fetch(request) {\n    return new Response('x';\n  }\n};\n");
    HandlerLoadException e = assertThrows(HandlerLoadException.class,
        () -> Isola.newBuilder().route("/x", Handler.javascript(file)).build());
    assertTrue(e.getMessage().contains(file + ":3"), e.getMessage());
  }

  @Test
  void build_noFetchExport_explainsShape() {
    HandlerLoadException e = assertThrows(HandlerLoadException.class,
        () -> Isola.newBuilder().route("/x", Handler.javascript("nofetch.js", "export default { get() {} };")).build());
    assertTrue(e.getMessage().contains("nofetch.js"), e.getMessage());
    assertTrue(e.getMessage().contains("export default { async fetch"), e.getMessage());
  }

  @Test
  void build_topLevelEndlessLoop_failsWithinTimeout() {
    // Only the timeout can stop the top level: the loop allocates nothing like 64 GiB.
    Handler looping = Handler.javascript("loop.js", "while (true) {} export default { fetch() {} };")
        .limits(Limits.newBuilder().timeout(java.time.Duration.ofMillis(300)).memory(DataSize.ofGiB(64)).build());
    HandlerLoadException e = assertThrows(HandlerLoadException.class,
        () -> Isola.newBuilder().route("/x", looping).build());
    assertTrue(e.getMessage().contains("loop.js"), e.getMessage());
  }

  @Test
  void build_conflictingRoutes_namesBoth() {
    Handler h = Handler.javascript("hello.js", HELLO);
    RouteConflictException e = assertThrows(RouteConflictException.class,
        () -> Isola.newBuilder().route("GET /users/:id", h).route("GET /users/:name", h).build());
    assertTrue(e.getMessage().contains("/users/:id") && e.getMessage().contains("/users/:name"), e.getMessage());
  }

  @Test
  void route_invalidSpec_failsWhereWritten() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Isola.newBuilder().route("users/:id", Handler.javascript("hello.js", HELLO)));
    assertTrue(e.getMessage().contains("users/:id"), e.getMessage());
  }

  @Test
  void route_declaredTwice_refused() {
    Handler h = Handler.javascript("hello.js", HELLO);
    Isola.Builder b = Isola.newBuilder().route("/a", h);
    assertThrows(IllegalArgumentException.class, () -> b.route("/a", h));
  }
}
