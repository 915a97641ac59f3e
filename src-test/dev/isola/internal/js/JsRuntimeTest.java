package dev.isola.internal.js;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.DataSize;
import dev.isola.GuestException;
import dev.isola.Handler;
import dev.isola.HandlerLoadException;
import dev.isola.Isola;
import dev.isola.LimitExceededException;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.Response;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JavaScript runtime (isola-runtime.js) seen through the public API: the Web APIs a handler
 * uses, what dispatch hands back to the host, and how it fails.
 *
 * <p>Most behaviours run through one {@code POST /eval} route whose body is the body of an async
 * function; its result comes back as text (a string) or JSON. Every call is a fresh context, so a
 * snippet that tampers with built-ins cannot disturb another test.
 */
class JsRuntimeTest {
  private static final String EVAL = """
      const AsyncFunction = (async () => {}).constructor;
      export default {
        async fetch(request, env, ctx) {
          const result = await new AsyncFunction("request", "ctx", await request.text())(request, ctx);
          if (result instanceof Response) return result;
          return typeof result === "string" ? new Response(result) : Response.json(result);
        },
      };
      """;

  private static final String ECHO = """
      export default {
        async fetch(request, env, ctx) {
          return Response.json({
            method: request.method, url: request.url, headers: [...request.headers],
            body: await request.text(), bodyUsed: request.bodyUsed,
            params: ctx.params, tail: ctx.tail, route: ctx.route, requestId: typeof ctx.requestId,
            frozen: Object.isFrozen(ctx) && Object.isFrozen(ctx.params) && Object.isFrozen(env),
          });
        },
      };
      """;

  private static final String BODY = """
      export default {
        async fetch(request, env, ctx) {
          switch (ctx.params.how) {
            case "text": return new Response(await request.text());
            case "json": return Response.json(await request.json());
            case "arrayBuffer": return new Response(await request.arrayBuffer());
            case "bytes": return new Response(await request.bytes());
            case "twice": {
              await request.text();
              try { await request.text(); return new Response("read twice"); }
              catch (e) { return new Response(e.name + " " + request.bodyUsed); }
            }
            case "clone": return new Response(await request.clone().text() + "|" + await request.text());
          }
        },
      };
      """;

  private static final String FAIL = """
      export default {
        async fetch(request, env, ctx) {
          switch (ctx.params.kind) {
            case "undefined": return undefined;
            case "string": return "just text";
            case "object": return { status: 200, body: "x" };
            case "throw": throw new TypeError("boom");
            case "reject": await null; throw new RangeError("later");
            case "throwValue": throw { code: 42, get broken() { throw new Error("getter"); } };
            case "used": { const r = new Response("x"); await r.text(); return r; }
            case "status": return new Response("x", { status: 600 });
          }
        },
      };
      """;

  private static final String NO_FETCH = """
      export default { handle() {} };
      """;

  private static final String LARGE = """
      export default {
        fetch(request, env, ctx) {
          switch (ctx.params.kind) {
            case "ascii": return new Response("a".repeat(Number(new URL(request.url).searchParams.get("n"))));
            case "utf8": return new Response("\\u00e9".repeat(Number(new URL(request.url).searchParams.get("n"))));
            case "bytes": return new Response(new Uint8Array(Number(new URL(request.url).searchParams.get("n"))));
          }
        },
      };
      """;

  private static final String TAMPER_RESPONSE = """
      Object.defineProperty(Response.prototype, "status", { get() { return 999; } });
      Object.defineProperty(Response.prototype, "headers", { get() { return { "bad\\u0000name": "x" }; } });
      Response.prototype.text = () => Promise.resolve("tampered");
      Response.prototype.arrayBuffer = null;
      export default { async fetch() { return new Response("ok", { status: 201, headers: { "x-a": "1" } }); } };
      """;

  private static final String TAMPER_ARRAY = """
      Array.prototype.push = function () { throw new Error("push is broken"); };
      Array.prototype.join = () => "\\u0000";
      Array.prototype[Symbol.iterator] = function* () { yield "\\u0000"; };
      export default { async fetch(request) { return new Response("ok " + await request.text(), { headers: [["x-a", "1"]] }); } };
      """;

