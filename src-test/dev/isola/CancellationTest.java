package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.LimitExceededException.Limit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Guests that Truffle's own cancel cannot stop (recursion whose every call ends in a stack overflow
 * that its caller catches, in {@code catch} or {@code finally}; in fetch, after an await, or at a
 * module's top level) end at their first stack overflow, which they cannot catch, and after each one
 * the limits of every other call still hold: a JavaScript endless loop and a Wasm endless loop are
 * stopped at their deadline, and a healthy route answers. Each case runs from a platform thread and
 * from a virtual thread, on an Isola of its own. Bounds are generous (only "stopped, not hung" is
 * asserted); the times are printed as {@code [limits]} lines, which {@code jmh/run} reports.
 */
class CancellationTest {
  /** The one limit that can fire in the loop routes; every other limit is generous. */
  private static final Duration TIMEOUT = Duration.ofMillis(500);
  /** For routes where no limit should fire, not even while their module is checked at build time. */
  private static final Limits GENEROUS = Limits.newBuilder().timeout(Duration.ofSeconds(30)).build();
  /**
   * For the hostile routes: room to load their module at build time on a busy machine, and a
   * deadline that ends them if nothing else does.
   */
  private static final Limits HOSTILE = Limits.newBuilder().timeout(Duration.ofSeconds(5)).build();
  /** Generous: a loaded machine may be slow, but a guest that is not stopped never ends. */
  private static final long BOUND_MILLIS = TIMEOUT.toMillis() + 5_000;

  private static final String CATCH = "const f = () => { try { f(); } catch (e) { f(); } }; f();";
  private static final String FINALLY = "const f = () => { try { f(); } finally { f(); } }; f();";
  private static final String CATCH_RETHROW_LATER =
      "const f = (n) => { try { f(n + 1); } catch (e) { try { f(n + 1); } catch (e2) { f(n + 1); } } }; f(0);";
  private static final String OK = "export default { async fetch() { return new Response('ok'); } };";
  /**
   * A guest that neither cancel reaches: a proxy of an empty array whose length reads 0 to the
   * runtime's check and 2<sup>53</sup> - 1 to the method after it, so GraalJS walks that many
   * indices in Java, without a safepoint poll or a function call (the proxy has no has trap); it is
   * written off.
   */
  static final String UNSTOPPABLE = "export default { async fetch() { let reads = 0;"
      + " const lying = new Proxy([], { get: (t, k) => k === 'length' ? (reads++ ? 2 ** 53 - 1 : 0) : t[k] });"
      + " Array.prototype.lastIndexOf.call(lying, 1); } };";

  /** A hostile module: {@code body} in fetch, after an await, or at the top level of calls. */
  static Stream<Arguments> cases() {
    List<Arguments> cases = new ArrayList<>();
    String[][] bodies = {{"catch", CATCH}, {"finally", FINALLY}, {"nested catch", CATCH_RETHROW_LATER}};
    for (String[] body : bodies) {
      for (Caller caller : Caller.values()) {
        cases.add(Arguments.of(body[0] + " recursion in fetch", caller,
            "export default { async fetch() { " + body[1] + " } };"));
        cases.add(Arguments.of(body[0] + " recursion after an await", caller,
            "export default { async fetch() { await null; " + body[1] + " } };"));
        // While the module is checked at build time fetch is a stand-in taking no arguments; in
        // calls it is the real one, fetch(input, init): this top level passes the check, then runs
        // in every sandbox built ahead and in every call.
        cases.add(Arguments.of(body[0] + " recursion at the top level", caller,
            "if (fetch.length !== 0) { " + body[1] + " }\n" + OK));
      }
    }
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}, {1}")
  @MethodSource("cases")
  void hostile_uncancellableGuest_stoppedAndOtherLimitsHold(String name, Caller caller, String module)
      throws InterruptedException {
    Limits tight = Limits.newBuilder().timeout(TIMEOUT).build();
    try (Isola isola = Isola.newBuilder()
        .defaultLimits(GENEROUS)
        .route("/hostile", Handler.javascript("hostile.js", module).limits(HOSTILE))
        .route("/js-loop", Handler.javascript("loop.js", "export default { async fetch() { for (;;) {} } };").limits(tight))
        .route("/wasm-loop", Handler.wasm(WasmWagiTest.WASM.resolve("wagi-loop.wasm")).limits(tight))
        .route("/ok", Handler.javascript("ok.js", OK))
        .build()) {
      long start = System.nanoTime();
      IsolaException stopped = assertThrows(IsolaException.class, () -> caller.handle(isola, Request.get("/hostile")));
      long hostile = (System.nanoTime() - start) / 1_000_000;
      // Its first stack overflow ends it, almost always; rarely (seen once in a hundred runs on a
      // loaded machine) the overflow is not seen in time, and the stop at its deadline ends it.
      boolean overflowed = stopped instanceof GuestException && stopped.getMessage().contains("overflowed the call stack");
      boolean timedOut = stopped instanceof LimitExceededException l && l.limit() == Limit.TIMEOUT;
      assertTrue(overflowed || timedOut, stopped.toString());
      assertTrue(hostile < HOSTILE.timeout().toMillis() + BOUND_MILLIS, "the hostile call took " + hostile + " ms");
      long js = timedLimit(isola, caller, "/js-loop");
      long wasm = timedLimit(isola, caller, "/wasm-loop");
      System.out.printf("[limits] %s after %s: JS endless loop stopped after %d ms, Wasm endless loop after"
          + " %d ms (timeout %d ms); the hostile call itself ended after %d ms%n",
          caller, name, js, wasm, TIMEOUT.toMillis(), hostile);
      assertEquals("ok", caller.handle(isola, Request.get("/ok")).bodyText());
    }
  }

