package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.isola.LimitExceededException.Limit;
import dev.isola.kv.KeyValueStores;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile handlers in one table, over JavaScript, WAGI and Extism, each run from a platform thread
 * and from a virtual thread. Every case asserts what it must end with (an exception of the
 * documented type, or an answer that leaks nothing), that it ends within its own timeout plus
 * generous slack (only fail-closed matters here; the deadline itself is checked in JsLimitsTest,
 * WasmWagiTest and WasmExtismTest), and that the same Isola then serves a healthy route.
 *
 * <p>Each case that expects a limit gets limits under which only that limit can end it, so that a
 * busy machine changes how long a case takes, never how it ends: a memory bomb has a timeout it
 * cannot reach before its budget, an endless loop an allocation budget it cannot spend before its
 * timeout, and a case about something else can be ended by neither.
 */
class HostileSuiteTest {
  /**
   * The timeout of the JavaScript loops. A route's timeout is also the budget its module loads in
   * at build() (and in a call that finds no context built ahead), so it must hold that load on a
   * busy machine, where it can take a few hundred ms.
   */
  private static final Duration JS_TIMEOUT = Duration.ofSeconds(2);
  /** The timeout of the WebAssembly loops: a module runs no guest code at build(). */
  private static final Duration WASM_TIMEOUT = Duration.ofMillis(300);
  /** The timeout of the cases that are not about time: far longer than any of them takes. */
  private static final Duration UNHURRIED = Duration.ofSeconds(60);
  /**
   * The JavaScript allocation budget of the loops: it counts garbage too, but no loop allocates this
   * much before its timeout.
   */
  private static final DataSize UNSPENDABLE = DataSize.ofGiB(64);
  private static final long SLACK_MILLIS = 5_000;
  private static final Path WASM = WasmWagiTest.WASM;

  private static Isola isola;

  /** What a case must end with: an exception (and limit), or a response that passes a check. */
  record Expect(Class<? extends IsolaException> type, Limit limit, Predicate<Response> response) {
    static Expect thrown(Class<? extends IsolaException> type) {
      return new Expect(type, null, null);
    }

    static Expect limit(Limit limit) {
      return new Expect(LimitExceededException.class, limit, null);
    }

    static Expect answer(Predicate<Response> check) {
      return new Expect(null, null, check);
    }
  }

  record Case(String name, String route, Handler handler, Request request, Expect expect) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static final List<Case> CASES = new ArrayList<>();

  private static void add(String name, Handler handler, Request request, Expect expect) {
    add(name, handler, request, expect, "/...");
  }

  /** @param pattern the route after {@code /caseN}, e.g. {@code /kv/:store/:key} */
  private static void add(String name, Handler handler, Request request, Expect expect, String pattern) {
    String route = "/case" + CASES.size() + pattern;
    String target = "/case" + CASES.size() + request.target();
    Request routed = request.toBuilder().target(target).build();
    CASES.add(new Case(name, route, handler, routed, expect));
  }

  private static Handler js(String name, String body) {
    return Handler.javascript(name + ".js", "export default { async fetch(request, env, ctx) { " + body + " } };");
  }

  private static Handler wasm(String file) {
    return Handler.wasm(WASM.resolve(file));
  }

  private static Handler plugin(String file, String export) {
    return Handler.wasm(WASM.resolve(file)).export(export);
  }

  private static Request probe(long op, long a, long b) {
    ByteBuffer input = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(op).putLong(a).putLong(b);
    return Request.newBuilder().method("POST").target("/").body(input.array()).build();
  }

  private static Predicate<Response> bodyLacks(String... secrets) {
    return r -> Stream.of(secrets).noneMatch(r.bodyText()::contains);
  }