  private static final String TAMPER_PROMISE = """
      Promise.prototype.then = function () { throw new Error("then is broken"); };
      Promise.resolve = () => { throw new Error("resolve is broken"); };
      export default { async fetch(request) { return new Response("ok " + await request.text()); } };
      """;

  private static final String TAMPER_EVERYTHING = """
      Object.defineProperty(Array.prototype, "0", { get() { return "\\u0000"; }, set(v) {}, configurable: true });
      Object.defineProperty(Object.prototype, "t", { get() { return 42; }, set(v) {}, configurable: true });
      Reflect.apply = () => { throw new Error("apply is broken"); };
      WeakMap.prototype.get = () => undefined;
      String.prototype.toLowerCase = () => "\\u0000";
      TextEncoder.prototype.encode = () => new Uint8Array(3);
      export default { fetch() { return new Response("ok", { headers: { "x-a": "1" } }); } };
      """;

  private static final String CONSOLE = """
      const cyclic = { name: "c", get broken() { throw new Error("getter"); } };
      cyclic.self = cyclic;
      const hostile = new Proxy({}, { ownKeys() { throw new Error("keys"); }, get() { throw new Error("get"); } });
      globalThis.console?.log("at load", cyclic); // buffered until dispatch hands over the host's log
      export default {
        fetch(request) {
          console.log("%s %d %i %f %j %o %O %c%%", "s", 1.5, 2.5, "3.5", cyclic, cyclic, hostile, "css");
          console.info(cyclic, [cyclic, [1, [2, [3, [4]]]]], new Map([[cyclic, cyclic]]), new Set([cyclic]));
          console.warn(hostile, Symbol("s"), 10n, -0, null, undefined, () => {}, class K {}, new Date(NaN));
          console.error(new Error("logged"), new Uint8Array(3), new ArrayBuffer(2), request, request.headers);
          console.debug(new URL(request.url), new URLSearchParams("a=1"), Object.create(null), new Array(5));
          console.trace("where");
          console.assert(false, "asserted");
          console.count(); console.time("t"); console.timeEnd("t"); console.group("g"); console.groupEnd();
          console.dir(cyclic); console.table([cyclic]);
          return new Response("logged");
        },
      };
      """;

  private static Isola isola;

  @BeforeAll
  static void buildIsola() {
    Limits small = Limits.newBuilder().maxResponseBody(DataSize.ofBytes(100)).build();
    isola = Isola.newBuilder()
        .route("POST /eval", Handler.javascript("eval.js", EVAL))
        .route("/echo/:id/...", Handler.javascript("echo.js", ECHO))
        .route("/body/:how", Handler.javascript("body.js", BODY))
        .route("/fail/:kind", Handler.javascript("fail.js", FAIL))
        .route("/large/:kind", Handler.javascript("large.js", LARGE).limits(small))
        .route("/tamper/response", Handler.javascript("tamper-response.js", TAMPER_RESPONSE))
        .route("/tamper/array", Handler.javascript("tamper-array.js", TAMPER_ARRAY))
        .route("/tamper/promise", Handler.javascript("tamper-promise.js", TAMPER_PROMISE))
        .route("/tamper/everything", Handler.javascript("tamper-everything.js", TAMPER_EVERYTHING))
        .route("/console", Handler.javascript("console.js", CONSOLE))
        .build();
  }

  @AfterAll
  static void closeIsola() {
    isola.close();
  }

  /**
   * Runs {@code code} as the body of an async function of {@code request} and {@code ctx} in a fresh
   * call; its result as text or JSON.
   */
  private static String js(String code) {
    Response r = isola.handle(Request.post("/eval", code));
    assertEquals(200, r.status(), r.bodyText());
    return r.bodyText();
  }

  /** The name and message of what {@code code} throws, or "no error". */
  private static String errorOf(String code) {
    return js("try { " + code + "; return 'no error'; } catch (e) { return e.name + ': ' + e.message; }");
  }