  @ParameterizedTest
  @MethodSource("topLevels")
  void build_topLevelRecursion_failsWithLoadErrorAndNextIsolaServes(String topLevel) throws InterruptedException {
    long start = System.nanoTime();
    HandlerLoadException e = assertThrows(HandlerLoadException.class, () -> Isola.newBuilder()
        .defaultLimits(GENEROUS)
        .route("/hostile", Handler.javascript("hostile.js", topLevel + "\n" + OK))
        .build());
    long elapsed = (System.nanoTime() - start) / 1_000_000;
    assertTrue(e.getMessage().contains("hostile.js") && e.getMessage().contains("overflowed the call stack"), e.getMessage());
    assertTrue(elapsed < BOUND_MILLIS, "build() took " + elapsed + " ms");
    try (Isola isola = Isola.newBuilder().route("/ok", Handler.javascript("ok.js", OK)).build()) {
      assertEquals("ok", Caller.VIRTUAL.handle(isola, Request.get("/ok")).bodyText());
    }
  }

  static Stream<String> topLevels() {
    return Stream.of(CATCH, FINALLY);
  }

  /** Builtins that GraalJS runs over an array-like in a Java loop without polling for a cancel. */
  static Stream<String> hugeArrayLikes() {
    return Stream.of(
        "Array.prototype.lastIndexOf.call({ length: 2 ** 53 - 1 }, 1)",
        "Array.prototype.indexOf.call({ length: 2 ** 53 - 1 }, 1)",
        "Array.prototype.forEach.call({ length: 2 ** 53 - 1 }, () => {})",
        "Array.prototype.some.call({ length: 2 ** 53 - 1 }, () => false)",
        "Array.prototype.reduceRight.call({ length: 2 ** 53 - 1 }, (a) => a, 0)",
        "Array.prototype.copyWithin.call({ length: 2 ** 53 - 1 }, 0, 1)",
        "Array.prototype.reverse.call({ length: 2 ** 53 - 1 })",
        "Array.prototype.splice.call({ length: 2 ** 53 - 1 }, 0, 1)",
        "Array.prototype.shift.call({ length: 2 ** 53 - 1 })",
        "const a = []; a.length = 2 ** 32 - 1; Array.prototype[0] = 1; a.lastIndexOf(2)",
        "[].concat({ length: 2 ** 53 - 2, [Symbol.isConcatSpreadable]: true })",
        "Array.prototype.indexOf.call({ get length() { return 2 ** 53 - 1; } }, 1)");
  }

  @ParameterizedTest
  @MethodSource("hugeArrayLikes")
  void hugeArrayLike_genericArrayMethod_refusedNotRunForEver(String code) throws InterruptedException {
    try (Isola isola = Isola.newBuilder()
        .defaultLimits(GENEROUS)
        .route("/hostile", Handler.javascript("hostile.js", "export default { async fetch() { " + code
            + "; return new Response('finished'); } };").limits(Limits.newBuilder().timeout(TIMEOUT).build()))
        .route("/ok", Handler.javascript("ok.js", OK))
        .build()) {
      long start = System.nanoTime();
      GuestException e = assertThrows(GuestException.class, () -> Caller.PLATFORM.handle(isola, Request.get("/hostile")));
      long elapsed = (System.nanoTime() - start) / 1_000_000;
      assertTrue(e.getMessage().contains("Isola"), e.getMessage());
      assertTrue(elapsed < BOUND_MILLIS, "took " + elapsed + " ms");
      assertEquals("ok", Caller.PLATFORM.handle(isola, Request.get("/ok")).bodyText());
    }
  }

