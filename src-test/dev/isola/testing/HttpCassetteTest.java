package dev.isola.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Request;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Outbound HTTP recorded once against a real loopback server, then replayed with the server gone. */
class HttpCassetteTest {
  private static final String HANDLER = """
      export default { async fetch(request, env) {
        const target = new URL(request.url).searchParams.get("to");
        try {
          const res = await fetch(target);
          return new Response(res.status + " " + await res.text());
        } catch (e) { return new Response(e.name + ": " + e.message); }
      } };
      """;

  private static IsolaExtension extension(int port, Path cassette) {
    return IsolaExtension.of(b -> b.secret("KEY", "s3cret-value")
            .route("GET /call", Handler.javascript("call.js", HANDLER)
                .grants(Grants.outboundHttp("http://127.0.0.1:" + port),
                    Grants.secret("KEY").injectAs("X-Key").into("http://127.0.0.1:" + port))))
        .httpCassette(cassette);
  }

  @Test
  void recordsOnce_thenReplaysWithoutTheNetwork(@TempDir Path dir) throws Exception {
    AtomicInteger hits = new AtomicInteger();
    java.util.concurrent.atomic.AtomicReference<String> seenKey = new java.util.concurrent.atomic.AtomicReference<>();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      hits.incrementAndGet();
      seenKey.set(exchange.getRequestHeaders().getFirst("X-Key"));
      byte[] body = ("live " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "text/plain");
      exchange.sendResponseHeaders(201, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    int port = server.getAddress().getPort();
    String url = "http://127.0.0.1:" + port + "/data";
    Path cassette = dir.resolve("cassettes/call.txt");

    IsolaExtension recording = extension(port, cassette);
    recording.beforeEach(null);
    assertEquals("201 live /data", recording.handle(Request.get("/call?to=" + url)).bodyText());
    recording.afterEach(null);
    server.stop(0);

    assertEquals(1, hits.get());
    assertEquals("s3cret-value", seenKey.get(), "the host sent the secret while recording");
    String text = Files.readString(cassette);
    assertTrue(text.contains("=== GET " + url), text);
    assertFalse(text.contains("s3cret-value"), "request headers, and so secrets, are never stored");

    IsolaExtension replaying = extension(port, cassette);
    replaying.beforeEach(null);
    try {
      assertEquals("201 live /data", replaying.handle(Request.get("/call?to=" + url)).bodyText());
      assertEquals(1, hits.get(), "answered from the cassette");
      String second = replaying.handle(Request.get("/call?to=" + url)).bodyText();
      assertTrue(second.startsWith("TypeError") && second.contains("no unused response"), second);
    } finally {
      replaying.afterEach(null);
    }
    assertEquals(text, Files.readString(cassette), "replaying never rewrites the cassette");
  }

  private static IsolaExtension counter(Path cassette) {
    return IsolaExtension.of(b -> b.route("POST /count", Handler.javascript("count.js", """
            export default { async fetch(request, env) {
              const n = Number((await env.KV.get("count")) ?? "0") + 1;
              await env.KV.put("count", String(n));
              return new Response(String(n));
            } };
            """).grants(Grants.keyValue("kv"))))
        .store("kv").httpCassette(cassette);
  }

  @Test
  void keyValueCalls_recordedThenReplayed_andOtherWritesFailTheTest(@TempDir Path dir) {
    Path cassette = dir.resolve("count.http");
    IsolaExtension recording = counter(cassette);
    recording.beforeEach(null);
    recording.kv("kv").put("count", "41".getBytes(StandardCharsets.UTF_8)); // seeded by the test, not recorded
    assertEquals("42", recording.post("/count", "").bodyText());
    recording.afterEach(null);
    Path kvFile = dir.resolve("count.http.kv");
    assertTrue(Files.exists(kvFile));

    IsolaExtension replaying = counter(cassette);
    replaying.beforeEach(null);
    assertEquals("42", replaying.post("/count", "").bodyText(), "the store starts as the recorded read saw it");
    replaying.afterEach(null);

    IsolaExtension changed = counter(cassette);
    changed.beforeEach(null);
    changed.kv("kv").put("count", "5".getBytes(StandardCharsets.UTF_8));
    assertEquals("6", changed.post("/count", "").bodyText());
    AssertionError e = assertThrows(AssertionError.class, () -> changed.afterEach(null));
    assertTrue(e.getMessage().contains("put kv count = NDI=") && e.getMessage().contains("put kv count = Ng=="),
        e.getMessage());
  }

  private static IsolaExtension atomicCounter(Path cassette) {
    return IsolaExtension.of(b -> b.route("POST /count", Handler.javascript("count.js", """
            export default { async fetch(request, env) {
              const a = await env.KV.increment("hits");
              const b = await env.KV.increment("hits", 10);
              const set = await env.KV.compareAndSet("last", null, String(b));
              return new Response(a + " " + b + " " + set);
            } };
            """).grants(Grants.keyValue("kv"))))
        .store("kv").httpCassette(cassette);
  }

  @Test
  void atomicOperations_recordedAsTheirReadsAndWrites_replayedFromTheReadsBeforeTheWrites(@TempDir Path dir)
      throws Exception {
    Path cassette = dir.resolve("atomic.http");
    IsolaExtension recording = atomicCounter(cassette);
    recording.beforeEach(null);
    assertEquals("1 11 true", recording.post("/count", "").bodyText());
    recording.afterEach(null);
    String text = Files.readString(dir.resolve("atomic.http.kv"));
    assertTrue(text.contains("get kv hits absent\nput kv hits = MQ==\nget kv hits = MQ==\nput kv hits = MTE=\n"
        + "get kv last absent\nput kv last = MTE=\n"), text);

    IsolaExtension replaying = atomicCounter(cassette);
    replaying.beforeEach(null);
    assertEquals("1 11 true", replaying.post("/count", "").bodyText(), "not seeded from a read after a write");
    replaying.afterEach(null);
  }

  @Test
  void malformedCassette_namesTheLine(@TempDir Path dir) throws Exception {
    Path cassette = Files.writeString(dir.resolve("bad.txt"), "=== GET http://x/\nstatus: two hundred\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HttpCassette.read(cassette));
    assertTrue(e.getMessage().contains("bad.txt:2:"), e.getMessage());
  }
}