  /** {@code s} as a JavaScript string literal. */
  private static String lit(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else if (c < 0x20 || c > 0x7e) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.append('"').toString();
  }

  // ---- URL ----

  static Stream<Arguments> urlCases() {
    return Stream.of(
        Arguments.of("https://example.com", null, "https://example.com/"),
        Arguments.of("HTTP://EXAMPLE.COM:80/a", null, "http://example.com/a"),
        Arguments.of("https://example.com:443/x", null, "https://example.com/x"),
        Arguments.of("https://example.com:8443/x", null, "https://example.com:8443/x"),
        Arguments.of("https://example.com/a/b/../c/./d?x=1#f", null, "https://example.com/a/c/d?x=1#f"),
        Arguments.of("https://example.com/a b/%2e%2E/c", null, "https://example.com/c"),
        Arguments.of("http://h/a b/\u00e9?q=\u00e9 1#\u00e9 2", null, "http://h/a%20b/%C3%A9?q=%C3%A9%201#%C3%A9%202"),
        Arguments.of("http://user:pa ss@h/", null, "http://user:pa%20ss@h/"),
        Arguments.of("http://[2001:DB8:0:0:0:0:0:1]:8080/", null, "http://[2001:db8::1]:8080/"),
        Arguments.of("http://[::ffff:192.168.0.1]/", null, "http://[::ffff:c0a8:1]/"),
        Arguments.of("http://0x7f.1/", null, "http://127.0.0.1/"),
        Arguments.of("http://m\u00fcnchen.de/", null, "http://xn--mnchen-3ya.de/"),
        Arguments.of("  http://h/a\tb\n ", null, "http://h/ab"),
        Arguments.of("mailto:someone@example.com", null, "mailto:someone@example.com"),
        Arguments.of("data:text/plain,hello world", null, "data:text/plain,hello world"),
        Arguments.of("file:///C:/Windows/../x", null, "file:///C:/x"),
        Arguments.of("foo://host/path?q#f", null, "foo://host/path?q#f"),
        Arguments.of("../x", "https://example.com/a/b/c", "https://example.com/a/x"),
        Arguments.of("//cdn.example.com/x", "https://example.com/a", "https://cdn.example.com/x"),
        Arguments.of("?q=1", "https://example.com/a/b?c#d", "https://example.com/a/b?q=1"),
        Arguments.of("#f", "https://example.com/a/b?c#d", "https://example.com/a/b?c#f"),
        Arguments.of("/x/y?q", "https://example.com/a/b", "https://example.com/x/y?q"),
        Arguments.of("..", "https://example.com/a/b", "https://example.com/"),
        Arguments.of("http:\\\\other\\x", "http://example.com/a/b", "http://other/x"));
  }

  @ParameterizedTest(name = "{0} against {1}")
  @MethodSource("urlCases")
  void url_parse_matchesWhatwgSerialization(String input, String base, String expected) {
    String call = base == null ? "new URL(" + lit(input) + ")" : "new URL(" + lit(input) + ", " + lit(base) + ")";
    assertEquals(expected, js("return " + call + ".href;"));
  }

  @Test
  void url_components_splitTheHref() {
    String parts = js("""
        const u = new URL("https://user:pw@Example.com:8080/p/a?q=1#h");
        return [u.protocol, u.username, u.password, u.host, u.hostname, u.port, u.pathname, u.search, u.hash,
          u.origin, String(u), JSON.stringify({ u })].join(" ");
        """);
    assertEquals("https: user pw example.com:8080 example.com 8080 /p/a ?q=1 #h https://example.com:8080"
        + " https://user:pw@example.com:8080/p/a?q=1#h {\"u\":\"https://user:pw@example.com:8080/p/a?q=1#h\"}", parts);
  }