  static {
    Request get = Request.get("/");
    Request post = Request.post("/", "abc");
    Limits base = Limits.defaults().toBuilder().maxResponseBody(DataSize.ofMiB(1)).maxLogLines(5).build();
    // Only the timeout can end these: JavaScript with a budget it cannot spend, Wasm loops that
    // never grow their memory.
    Limits jsLoop = base.toBuilder().timeout(JS_TIMEOUT).memory(UNSPENDABLE).build();
    Limits wasmLoop = base.toBuilder().timeout(WASM_TIMEOUT).memory(DataSize.ofMiB(32)).build();
    // Only the memory limit can end these.
    Limits bomb = base.toBuilder().timeout(UNHURRIED).memory(DataSize.ofMiB(32)).build();
    // Neither the timeout nor the memory limit can end these: they are about something else.
    Limits unhurried = base.toBuilder().timeout(UNHURRIED).build();

    // ---- JavaScript: loops, memory, recursion, output ----
    add("js endless loop", js("loop", "while (true) {}").limits(jsLoop), get, Expect.limit(Limit.TIMEOUT));
    // Promise jobs allocate as they spin but keep nothing: only the time limit stops them.
    add("js loop in promise jobs", js("promise-loop", "for (;;) { await null; }").limits(jsLoop), get,
        Expect.limit(Limit.TIMEOUT));
    add("js loop in a microtask", js("microtask", "queueMicrotask(() => { for (;;) {} }); await null; return new Response('x');")
        .limits(jsLoop), get, Expect.limit(Limit.TIMEOUT));
    add("js array bomb", js("arrays", "const k = []; for (;;) k.push(new Array(100000).fill(1.5));")
        .limits(bomb), get, Expect.limit(Limit.MEMORY));
    add("js typed array bomb", js("typed", "const k = []; for (;;) k.push(new Float64Array(1 << 20));")
        .limits(bomb), get, Expect.limit(Limit.MEMORY));
    add("js string bomb", js("strings", "let s = 'x'; for (;;) s = s + s;").limits(bomb), get,
        new Expect(IsolaException.class, null, null));
    add("js deep recursion", js("recursion", "const f = n => f(n + 1) + 1; return new Response(String(f(0)));"), get,
        Expect.thrown(GuestException.class));
    add("js huge response", js("huge", "return new Response('x'.repeat(3 * 1024 * 1024));").limits(unhurried), get,
        Expect.limit(Limit.RESPONSE_BODY));
    add("js huge logs", js("logs", "for (let i = 0; i < 2000; i++) console.log('line', i); return new Response('ok');")
        .limits(unhurried), get, Expect.answer(r -> r.bodyText().equals("ok")));
    add("js never settles", js("never", "return new Promise(() => {});").limits(unhurried), get,
        Expect.thrown(GuestException.class));
    add("js throws", js("throws", "throw new Error('secret-internal');"), get, Expect.thrown(GuestException.class));
    add("js throws a non-error", js("throws-value", "throw { toString() { throw 1; } };"), get,
        Expect.thrown(GuestException.class));
    add("js returns no response", js("not-response", "return { status: 200 };"), get, Expect.thrown(GuestException.class));
    add("js response splitting", js("split", "return new Response('x', { headers: { 'x-a': 'b\\r\\nset-cookie: evil' } });"),
        get, Expect.thrown(GuestException.class));
    add("js bad status", js("status", "return new Response('x', { status: 99 });"), get,
        Expect.thrown(GuestException.class));
    // ---- JavaScript: sandbox probes ----
    add("js Java interop", js("java", "return new Response(String(typeof Java) + typeof Polyglot + typeof Graal);"),
        get, Expect.answer(r -> r.bodyText().equals("undefinedundefinedundefined")));
    add("js load and print", js("load", "return new Response(typeof load + typeof print + typeof require + typeof process);"),
        get, Expect.answer(r -> r.bodyText().equals("undefinedundefinedundefinedundefined")));
    add("js eval reaching the host", js("eval", "return new Response(String(eval('typeof Java')) + new Function('return typeof java')());"),
        get, Expect.answer(r -> r.bodyText().equals("undefinedundefined")));
    add("js WebAssembly", js("webassembly", "return new Response(typeof WebAssembly);"), get,
        Expect.answer(r -> r.bodyText().equals("undefined")));
    add("js fetch without grant", js("fetch", "return new Response(String((await fetch('https://example.com/')).status));"),
        get, Expect.thrown(CapabilityDeniedException.class));
    add("js env without grants", js("env", "return new Response(JSON.stringify(Object.keys(env)));"), get,
        Expect.answer(r -> r.bodyText().equals("[]")));
    add("js constructor escapes", js("ctor", "return new Response(String((() => {}).constructor('return typeof Java')()));"),
        get, Expect.answer(r -> r.bodyText().equals("undefined")));
    // ---- JavaScript: capability abuse ----
    add("js ungranted store", js("kv", "return new Response(typeof env.KV);"), get,
        Expect.thrown(CapabilityDeniedException.class));
    add("js key over the cap", js("kv-key", "try { await env.KV.put('k'.repeat(600), 'v'); return new Response('stored'); }"
        + " catch (e) { return new Response('refused'); }").grants(Grants.keyValue("kv")), get,
        Expect.answer(r -> r.bodyText().equals("refused")));
    add("js value over the cap", js("kv-value", "try { await env.KV.put('k', 'v'.repeat(2 * 1024 * 1024)); return new Response('stored'); }"
        + " catch (e) { return new Response('refused'); }").grants(Grants.keyValue("kv")), get,
        Expect.answer(r -> r.bodyText().equals("refused")));
    add("js fetch to a denied origin", js("fetch-denied", "await fetch('http://169.254.169.254/latest/meta-data');")
        .grants(Grants.outboundHttp("https://api.example.com")), get, Expect.thrown(CapabilityDeniedException.class));
    add("js fetch to an IP literal", js("fetch-ip", "await fetch('http://127.0.0.1:22/');")
        .grants(Grants.outboundHttp("https://api.example.com")), get, Expect.thrown(CapabilityDeniedException.class));
    add("js fetch of a file URL", js("fetch-file", "await fetch('file:///etc/passwd');")
        .grants(Grants.outboundHttp("https://api.example.com")), get, Expect.thrown(CapabilityDeniedException.class));
    add("js secret it may only send", js("secret", "return new Response(JSON.stringify([Object.keys(env),"
        + " JSON.stringify(env), String(globalThis.SEALED)]));").grants(Grants.outboundHttp("https://api.example.com"),
        Grants.secret("SEALED").injectAs("Authorization", "Bearer {}").into("https://api.example.com")), get,
        Expect.answer(bodyLacks("sealed-value")));
    add("js reading a secret it may only send", js("secret-read", "return new Response(String(env.secrets.SEALED));")
        .grants(Grants.outboundHttp("https://api.example.com"),
        Grants.secret("SEALED").injectAs("Authorization", "Bearer {}").into("https://api.example.com")), get,
        Expect.thrown(CapabilityDeniedException.class));
    add("js file outside the mount", js("file", "return new Response(String(await env.files.read('/etc/passwd')));"),
        get, Expect.thrown(CapabilityDeniedException.class));

    // ---- WAGI ----
    add("wagi endless loop", wasm("wagi-loop.wasm").limits(wasmLoop), get, Expect.limit(Limit.TIMEOUT));
    add("wagi loop with calls", wasm("wagi-loop-calls.wasm").limits(wasmLoop), get, Expect.limit(Limit.TIMEOUT));
    add("wagi interpreted loop", wasm("wagi-huge-loop.wasm").limits(wasmLoop), get, Expect.limit(Limit.TIMEOUT));
    add("wagi memory.grow bomb", wasm("wagi-grow.wasm").limits(bomb), get, Expect.limit(Limit.MEMORY));
    add("wagi malloc bomb", wasm("wagi-malloc.wasm").limits(bomb), get, Expect.limit(Limit.MEMORY));
    // The memory limit caps the table, and the program exits when a growth is refused.
    add("wagi table growth", wasm("wagi-table-grow.wasm").limits(bomb), get, Expect.thrown(GuestException.class));
    add("wagi recursion", wasm("wagi-recurse.wasm"), get, Expect.thrown(GuestException.class));
    add("wagi unreachable", wasm("wagi-trap-unreachable.wasm"), get, Expect.thrown(GuestException.class));
    add("wagi out of bounds", wasm("wagi-trap-oob.wasm"), get, Expect.thrown(GuestException.class));
    add("wagi divide by zero", wasm("wagi-trap-div0.wasm"), get, Expect.thrown(GuestException.class));
    add("wagi 100 MiB stdout", wasm("wagi-stdout-bomb.wasm").limits(unhurried), get, Expect.limit(Limit.RESPONSE_BODY));
    add("wagi output not CGI", wasm("wagi-bad-cgi.wasm"), get, Expect.thrown(GuestException.class));
    add("wagi exit status", wasm("wagi-exit.wasm"), Request.get("/?9"), Expect.thrown(GuestException.class));
    add("wagi reads /etc/passwd", wasm("wagi-files.wasm"), get, Expect.answer(bodyLacks("root:", "OPENED")));
    add("wagi dumps environ", wasm("wagi-env.wasm"), get, Expect.answer(bodyLacks("PATH=", "HOME=", "JAVA_HOME=")));
    add("wagi ungranted store", wasm("wagi-kv.wasm"), Request.get("/kv/s/k"),
        Expect.answer(r -> r.bodyText().contains("-2")), "/kv/:store/:key");
    add("wagi ungranted variable", wasm("wagi-kv.wasm"), Request.get("/kv/s/var:HIDDEN"),
        Expect.answer(r -> r.bodyText().contains("-2")), "/kv/:store/:key");
    add("wagi ungranted file", wasm("wagi-kv.wasm"), Request.get("/kv/s/k?file=/etc/passwd"),
        Expect.answer(r -> r.bodyText().contains("-2") && !r.bodyText().contains("root:")), "/kv/:store/:key");
    add("wagi ungranted HTTP", wasm("wagi-kv.wasm"), Request.get("/kv/s/k?http=http://169.254.169.254/"),
        Expect.answer(r -> r.bodyText().contains("-2")), "/kv/:store/:key");

    // ---- Extism ----
    add("extism load out of bounds", plugin("extism-hostile.wasm", "load_oob"), post, Expect.thrown(GuestException.class));
    add("extism store out of bounds", plugin("extism-hostile.wasm", "store_oob"), post, Expect.thrown(GuestException.class));
    add("extism use after free", plugin("extism-hostile.wasm", "load_freed"), post, Expect.thrown(GuestException.class));
    add("extism output past its block", plugin("extism-hostile.wasm", "output_oob"), post,
        Expect.thrown(GuestException.class));
    // Past the input the Extism kernel answers 0, and so does Isola: nothing beyond the input is read.
    add("extism input out of bounds", plugin("extism-hostile.wasm", "input_oob"), post,
        Expect.answer(r -> r.status() == 200 && r.bodyLength() == 0));
    add("extism huge alloc", plugin("extism-hostile.wasm", "alloc_huge").limits(bomb), post, Expect.limit(Limit.MEMORY));
    add("extism alloc loop", plugin("extism-hostile.wasm", "alloc_loop").limits(bomb), post, Expect.limit(Limit.MEMORY));
    add("extism bad var key", plugin("extism-hostile.wasm", "var_bad"), post, Expect.thrown(GuestException.class));
    add("extism negative length", plugin("extism-hostile.wasm", "negative_len"), post, Expect.thrown(GuestException.class));
    add("extism endless loop", plugin("extism-hostile.wasm", "loop").limits(wasmLoop), post, Expect.limit(Limit.TIMEOUT));
    add("extism error_set", plugin("extism-error.wasm", "fail"), post, Expect.thrown(GuestException.class));
    add("extism http without grant", Handler.wasm(WASM.resolve("extism-http.wasm")), post,
        Expect.thrown(CapabilityDeniedException.class));
    add("extism output over the cap", plugin("extism-probe.wasm", "probe").limits(unhurried), probe(18, 2 << 20, 0),
        Expect.limit(Limit.RESPONSE_BODY));
    add("extism WASI escape", plugin("extism-probe.wasm", "probe"), probe(25, 3, 0),
        Expect.answer(r -> r.status() == 200));
    add("extism ungranted store", Handler.wasm(WASM.resolve("extism-kv.wasm")), post,
        Expect.answer(r -> r.bodyText().equals("error -2")));
  }