  @Test
  void timeout_recursionCaughtWithoutOverflow_stoppedAtDeadline() throws InterruptedException {
    // Every call ends in an exception its caller catches, none returns normally and nothing loops:
    // without an overflow to end it, only the stop at the deadline does.
    String module = "export default { async fetch() { const f = (n) => { if (n > 200) throw n;"
        + " try { f(n + 1); } catch (e) { f(n + 1); } }; f(0); } };";
    try (Isola isola = Isola.newBuilder()
        .defaultLimits(GENEROUS)
        // Its exceptions allocate fast: a warm engine can spend the default memory budget before the
        // deadline, and this case is about the timeout.
        .route("/hostile", Handler.javascript("hostile.js", module)
            .limits(Limits.newBuilder().timeout(TIMEOUT).memory(DataSize.ofGiB(1024)).build()))
        .route("/ok", Handler.javascript("ok.js", OK))
        .build()) {
      for (Caller caller : Caller.values()) {
        long elapsed = timedLimit(isola, caller, "/hostile");
        System.out.printf("[limits] %s caught recursion (throws, no overflow) stopped after %d ms (timeout %d ms)%n",
            caller, elapsed, TIMEOUT.toMillis());
        assertEquals("ok", caller.handle(isola, Request.get("/ok")).bodyText());
      }
    }
  }

  @Test
  void close_whileGuestRuns_returnsPromptly() throws InterruptedException {
    Isola isola = Isola.newBuilder()
        .defaultLimits(GENEROUS)
        .route("/hostile", Handler.javascript("hostile.js", "export default { async fetch() { const f = (n) => {"
            + " if (n > 200) throw n; try { f(n + 1); } catch (e) { f(n + 1); } }; f(0); } };"))
        .build();
    Thread caller = Thread.ofVirtual().start(() -> {
      try {
        isola.handle(Request.get("/hostile"));
      } catch (IsolaException expected) {
        // stopped by close()
      }
    });
    Thread.sleep(200); // let the guest reach its recursion
    long start = System.nanoTime();
    isola.close();
    long elapsed = (System.nanoTime() - start) / 1_000_000;
    caller.join(Duration.ofMillis(BOUND_MILLIS));
    assertTrue(!caller.isAlive(), "the caller of a call stopped by close() was never answered");
    assertTrue(elapsed < BOUND_MILLIS, "close() took " + elapsed + " ms");
  }

  @Test
  void close_callWaitingForAThread_notStartedAndCloseReturns() throws InterruptedException {
    Limits long_ = Limits.newBuilder().timeout(Duration.ofSeconds(60)).memory(DataSize.ofGiB(1024)).build();
    Isola isola = Isola.newBuilder()
        .callThreads(1)
        .readySandboxes(0)
        .route("/loop", Handler.javascript("loop.js", "export default { async fetch() { for (;;) {} } };").limits(long_))
        .route("/stuck", Handler.javascript("stuck.js", UNSTOPPABLE).limits(long_))
        .build();
    java.util.Map<String, Object> outcomes = new java.util.concurrent.ConcurrentHashMap<>();
    List<Thread> callers = new ArrayList<>();
    for (String path : List.of("/loop", "/stuck")) { // the second waits for the only thread
      callers.add(Thread.ofVirtual().start(() -> {
        try {
          outcomes.put(path, isola.handle(Request.get(path)));
        } catch (RuntimeException e) {
          outcomes.put(path, e);
        }
      }));
      Thread.sleep(300);
    }
    long start = System.nanoTime();
    Thread closer = Thread.ofVirtual().start(isola::close);
    closer.join(Duration.ofMillis(BOUND_MILLIS));
    long elapsed = (System.nanoTime() - start) / 1_000_000;
    assertTrue(!closer.isAlive(), "close() still runs after " + elapsed + " ms");
    for (Thread caller : callers) {
      caller.join(Duration.ofMillis(BOUND_MILLIS));
    }
    for (String path : List.of("/loop", "/stuck")) {
      assertTrue(outcomes.get(path) instanceof IsolaException e && !(e instanceof LimitExceededException)
          && e.getMessage().contains("closing"), path + ": " + outcomes.get(path));
    }
  }

  @Test
  void close_withWrittenOffGuest_jvmStillExits() throws Exception {
    Process child = new ProcessBuilder(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dpolyglot.engine.WarnInterpreterOnly=false", "-Dorg.slf4j.simpleLogger.defaultLogLevel=off",
        "-cp", System.getProperty("java.class.path"), StuckGuestExitChild.class.getName())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      boolean exited = child.waitFor(60, java.util.concurrent.TimeUnit.SECONDS);
      String output = exited ? new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8) : "";
      assertTrue(exited, "the JVM did not exit after Isola.close() with a written-off guest");
      assertEquals(0, child.exitValue());
      assertEquals("stopped timeout\nclosed", output.strip());
    } finally {
      child.destroyForcibly();
    }
  }

  /** Calls {@code path}, asserts it ends with the timeout limit in time, and returns how long it took. */
  private static long timedLimit(Isola isola, Caller caller, String path) {
    long start = System.nanoTime();
    LimitExceededException e = assertThrows(LimitExceededException.class, () -> caller.handle(isola, Request.get(path)));
    long elapsed = (System.nanoTime() - start) / 1_000_000;
    assertEquals(Limit.TIMEOUT, e.limit(), path + ": " + e.getMessage());
    assertTrue(elapsed < BOUND_MILLIS, path + " took " + elapsed + " ms");
    return elapsed;
  }
}