  @Test
  void url_invalidInput_throwsTypeErrorNamingIt() {
    assertEquals("TypeError: Invalid URL: /relative (a relative URL needs a base, e.g. new URL(path, request.url))",
        errorOf("new URL('/relative')"));
    assertTrue(errorOf("new URL('http://exa mple.com/')").startsWith("TypeError: Invalid URL: http://exa mple.com/"));
    assertTrue(errorOf("new URL('http://h:65536/')").startsWith("TypeError: Invalid URL"));
    assertTrue(errorOf("new URL('http://[::1/')").startsWith("TypeError: Invalid URL"));
    assertTrue(errorOf("new URL('http://256.0.0.1/')").startsWith("TypeError: Invalid URL"));
    assertEquals("[true,false,true,false]", js(
        "return [URL.canParse('https://a/'), URL.canParse('/a'), URL.canParse('/a', 'https://b/'), URL.parse('x') !== null];"));
  }

  @Test
  void url_setters_rewriteTheirPart() {
    String href = js("""
        const u = new URL("https://a.com/x?y#z");
        u.protocol = "http"; u.hostname = "b.org"; u.port = "8080"; u.pathname = "/a b/../c";
        u.search = "q=1 2"; u.hash = "top"; u.username = "me";
        const v = new URL("https://a.com:99/"); v.host = "c.net"; v.port = "443";
        return u.href + " " + v.href;
        """);
    assertEquals("http://me@b.org:8080/c?q=1%202#top https://c.net/", href);
  }

  @Test
  void url_searchParams_isLiveBothWays() {
    String out = js("""
        const u = new URL("https://x/p?a=1#h");
        u.searchParams.append("b", "x y!");
        u.searchParams.set("a", "\\u00e9");
        const first = u.href;
        u.search = "?c=3";
        const second = u.searchParams.get("c") + " " + u.searchParams.has("a");
        u.searchParams.delete("c");
        return [first, second, u.href].join(" | ");
        """);
    assertEquals("https://x/p?a=%C3%A9&b=x+y%21#h | 3 false | https://x/p#h", out);
  }

  // ---- URLSearchParams ----

  @Test
  void searchParams_formEncoding_decodesPlusAndPercent() {
    String out = js("""
        const p = new URLSearchParams("?a+b=c%20d&e=%E2%82%AC&e=2&bad=%zz&&flag");
        return [p.get("a b"), p.getAll("e").join(","), p.get("bad"), p.get("flag"), String(p.get("none")), p.size, p.toString()].join(" | ");
        """);
    assertEquals("c d | \u20ac,2 | %zz |  | null | 5 | a+b=c+d&e=%E2%82%AC&e=2&bad=%25zz&flag=", out);
  }

  @Test
  void searchParams_recordPairsAndEditing_keepOrder() {
    String out = js("""
        const r = new URLSearchParams({ b: "2", a: "1" });
        const p = new URLSearchParams([["z", "1"], ["a", "2"], ["z", "0"]]);
        p.sort();
        const sorted = p.toString();
        p.set("z", "9"); p.delete("a", "nope"); p.append("q", "'~()");
        return [r.toString(), sorted, p.toString(), p.has("a", "2"), [...p.keys()].join(","), JSON.stringify([...p.entries()])].join(" | ");
        """);
    assertEquals("b=2&a=1 | a=2&z=1&z=0 | a=2&z=9&q=%27%7E%28%29 | true | a,z,q | [[\"a\",\"2\"],[\"z\",\"9\"],[\"q\",\"'~()\"]]", out);
  }

  // ---- Headers ----

  @Test
  void headers_names_areCaseInsensitiveAndIterateSortedLowerCase() {
    String out = js("""
        const h = new Headers([["X-B", "2"], ["x-a", "1"], ["X-b", "3"]]);
        h.append("Content-Type", "  text/plain \\t");
        h.set("X-C", "c");
        h.delete("X-A");
        const seen = [];
        h.forEach((v, k) => seen.push(k + "=" + v));
        return [h.get("x-B"), h.has("CONTENT-TYPE"), String(h.get("x-a")), JSON.stringify([...h]), [...h.keys()].join(","), seen.join(";")].join(" | ");
        """);
    assertEquals("2, 3 | true | null | [[\"content-type\",\"text/plain\"],[\"x-b\",\"2, 3\"],[\"x-c\",\"c\"]]"
        + " | content-type,x-b,x-c | content-type=text/plain;x-b=2, 3;x-c=c", out);
  }

