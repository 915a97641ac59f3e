package dev.isola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.isola.LimitExceededException.Limit;
import dev.isola.kv.KeyValueStore;
import dev.isola.kv.KeyValueStores;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The capability bindings of JavaScript handlers ({@code env.KV}, {@code env.kv}, {@code env.vars},
 * {@code env.secrets}, {@code fetch}) through the public API, against an in-memory store and a real
 * HTTP server on loopback.
 *
 * <p>Each route runs the request body as the body of an async function of {@code (request, env)};
 * a string result is the response text, anything else its JSON.
 */
class JsCapabilitiesTest {
  private static final String EVAL = """
      const AsyncFunction = (async () => {}).constructor;
      export default {
        async fetch(request, env, ctx) {
          const result = await new AsyncFunction("request", "env", await request.text())(request, env);
          if (result instanceof Response) return result;
          return typeof result === "string" ? new Response(result) : Response.json(result);
        },
      };
      """;

  private static HttpServer upstream;
  private static String origin;
  private static String closedOrigin;
  private static KeyValueStore kv;
  private static KeyValueStore aux;
  private static java.nio.file.Path files;
  private static Isola isola;

  @BeforeAll
  static void build() throws IOException {
    upstream = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    upstream.createContext("/echo", JsCapabilitiesTest::echo);
    upstream.createContext("/bytes", exchange -> answer(exchange, 200, allBytes()));
    upstream.createContext("/big", exchange -> answer(exchange, 200, new byte[4096]));
    upstream.createContext("/redirect", exchange -> {
      exchange.getResponseHeaders().add("Location", "/echo");
      answer(exchange, 302, new byte[0]);
    });
    upstream.start();
    origin = "http://127.0.0.1:" + upstream.getAddress().getPort();
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedOrigin = "http://127.0.0.1:" + socket.getLocalPort();
    }
    files = java.nio.file.Files.createTempDirectory("isola-js-files");
    java.nio.file.Files.createDirectories(files.resolve("static/css"));
    java.nio.file.Files.writeString(files.resolve("static/css/app.css"), "body{} /* é */");
    java.nio.file.Files.write(files.resolve("static/bytes.bin"), allBytes());
    kv = KeyValueStores.inMemory();
    aux = KeyValueStores.inMemory();
    Limits smallResponses = Limits.defaults().toBuilder().maxResponseBody(DataSize.ofKiB(1)).build();
    isola = Isola.newBuilder()
        .store("kv", kv)
        .store("aux", aux)
        .variable("A", "alpha")
        .variable("B", "beta")
        .secret("K", "k-secret")
        .secret("R", "r-secret")
        .route("POST /all", eval().grants(Grants.keyValue("kv"), Grants.keyValue("aux"), Grants.variables("A", "B"),
            Grants.secret("K").injectAs("X-Key").into(closedOrigin), Grants.readableSecrets("R"),
            Grants.outboundHttp(origin, closedOrigin)))
        .route("POST /kv-only", eval().grants(Grants.keyValue("kv")))
        .route("POST /none", eval())
        .route("POST /files", eval().grants(Grants.files(files.resolve("static"), "/static")))
        .route("POST /small-responses", eval().grants(Grants.outboundHttp(origin), Grants.keyValue("kv"))
            .limits(smallResponses))
        .route("POST /captured", Handler.javascript("captured.js", """
            const captured = fetch; // at build time a stand-in, in a call the real one
            export default {
              async fetch(request) { return new Response(await (await captured("%s/echo")).text()); },
            };
            """.formatted(origin)).grants(Grants.outboundHttp(origin)))
        .build();
  }

  @AfterAll
  static void close() throws Exception {
    isola.close();
    upstream.stop(0);
    kv.close();
    aux.close();
  }

  private static Handler eval() {
    return Handler.javascript("eval.js", EVAL);
  }

  private static Response call(String route, String code) {
    return isola.handle(Request.post(route, code));
  }

  private static String text(String route, String code) {
    Response response = call(route, code);
    assertEquals(200, response.status(), response.bodyText());
    return response.bodyText();
  }

  private static void echo(HttpExchange exchange) throws IOException {
    Function<String, String> header = name -> Optional.ofNullable(exchange.getRequestHeaders().getFirst(name)).orElse("-");
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("X-Upstream", "yes");
    exchange.getResponseHeaders().add("Content-Type", "text/plain; charset=utf-8");
    answer(exchange, 201, String.join("|", exchange.getRequestMethod(), header.apply("Authorization"),
        header.apply("X-Custom"), header.apply("Content-Type"), body).getBytes(StandardCharsets.UTF_8));
  }

  private static void answer(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      exchange.getResponseBody().write(body);
    }
    exchange.close();
  }

  private static byte[] allBytes() {
    byte[] bytes = new byte[256];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) i;
    }
    return bytes;
  }

  // ---- key-value ----

  @Test
  void kv_putThenGet_roundTripsTextAsUtf8() {
    String got = text("/all", """
        await env.kv.kv.put("text", "héllo ✓ 😀");
        return await env.kv.kv.get("text");
        """);

    assertEquals("héllo ✓ 😀", got);
    assertArrayEquals("héllo ✓ 😀".getBytes(StandardCharsets.UTF_8), kv.get("text").orElseThrow());
  }

  @Test
  void kv_getText_decodesAsTextDecoderDoes_forAnyBytes() {
    kv.put("bom", new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF, 'a'});
    kv.put("invalid", new byte[] {'a', (byte) 0xFF, 'b', (byte) 0xC3});
    kv.put("valid", "é✓😀".getBytes(StandardCharsets.UTF_8));
    String got = text("/all", """
        const decode = async (key) => new TextDecoder().decode(await env.kv.kv.get(key, "arrayBuffer"));
        const out = [];
        for (const key of ["bom", "invalid", "valid"]) {
          const text = await env.kv.kv.get(key);
          out.push(key + ":" + (text === await decode(key)) + ":" + JSON.stringify(text));
        }
        return out.join(" ");
        """);

    assertEquals("bom:true:\"a\" invalid:true:\"a\uFFFDb\uFFFD\" valid:true:\"é✓😀\"", got);
  }

  @Test
  void kv_putView_getArrayBuffer_isBinarySafe() {
    String got = text("/all", """
        const all = new Uint8Array(258);
        for (let i = 0; i < 256; i++) all[i + 1] = i;
        await env.kv.kv.put("binary", all.subarray(1, 257));
        const back = new Uint8Array(await env.kv.kv.get("binary", "arrayBuffer"));
        return back.length + ":" + back.every((b, i) => b === i);
        """);

    assertEquals("256:true", got);
    assertArrayEquals(allBytes(), kv.get("binary").orElseThrow());
  }

  @Test
  void kv_putArrayBuffer_storesItsBytes() {
    text("/all", "await env.kv.kv.put('buffer', new Uint8Array([0, 255, 128, 10]).buffer); return 'ok';");

    assertArrayEquals(new byte[] {0, (byte) 255, (byte) 128, 10}, kv.get("buffer").orElseThrow());
  }

  @Test
  void kv_getJson_parsesTheValue() {
    String got = text("/all", """
        await env.kv.kv.put("json", JSON.stringify({ n: 1, list: ["é"] }));
        const a = await env.kv.kv.get("json", "json"), b = await env.kv.kv.get("json", { type: "json" });
        return a.list[0] + b.n;
        """);

    assertEquals("é1", got);
  }

  @Test
  void kv_getMissingKey_isNull() {
    assertEquals("null", text("/all", "return String(await env.kv.kv.get('never-written'));"));
  }

  @Test
  void kv_delete_removesTheKey() {
    kv.put("doomed", new byte[] {1});

    String got = text("/all", """
        const result = await env.kv.kv.delete("doomed");
        return typeof result + ":" + await env.kv.kv.get("doomed");
        """);

    assertEquals("undefined:null", got);
    assertFalse(kv.exists("doomed"));
  }

  @Test
  void kv_listWithPrefixAndLimit_answersSortedNamesAndCompleteness() {
    String got = text("/all", """
        for (const k of ["list/b", "list/a", "list/c", "other"]) await env.kv.kv.put(k, "x");
        const some = await env.kv.kv.list({ prefix: "list/", limit: 2 });
        const all = await env.kv.kv.list({ prefix: "list/" });
        return JSON.stringify([some.keys.map((k) => k.name), some.list_complete, all.keys.length, all.list_complete]);
        """);

    assertEquals("[[\"list/a\",\"list/b\"],false,3,true]", got);
  }

  @Test
  void kv_envKV_isTheFirstGrantedStore() {
    String got = text("/all", """
        return JSON.stringify([Object.keys(env.kv), env.KV === env.kv.kv, Object.isFrozen(env.kv), Object.isFrozen(env.KV)]);
        """);

    assertEquals("[[\"kv\",\"aux\"],true,true,true]", got);
  }

  @Test
  void kv_callKeyPrefix_guestSeesKeysWithoutIt() {
    CallOptions tenant1 = CallOptions.newBuilder().keyPrefix("t1/").build();
    CallOptions tenant2 = CallOptions.newBuilder().keyPrefix("t2/").build();

    String written = isola.handle(Request.post("/kv-only", """
        await env.KV.put("cart", "3 apples");
        return JSON.stringify((await env.KV.list({ prefix: "ca" })).keys);
        """), tenant1).bodyText();
    String otherTenant = isola.handle(Request.post("/kv-only", "return String(await env.KV.get('cart'));"), tenant2)
        .bodyText();

    assertEquals("[{\"name\":\"cart\"}]", written);
    assertEquals("null", otherTenant);
    assertArrayEquals("3 apples".getBytes(StandardCharsets.UTF_8), kv.get("t1/cart").orElseThrow());
    assertFalse(kv.exists("cart"));
  }

  @Test
  void kv_valueOverOneMiB_isAnErrorTheHandlerCatches() {
    String got = text("/all", """
        try { await env.kv.kv.put("huge", new Uint8Array(1024 * 1024 + 1)); return "stored"; }
        catch (e) { return e.name + ": " + e.message; }
        """);

    assertTrue(got.startsWith("Error: ") && got.contains("1048577 bytes"), got);
    assertFalse(kv.exists("huge"));
  }

  @Test
  void kv_unsupportedValue_isATypeError() {
    String got = text("/all", "try { await env.KV.put('k', { a: 1 }); } catch (e) { return e.name; }");

    assertEquals("TypeError", got);
  }

  @Test
  void kv_keyWithNul_isAnErrorTheHandlerCatches() {
    String got = text("/all", "try { await env.KV.get('a\\0b'); return 'read'; } catch (e) { return e.name; }");

    assertEquals("Error", got);
  }

  @Test
  void kv_keyWithLoneSurrogate_isAnErrorThatHidesTheCallPrefix() {
    Response response = isola.handle(Request.post("/kv-only",
        "try { await env.KV.put('\\uD800', 'x'); return 'stored'; } catch (e) { return e.name + ': ' + e.message; }"),
        CallOptions.newBuilder().keyPrefix("hidden-tenant/").build());

    assertTrue(response.bodyText().startsWith("Error: key-value key"), response.bodyText());
    assertFalse(response.bodyText().contains("hidden-tenant"), response.bodyText());
  }

  @Test
  void kv_increment_countsFromAbsentAndAnswersNumbers() {
    String got = text("/all", """
        const a = await env.kv.kv.increment("js-count");
        const b = await env.kv.kv.increment("js-count", 41);
        const c = await env.kv.kv.increment("js-count", -50);
        return JSON.stringify([a, b, c, typeof c, await env.kv.kv.get("js-count")]);
        """);

    assertEquals("[1,42,-8,\"number\",\"-8\"]", got);
    assertArrayEquals("-8".getBytes(StandardCharsets.UTF_8), kv.get("js-count").orElseThrow());
  }

  @ParameterizedTest
  @ValueSource(strings = {"'1' | TypeError", "1.5 | RangeError", "2 ** 53 | RangeError", "NaN | RangeError",
      "-Infinity | RangeError", "null | TypeError", "10n | TypeError"})
  void kv_increment_deltaNotASafeInteger_isRejectedNamingIt_storeUntouched(String row) {
    String[] parts = row.split(" \\| ");
    kv.put("js-delta", "5".getBytes(StandardCharsets.UTF_8));
    String got = text("/all", "try { await env.kv.kv.increment('js-delta', " + parts[0] + "); return 'counted'; }"
        + " catch (e) { return e.name + ': ' + e.message; }");

    assertTrue(got.startsWith(parts[1] + ": increment delta must be a safe integer"), got);
    assertArrayEquals("5".getBytes(StandardCharsets.UTF_8), kv.get("js-delta").orElseThrow());
  }

  @Test
  void kv_increment_resultBeyondSafeIntegers_isRangeErrorQuotingTheStoredValue() {
    kv.put("js-big", Long.toString(9007199254740991L).getBytes(StandardCharsets.UTF_8));
    String got = text("/all", "try { return String(await env.kv.kv.increment('js-big', 1)); }"
        + " catch (e) { return e.name + ': ' + e.message; }");

    assertTrue(got.startsWith("RangeError: increment stored 9007199254740992 under key 'js-big'"), got);
    assertArrayEquals("9007199254740992".getBytes(StandardCharsets.UTF_8), kv.get("js-big").orElseThrow());
  }

  @Test
  void kv_increment_notAnIntegerOrOverflow_isAnErrorWithoutTheCallPrefix_valueKept() {
    kv.put("tenant/js-text", "abc".getBytes(StandardCharsets.UTF_8));
    kv.put("tenant/js-max", Long.toString(Long.MAX_VALUE).getBytes(StandardCharsets.UTF_8));
    String got = isola.handle(Request.post("/kv-only", """
        const out = [];
        for (const k of ["js-text", "js-max"]) {
          try { await env.KV.increment(k, 1); out.push("counted"); } catch (e) { out.push(e.name + ": " + e.message); }
        }
        return out.join("\\n");
        """), CallOptions.newBuilder().keyPrefix("tenant/").build()).bodyText();

    String[] lines = got.split("\n");
    assertTrue(lines[0].startsWith("Error: cannot increment key-value key \"js-text\": it holds \"abc\" (3 bytes), not a"
        + " signed 64-bit decimal integer"), got);
    assertTrue(lines[1].startsWith("Error: cannot increment key-value key \"js-max\": it holds " + Long.MAX_VALUE
        + ", and adding 1 would overflow"), got);
    assertFalse(got.contains("tenant/"), got);
    assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), kv.get("tenant/js-text").orElseThrow());
    assertArrayEquals(Long.toString(Long.MAX_VALUE).getBytes(StandardCharsets.UTF_8), kv.get("tenant/js-max").orElseThrow());
  }

  @Test
  void kv_compareAndSet_setsOnlyOnMatch_takesStringsBuffersAndNull() {
    kv.delete("js-cas");
    String got = text("/all", """
        const kv = env.kv.kv, out = [];
        out.push(await kv.compareAndSet("js-cas", null, "one"));
        out.push(await kv.compareAndSet("js-cas", null, "two"));
        out.push(await kv.compareAndSet("js-cas", "two", "three"));
        out.push(await kv.compareAndSet("js-cas", new TextEncoder().encode("one"), new Uint8Array([0, 255]).buffer));
        out.push(await kv.compareAndSet("js-cas", new Uint8Array([9, 0, 255]).subarray(1), null));
        out.push(await kv.get("js-cas"));
        try { await kv.compareAndSet("js-cas", null); } catch (e) { out.push(e.name); }
        try { await kv.compareAndSet("js-cas", null, { a: 1 }); } catch (e) { out.push(e.name); }
        return JSON.stringify(out);
        """);

    assertEquals("[true,false,false,true,true,null,\"TypeError\",\"TypeError\"]", got);
    assertFalse(kv.exists("js-cas"));
  }

  @Test
  void kv_compareAndSet_loopOfConcurrentCalls_countsEveryOne() throws Exception {
    kv.delete("js-loop");
    String code = """
        for (let i = 0; i < 20; i++) {
          for (;;) {
            const seen = await env.KV.get("js-loop");
            if (await env.KV.compareAndSet("js-loop", seen, String((seen === null ? 0 : +seen) + 1))) break;
          }
        }
        return "done";
        """;
    java.util.List<java.util.concurrent.Callable<String>> calls = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      calls.add(() -> text("/kv-only", code));
    }
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
      for (var done : pool.invokeAll(calls)) {
        assertEquals("done", done.get());
      }
    }

    assertArrayEquals("80".getBytes(StandardCharsets.UTF_8), kv.get("js-loop").orElseThrow());
  }

  // ---- files ----

  @Test
  void files_read_answersTextBytesOrNull() {
    String got = text("/files", """
        const bytes = new Uint8Array(await env.files.read("/static/bytes.bin", "arrayBuffer"));
        return JSON.stringify([await env.files.read("/static/css/app.css"), bytes.length, bytes[255],
          await env.files.read("/static/missing.css"), Object.keys(env)]);
        """);

    assertEquals("[\"body{} /* é */\",256,255,null,[\"files\"]]", got);
  }

  @Test
  void files_outsideTheMount_isDenied() {
    String got = text("/files", """
        try { await env.files.read("/etc/passwd"); return "read"; } catch (e) { return e.name + ": " + e.message; }
        """);

    assertTrue(got.startsWith("CapabilityDeniedError: "), got);
  }

  @Test
  void files_dotDot_isAnErrorTheHandlerCatches() {
    String got = text("/files", "try { await env.files.read('/static/../x'); } catch (e) { return e.name; }");

    assertEquals("Error", got);
  }

  // ---- env ----

  @Test
  void env_noGrants_isEmptyAndFetchIsDeniedNotMissing() {
    String got = text("/none", """
        return JSON.stringify([Object.keys(env), Object.isFrozen(env), typeof fetch, typeof globalThis.fetch]);
        """);

    assertEquals("[[],true,\"function\",\"function\"]", got);
  }

  @Test
  void env_ungrantedStore_isNotThere() {
    String got = text("/kv-only", """
        return JSON.stringify([Object.keys(env), Object.keys(env.kv), env.kv.aux === undefined, typeof fetch]);
        """);

    assertEquals("[[\"KV\",\"kv\"],[\"kv\"],true,\"function\"]", got);
  }

  @Test
  void env_vars_holdsTheGrantedVariables() {
    String got = text("/all", "return JSON.stringify([env.vars, Object.isFrozen(env.vars)]);");

    assertEquals("[{\"A\":\"alpha\",\"B\":\"beta\"},true]", got);
  }

  @Test
  void env_secrets_holdsOnlyReadableSecrets() {
    String got = text("/all", "return JSON.stringify([env.secrets, Object.isFrozen(env.secrets)]);");

    assertEquals("[{\"R\":\"r-secret\"},true]", got);
  }

  @Test
  void env_isNewForEveryCall() {
    String code = "const first = !Object.hasOwn(globalThis, 'seen'); globalThis.seen = env; return String(first);";

    assertEquals("true", text("/all", code));
    assertEquals("true", text("/all", code));
  }

  // ---- fetch ----

  @Test
  void fetch_get_answersStatusHeadersAndBody() {
    String got = text("/all", """
        const res = await fetch("%s/echo", { headers: { "X-Custom": "custom" } });
        return JSON.stringify([res.status, res.ok, res.headers.get("x-upstream"), await res.text(), res.redirected]);
        """.formatted(origin));

    assertEquals("[201,true,\"yes\",\"GET|-|custom|-|\",false]", got);
  }

  @Test
  void fetch_postWithBody_sendsMethodHeadersAndBody() {
    String got = text("/all", """
        const res = await fetch(new URL("%s/echo"), { method: "POST", body: "héllo",
          headers: [["content-type", "text/x-test"], ["x-custom", "a"]] });
        return await res.text();
        """.formatted(origin));

    assertEquals("POST|-|a|text/x-test|héllo", got);
  }

  @Test
  void fetch_requestInput_sendsTheRequest() {
    String got = text("/all", """
        const req = new Request("%s/echo", { method: "PUT", body: new Uint8Array([104, 105]), headers: new Headers({ "x-custom": "h" }) });
        return await (await fetch(req)).text();
        """.formatted(origin));

    assertEquals("PUT|-|h|-|hi", got);
  }

  @Test
  void fetch_secretPlaceholderText_isSentAsWritten() {
    String got = text("/all", """
        const res = await fetch("%s/echo", { headers: { authorization: "Bearer {{" + "secrets.K}}" } });
        return await res.text();
        """.formatted(origin));

    assertEquals("GET|Bearer {{secrets.K}}|-|-|", got, "nothing a guest writes is substituted");
  }

  @Test
  void fetch_binaryResponse_isBinarySafe() {
    String got = text("/all", """
        const bytes = new Uint8Array(await (await fetch("%s/bytes")).arrayBuffer());
        return bytes.length + ":" + bytes.every((b, i) => b === i);
        """.formatted(origin));

    assertEquals("256:true", got);
  }

  @Test
  void fetch_redirect_isFollowedAndReported() {
    String got = text("/all", """
        const res = await fetch("%s/redirect");
        return JSON.stringify([res.status, res.redirected, res.url.endsWith("/echo")]);
        """.formatted(origin));

    assertEquals("[201,true,true]", got);
  }

  @Test
  void fetch_responseReturnedAsIs_reachesTheCaller() {
    Response response = call("/all", "return fetch('%s/echo', { method: 'POST', body: 'proxied' });".formatted(origin));

    assertEquals(201, response.status());
    assertEquals("POST|-|-|text/plain;charset=UTF-8|proxied", response.bodyText());
    assertEquals(Optional.of("yes"), response.headers().first("X-Upstream"));
  }

  @Test
  void fetch_ungrantedOrigin_handlerCatchesCapabilityDeniedError() {
    String got = text("/all", """
        try { await fetch("http://127.0.0.2:9/"); return "sent"; }
        catch (e) { return e.name + ": " + e.message; }
        """);

    assertTrue(got.startsWith("CapabilityDeniedError: route \"POST /all\""), got);
    assertTrue(got.contains("127.0.0.2"), got);
  }

  @Test
  void fetch_ungrantedOrigin_uncaught_failsTheCallAsDenied() {
    CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class,
        () -> call("/all", "await fetch('http://127.0.0.2:9/'); return 'sent';"));

    assertEquals(403, e.httpStatus());
    assertTrue(e.getMessage().contains("127.0.0.2"), e.getMessage());
  }

  @Test
  void fetch_ungrantedSecretPlaceholderText_isSentAsWritten() {
    String got = text("/all", """
        return await (await fetch("%s/echo", { headers: { authorization: "{{" + "secrets.NOPE}}" } })).text();
        """.formatted(origin));

    assertEquals("GET|{{secrets.NOPE}}|-|-|", got);
  }

  @Test
  void fetch_connectionRefused_isATypeError() {
    String got = text("/all", """
        try { await fetch("%s/"); return "sent"; } catch (e) { return e.name + ": " + e.message; }
        """.formatted(closedOrigin));

    assertTrue(got.startsWith("TypeError: connection refused"), got);
  }

  @Test
  void fetch_responseOverTheLimit_endsTheCallEvenIfCaught() {
    LimitExceededException e = assertThrows(LimitExceededException.class, () -> call("/small-responses", """
        try { await fetch("%s/big"); } catch (e) { await env.KV.put("after-limit", e.name); return "caught"; }
        return "read";
        """.formatted(origin)));

    assertEquals(Limit.RESPONSE_BODY, e.limit());
    assertFalse(kv.exists("after-limit"), "handler code ran on after the limit");
  }

  @Test
  void fetch_capturedWhenTheModuleLoads_works() {
    Response response = isola.handle(Request.post("/captured", ""));

    assertEquals("GET|-|-|-|", response.bodyText());
  }

  @Test
  void fetch_relativeUrl_isATypeError() {
    String got = text("/all", "try { await fetch('/echo'); return 'sent'; } catch (e) { return e.name; }");

    assertEquals("TypeError", got);
  }

  // ---- build ----

  @ParameterizedTest
  @ValueSource(strings = {"store", "variable", "secret"})
  void build_grantOfUndeclaredName_failsNamingIt(String kind) {
    Grant grant = switch (kind) {
      case "store" -> Grants.keyValue("missing_store");
      case "variable" -> Grants.variables("missing_variable");
      default -> Grants.readableSecrets("missing_secret");
    };

    HandlerLoadException e = assertThrows(HandlerLoadException.class, () -> Isola.newBuilder()
        .store("kv", KeyValueStores.inMemory())
        .route("/x", eval().grants(grant))
        .build());

    assertTrue(e.getMessage().contains("\"missing_" + kind + "\""), e.getMessage());
  }
}