  static Stream<Arguments> cases() {
    return Stream.of(Caller.values()).flatMap(caller -> CASES.stream().map(c -> Arguments.of(caller, c)));
  }

  @BeforeAll
  static void build() {
    Isola.Builder builder = Isola.newBuilder().store("kv", KeyValueStores.inMemory()).variable("HIDDEN", "h")
        .secret("SEALED", "sealed-value")
        .route("/healthy", Handler.javascript("healthy.js", "export default { fetch() { return new Response('ok'); } };"));
    for (Case c : CASES) {
      builder.route(c.route(), c.handler());
    }
    isola = builder.build();
  }

  @AfterAll
  static void close() {
    isola.close();
  }

  @ParameterizedTest(name = "{1} ({0})")
  @MethodSource("cases")
  void hostileCase_failsClosed_andTheIsolaKeepsServing(Caller caller, Case c) throws Exception {
    assertTrue(CASES.size() >= 60, "the suite has " + CASES.size() + " cases");
    long start = System.nanoTime();
    Response response = null;
    RuntimeException thrown = null;
    try {
      response = caller.handle(isola, c.request());
    } catch (RuntimeException e) {
      thrown = e;
    }
    long millis = (System.nanoTime() - start) / 1_000_000;
    long bound = c.handler().limits().orElse(Limits.defaults()).timeout().toMillis() + SLACK_MILLIS;
    assertTrue(millis < bound, c + " took " + millis + " ms");
    Expect expect = c.expect();
    if (expect.type() != null) {
      if (thrown == null) {
        fail(c + " answered " + response.status() + " " + response.bodyText() + " instead of " + expect.type().getSimpleName());
      }
      assertTrue(expect.type().isInstance(thrown), c + " threw " + thrown);
      if (expect.limit() != null) {
        assertEquals(expect.limit(), ((LimitExceededException) thrown).limit(), c + ": " + thrown.getMessage());
      }
    } else {
      if (thrown != null) {
        throw new AssertionError(c + " threw instead of answering", thrown);
      }
      assertTrue(expect.response().test(response), c + " answered " + response.bodyText());
      assertFalse(response.bodyText().contains("secret-internal"));
    }
    assertEquals("ok", caller.handle(isola, Request.get("/healthy")).bodyText(), "after " + c);
  }