  @Test
  void headers_setCookie_isNeverCombined() {
    String out = js("""
        const h = new Headers({ "set-cookie": "a=1" });
        h.append("Set-Cookie", "b=2; Path=/");
        return [h.get("set-cookie"), JSON.stringify(h.getSetCookie()), JSON.stringify([...h])].join(" | ");
        """);
    assertEquals("a=1, b=2; Path=/ | [\"a=1\",\"b=2; Path=/\"] | [[\"set-cookie\",\"a=1\"],[\"set-cookie\",\"b=2; Path=/\"]]", out);
  }

  @Test
  void headers_invalidNameOrValue_throwsTypeError() {
    assertTrue(errorOf("new Headers({ 'bad name': 'x' })").startsWith("TypeError: Invalid header name"));
    assertTrue(errorOf("new Headers().append('x', 'a\\r\\nInjected: 1')").startsWith("TypeError: Invalid header value"));
    assertTrue(errorOf("new Headers().set('x', 'a\\u0000b')").startsWith("TypeError: Invalid header value"));
    assertTrue(errorOf("new Headers([['only-name']])").startsWith("TypeError"));
    assertEquals("TypeError: Can't modify immutable headers", errorOf("request.headers.set('x', '1')"));
  }

  @Test
  void headers_multipleValues_reachTheHostOnePerValue() {
    Response r = isola.handle(Request.post("/eval", """
        const h = new Headers();
        h.append("Set-Cookie", "a=1"); h.append("set-cookie", "b=2"); h.append("X-M", "1"); h.append("x-m", "2");
        return new Response("ok", { headers: h });
        """));
    assertEquals(List.of("a=1", "b=2"), r.headers().all("set-cookie"));
    assertEquals(List.of("1", "2"), r.headers().all("x-m"));
    assertEquals("text/plain;charset=UTF-8", r.headers().first("content-type").orElseThrow());
  }

  // ---- Request ----

  @Test
  void request_fromHost_carriesMethodUrlHeadersAndContext() {
    Response r = isola.handle(Request.newBuilder().method("PUT").target("/echo/7/a/b?q=1")
        .header("X-A", "1").header("Accept", "text/html").body("hi").build());
    String json = r.bodyText();
    assertTrue(json.contains("\"method\":\"PUT\""), json);
    assertTrue(json.contains("/echo/7/a/b?q=1\""), json);
    assertTrue(json.contains("[\"accept\",\"text/html\"]") && json.contains("[\"x-a\",\"1\"]"), json);
    assertTrue(json.contains("\"body\":\"hi\",\"bodyUsed\":true"), json);
    assertTrue(json.contains("\"params\":{\"id\":\"7\"},\"tail\":\"a/b\",\"route\":\"/echo/:id/...\",\"requestId\":\"string\""), json);
    assertTrue(json.contains("\"frozen\":true"), json);
  }

  @Test
  void request_get_hasAnEmptyBodyThatNeverWearsOut() {
    String json = isola.handle(Request.get("/echo/1")).bodyText();
    assertTrue(json.contains("\"method\":\"GET\"") && json.contains("\"body\":\"\",\"bodyUsed\":false"), json);
  }

  @Test
  void request_bodyReaders_returnTextJsonAndBytes() {
    assertEquals("h\u00e9llo", isola.handle(Request.post("/body/text", "h\u00e9llo")).bodyText());
    assertEquals("{\"a\":[1,\"x\"]}", isola.handle(Request.post("/body/json", "{ \"a\": [1, \"x\"] }")).bodyText());
    assertEquals("h\u00e9llo", isola.handle(Request.post("/body/arrayBuffer", "h\u00e9llo")).bodyText());
    assertEquals("h\u00e9llo", isola.handle(Request.post("/body/bytes", "h\u00e9llo")).bodyText());
    assertEquals("abc|abc", isola.handle(Request.post("/body/clone", "abc")).bodyText());
  }

