package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Every call gets a fresh context, and the context reaches nothing of the host. */
class JsSandboxTest {
  private static Isola isola;

  @BeforeAll
  static void build() {
    isola = Isola.newBuilder()
        .route("/counter", js("globalThis.counter = (globalThis.counter || 0) + 1; return new Response(String(globalThis.counter));"))
        .route("/pollute", js("Object.prototype.polluted = 'yes'; Response.prototype.leak = 1; Array.prototype.push = null;"
            + " return new Response('done');"))
        .route("/check-pollution", js("return new Response(String(({}).polluted) + ',' + String(Response.prototype.leak)"
            + " + ',' + typeof Array.prototype.push);"))
        .route("/probe", js("const expr = new URL(request.url).searchParams.get('expr');"
            + " try { return new Response('reached: ' + String((0, eval)(expr))); }"
            + " catch (e) { return new Response('denied: ' + e.name); }"))
        .route("/globals", js("return new Response(['Java', 'Polyglot', 'Graal', 'load', 'print', 'require', 'process',"
            + " 'Packages', 'java', 'javax', 'quit', 'read', 'readbuffer', 'loadWithNewGlobal', 'WebAssembly', 'setTimeout']"
            + ".filter(n => typeof globalThis[n] !== 'undefined').join(','));"))
        .route("/throw", js("function inner() { throw new TypeError('boom from the handler'); } inner();"))
        .route("/reject", js("await Promise.reject(new RangeError('rejected'));"))
        .route("/not-a-response", js("return { status: 200 };"))
        .route("/never", js("return new Promise(() => {});"))
        .route("/bad-header", js("return new Response('x', { headers: { 'x-ok': '1' } });"))
        .route("/stack-overflow", js("const f = n => f(n + 1) + 1; return new Response(String(f(0)));"))
        .build();
  }

  @AfterAll
  static void close() {
    isola.close();
  }

  private static Handler js(String body) {
    return Handler.javascript("sandbox.js", "export default { async fetch(request, env, ctx) { " + body + " } };");
  }

  @Test
  void globalState_manyThreads_everyCallStartsFresh() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        results.add(pool.submit(() -> isola.handle(Request.get("/counter")).bodyText()));
      }
      for (Future<String> r : results) {
        assertEquals("1", r.get());
      }
    } finally {
      pool.shutdown();
    }
  }

  @Test
  void globalState_virtualThreads_everyCallStartsFresh() throws Exception {
    try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
      List<Future<String>> results = new ArrayList<>();
      for (int i = 0; i < 32; i++) {
        results.add(pool.submit(() -> isola.handle(Request.get("/counter")).bodyText()));
      }
      for (Future<String> r : results) {
        assertEquals("1", r.get());
      }
    }
  }

  @Test
  void prototypePollution_nextCall_seesCleanBuiltins() {
    assertEquals("done", isola.handle(Request.get("/pollute")).bodyText());
    assertEquals("undefined,undefined,function", isola.handle(Request.get("/check-pollution")).bodyText());
  }

  @Test
  void hostGlobals_none_reachable() {
    assertEquals("", isola.handle(Request.get("/globals")).bodyText());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "Java.type('java.lang.System').exit(1)",
      "Polyglot.eval('js', '1')",
      "require('fs')",
      "process.env",
      "load('/etc/passwd')",
      "print('x')",
      "Packages.java.lang.Runtime",
      "new Function('return Java')().type('java.lang.Runtime')",
      "Graal.versionJS",
      "import('/etc/passwd')",
      "quit()",
  })
  void hostAccess_probe_denied(String expr) {
    Response r = isola.handle(Request.get("/probe?expr=" + java.net.URLEncoder.encode(expr, java.nio.charset.StandardCharsets.UTF_8)));
    assertTrue(r.bodyText().startsWith("denied: ") || r.bodyText().equals("reached: [object Promise]"), r.bodyText());
    assertFalse(r.bodyText().contains("java."), r.bodyText());
  }

  @Test
  void guestThrow_givesGuestExceptionWithJsStack() {
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/throw")));
    assertTrue(e.getMessage().contains("boom from the handler"), e.getMessage());
    assertEquals(500, e.httpStatus());
    assertTrue(e.guestStack().orElseThrow().contains("sandbox.js"), e.guestStack().orElseThrow());
    assertTrue(e.guestStack().orElseThrow().contains("inner"), e.guestStack().orElseThrow());
  }

  @Test
  void guestRejection_givesGuestException() {
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/reject")));
    assertTrue(e.getMessage().contains("rejected"), e.getMessage());
  }

  @Test
  void guestResult_notAResponse_explainsTheShape() {
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/not-a-response")));
    assertTrue(e.getMessage().contains("new Response"), e.getMessage());
  }

  @Test
  void guestPromise_neverSettled_failsAtOnce() {
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/never")));
    assertTrue(e.getMessage().contains("never settled"), e.getMessage());
  }

  @Test
  void guestRecursion_unbounded_endsOnlyThatCall() {
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/stack-overflow")));
    assertTrue(e.getMessage().contains("RangeError") || e.getMessage().contains("stack"), e.getMessage());
    assertEquals("1", isola.handle(Request.get("/counter")).bodyText());
  }
}