  @org.junit.jupiter.api.Test
  void healthyRoute_keepsAnswering_whileHostileRoutesSaturate() throws Exception {
    List<String> hostile = CASES.stream().filter(c -> c.expect().limit() == Limit.TIMEOUT)
        .map(c -> c.request().target()).toList();
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    List<Thread> attackers = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      int n = i;
      attackers.add(Thread.ofVirtual().start(() -> {
        for (int k = n; !stop.get(); k++) {
          try {
            isola.handle(Request.get(hostile.get(k % hostile.size())));
          } catch (RuntimeException expected) {
            // timeouts and overload refusals are what these calls end with
          }
        }
      }));
    }
    // Every healthy call must answer (within the route's own timeout); how fast they answer on this
    // machine is printed, not asserted.
    List<Long> micros = new ArrayList<>();
    try {
      for (int i = 0; i < 100; i++) {
        long start = System.nanoTime();
        assertEquals("ok", isola.handle(Request.get("/healthy")).bodyText(), "healthy call " + i);
        micros.add((System.nanoTime() - start) / 1000);
        Thread.sleep(20);
      }
    } finally {
      stop.set(true);
      for (Thread t : attackers) {
        t.join(10_000);
      }
    }
    java.util.Collections.sort(micros);
    System.out.println("[hostile] healthy route under 6 hostile callers: " + micros.size() + " calls, median "
        + micros.get(micros.size() / 2) + " us, p90 " + micros.get(micros.size() * 9 / 10) + " us, max "
        + micros.get(micros.size() - 1) + " us");
  }
}