  @Test
  void request_readTwice_rejectsWithTypeError() {
    assertEquals("TypeError true", isola.handle(Request.post("/body/twice", "x")).bodyText());
  }

  @Test
  void request_binaryBody_roundTripsAll256ByteValues() {
    byte[] all = new byte[256];
    for (int i = 0; i < 256; i++) {
      all[i] = (byte) i;
    }
    Request request = Request.newBuilder().method("POST").target("/body/arrayBuffer").body(all).build();
    assertArrayEquals(all, isola.handle(request).bodyBytes());
    Request viaBytes = Request.newBuilder().method("POST").target("/body/bytes").body(all).build();
    assertArrayEquals(all, isola.handle(viaBytes).bodyBytes());
  }

  @Test
  void request_constructor_normalizesAndValidates() {
    assertEquals("POST|PATCH|custom|https://a.com/x%20y|text/plain;charset=UTF-8|hi|DELETE", js("""
        const r = new Request("https://a.com/x y", { method: "post", body: "hi" });
        const copy = new Request(r, { method: "delete", body: null });
        return [r.method, new Request("https://a/", { method: "PATCH" }).method, new Request("https://a/", { method: "custom" }).method,
          r.url, r.headers.get("content-type"), await r.clone().text(), copy.method].join("|");
        """));
    assertEquals("TypeError: Request with GET/HEAD method cannot have body", errorOf("new Request('https://a/', { body: 'x' })"));
    assertTrue(errorOf("new Request('/relative')").startsWith("TypeError: Invalid URL"));
    assertTrue(errorOf("new Request('https://a/', { method: 'CONNECT' })").startsWith("TypeError: Forbidden method"));
  }

  // ---- Response ----

  @Test
  void response_stringBody_isTextWithUtf8ContentType() {
    Response r = isola.handle(Request.post("/eval", "return new Response('h\\u00e9', { status: 201, statusText: 'Made' });"));
    assertEquals(201, r.status());
    assertEquals("h\u00e9", r.bodyText());
    assertEquals("text/plain;charset=UTF-8", r.headers().first("content-type").orElseThrow());
  }

  @Test
  void response_binaryBodies_keepExactBytesWithoutContentType() {
    for (String body : List.of("new Uint8Array([9, 1, 2, 3, 9]).subarray(1, 4)", "new Uint8Array([1, 2, 3]).buffer",
        "new DataView(new Uint8Array([9, 1, 2, 3]).buffer, 1)", "new Uint16Array([0x0201, 0x0003]).subarray(0, 1).buffer.slice(0, 2)")) {
      Response r = isola.handle(Request.post("/eval", "return new Response(" + body + ");"));
      byte[] expected = body.contains("Uint16Array") ? new byte[] {1, 2} : new byte[] {1, 2, 3};
      assertArrayEquals(expected, r.bodyBytes(), body);
      assertFalse(r.headers().contains("content-type"), body);
    }
  }

  @Test
  void response_urlSearchParamsBody_isFormEncoded() {
    Response r = isola.handle(Request.post("/eval", "return new Response(new URLSearchParams({ a: '1 2', b: '\\u00e9' }));"));
    assertEquals("a=1+2&b=%C3%A9", r.bodyText());
    assertEquals("application/x-www-form-urlencoded;charset=UTF-8", r.headers().first("content-type").orElseThrow());
  }

  @Test
  void response_nullBody_sendsNoBody() {
    Response r = isola.handle(Request.post("/eval", "return new Response(null, { status: 204, headers: { 'x-a': '1' } });"));
    assertEquals(204, r.status());
    assertEquals(0, r.bodyLength());
    assertEquals("1", r.headers().first("x-a").orElseThrow());
  }

  @Test
  void response_json_serializesWithJsonContentType() {
    Response r = isola.handle(Request.post("/eval", "return Response.json({ a: [1, 'x'] }, { status: 202, headers: { 'x-a': '1' } });"));
    assertEquals(202, r.status());
    assertEquals("{\"a\":[1,\"x\"]}", r.bodyText());
    assertEquals("application/json", r.headers().first("content-type").orElseThrow());
    assertEquals("TypeError: Response.json: the data is not JSON-serializable", errorOf("Response.json(undefined)"));
  }

  @Test
  void response_redirect_setsLocationAndStatus() {
    Response r = isola.handle(Request.post("/eval", "return Response.redirect(new URL('/login?next=a b', 'https://x.com/p'), 303);"));
    assertEquals(303, r.status());
    assertEquals("https://x.com/login?next=a%20b", r.headers().first("location").orElseThrow());
    assertEquals(302, isola.handle(Request.post("/eval", "return Response.redirect('https://x.com/');")).status());
    assertTrue(errorOf("Response.redirect('https://x.com/', 200)").startsWith("RangeError: Invalid redirect status"));
  }

  @Test
  void response_statusOutOfRange_throwsRangeError() {
    assertEquals("RangeError: Response status must be in the range 200 to 599, got 600", errorOf("new Response('x', { status: 600 })"));
    assertTrue(errorOf("new Response('x', { status: 199 })").startsWith("RangeError"));
    assertTrue(errorOf("new Response('x', { status: 204 })").startsWith("TypeError: A Response with status 204 cannot have a body"));
    assertTrue(errorOf("new Response('x', { statusText: 'a\\nb' })").startsWith("TypeError: Invalid statusText"));
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/fail/status")));
    assertTrue(e.getMessage().contains("RangeError"), e.getMessage());
  }

  @Test
  void response_readers_consumeOnceAndCloneCopies() {
    assertEquals("x|x|true|TypeError|2|a", js("""
        const r = new Response("x", { headers: { a: "1" } });
        const c = r.clone();
        c.headers.set("a", "2");
        const out = [await r.text(), await c.text(), r.bodyUsed];
        try { await r.text(); } catch (e) { out.push(e.name); }
        out.push(c.headers.get("a"), new TextDecoder().decode(await new Response("a").bytes()));
        return out.join("|");
        """));
    assertEquals("TypeError", js("try { new Response({ not: 'a body' }); } catch (e) { return e.name; }"));
  }

  @Test
  void response_tooLarge_isRefusedBySize() {
    assertEquals(100, isola.handle(Request.get("/large/ascii?n=100")).bodyLength());
    assertEquals(100, isola.handle(Request.get("/large/utf8?n=50")).bodyLength());
    for (String path : List.of("/large/ascii?n=101", "/large/utf8?n=51", "/large/bytes?n=101")) {
      LimitExceededException e = assertThrows(LimitExceededException.class, () -> isola.handle(Request.get(path)), path);
      assertEquals(LimitExceededException.Limit.RESPONSE_BODY, e.limit(), path);
    }
  }

  // ---- console, base64, structuredClone, queueMicrotask ----

  @Test
  void console_cyclicHostileAndOddValues_neverThrow() {
    assertEquals("logged", isola.handle(Request.get("/console")).bodyText());
  }

  @Test
  void base64_atobAndBtoa_followTheHtmlSpec() {
    assertEquals("aGVsbG8=|/w==||hello|\u00ff\u0000|ab", js("""
        return [btoa("hello"), btoa("\\u00ff"), btoa(""), atob(" aGVs\\nbG8 "), atob("/wA="), atob("YWI")].join("|");
        """));
    assertEquals("InvalidCharacterError 5 true", js(
        "try { btoa('\\u20ac'); } catch (e) { return e.name + ' ' + e.code + ' ' + (e instanceof DOMException); }"));
    assertEquals("InvalidCharacterError", js("try { atob('a'); } catch (e) { return e.name; }"));
    assertEquals("InvalidCharacterError", js("try { atob('a*bc'); } catch (e) { return e.name; }"));
  }

  @Test
  void structuredClone_copiesDeepValuesWithCycles() {
    assertEquals("true|true|1|x|true|DataCloneError", js("""
        const o = { m: new Map([["k", new Set([1])]]), d: new Date(5), u: new Uint8Array([1, 2]) };
        o.self = o;
        const c = structuredClone(o);
        let error = "none";
        try { structuredClone({ f() {} }); } catch (e) { error = e.name; }
        return [c !== o && c.self === c, c.m.get("k").has(1), c.d.getTime() / 5, "x",
          c.u[1] === 2 && c.u.buffer !== o.u.buffer, error].join("|");
        """));
  }

  @Test
  void queueMicrotask_runsBeforeTheAwaitedResult() {
    assertEquals("ab", js("let s = ''; queueMicrotask(() => { s += 'a'; }); await null; s += 'b'; return s;"));
  }

  @Test
  void globals_areWritableAndNotEnumerable() {
    assertEquals("false|true|function|5", js("""
        const d = Object.getOwnPropertyDescriptor(globalThis, "Headers");
        const u = typeof URL;
        globalThis.URL = 5;
        return [Object.keys(globalThis).includes("Response"), d.writable && d.configurable, u, URL].join("|");
        """));
  }

  // ---- dispatch failures ----

  @Test
  void build_noFetchMethod_refusedNamingTheExpectedShape() {
    HandlerLoadException e = assertThrows(HandlerLoadException.class,
        () -> Isola.newBuilder().route("/nofetch", Handler.javascript("nofetch.js", NO_FETCH)).build());
    assertTrue(e.getMessage().contains("fetch(request, env, ctx)"), e.getMessage());
  }

  @Test
  void dispatch_nonResponseResult_failsDescribingTheValue() {
    for (String[] c : new String[][] {
        {"undefined", "fetch returned undefined, not a Response"},
        {"string", "fetch returned a string ('just text'), not a Response"},
        {"object", "fetch returned an object ({ status: 200, body: 'x' }), not a Response"},
        {"used", "fetch returned a Response whose body was already read"}}) {
      GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/fail/" + c[0])));
      assertTrue(e.getMessage().contains(c[1]), e.getMessage());
    }
  }

  @Test
  void dispatch_throwOrRejection_failsWithMessageAndStack() {
    GuestException thrown = assertThrows(GuestException.class, () -> isola.handle(Request.get("/fail/throw")));
    assertTrue(thrown.getMessage().contains("TypeError: boom"), thrown.getMessage());
    assertTrue(thrown.guestStack().orElseThrow().contains("fail.js"), thrown.guestStack().orElseThrow());
    GuestException rejected = assertThrows(GuestException.class, () -> isola.handle(Request.get("/fail/reject")));
    assertTrue(rejected.getMessage().contains("RangeError: later"), rejected.getMessage());
  }

  @Test
  void dispatch_thrownNonError_isDescribedSafely() {
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/fail/throwValue")));
    assertTrue(e.getMessage().contains("{ code: 42, broken: [Getter] }"), e.getMessage());
  }

  // ---- tampering: the call answers correctly or fails as a GuestException, nothing else ----

  @Test
  void tamper_responsePrototype_stillAnswersFromInternalState() {
    Response r = isola.handle(Request.get("/tamper/response"));
    assertEquals(201, r.status());
    assertEquals("ok", r.bodyText());
    assertEquals("1", r.headers().first("x-a").orElseThrow());
  }

  @Test
  void tamper_arrayPrototype_stillAnswersCorrectly() {
    Response r = isola.handle(Request.post("/tamper/array", "body"));
    assertEquals("ok body", r.bodyText());
    assertEquals("1", r.headers().first("x-a").orElseThrow());
  }

  @Test
  void tamper_promiseThen_stillSettlesTheCall() {
    assertEquals("ok body", isola.handle(Request.post("/tamper/promise", "body")).bodyText());
  }

  @Test
  void tamper_indexAccessorsAndBuiltins_answerCorrectlyOrFailAsGuest() {
    try {
      Response r = isola.handle(Request.get("/tamper/everything"));
      assertEquals(200, r.status());
      assertEquals("ok", r.bodyText());
      assertEquals("1", r.headers().first("x-a").orElseThrow());
    } catch (GuestException expected) {
      // A well-formed refusal is the other acceptable outcome.
    }
  }
}
