package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.LimitExceededException.Limit;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Extism plugins end to end, in process: the ABI conventions, isolation, misuse of every kind, limits. */
class WasmExtismTest {
  private static final Path WASM = WasmWagiTest.WASM;
  /** The timeout of the endless loop; short, since a module runs no guest code at build(). */
  private static final Duration TIMEOUT = Duration.ofMillis(300);
  /**
   * How late past its timeout the loop may end. The contract is timeout + 100 ms; on a busy machine
   * the watchdog and the caller each wait for a core, so the assertion allows far more: it checks
   * that the timeout is what stops the loop, not how promptly (the test prints how long it took).
   */
  private static final Duration SLACK = Duration.ofSeconds(5);

  private static Isola isola;

  private static Handler plugin(String file, String export) {
    return Handler.wasm(WASM.resolve(file)).export(export);
  }

  @BeforeAll
  static void build() {
    Isola.Builder builder = Isola.newBuilder()
        .route("/greet", plugin("extism-greet.wasm", "greet"))
        .route("/meta/:id", Handler.wasm(WASM.resolve("extism-meta.wasm")).config(Map.of("greeting", "Hi")))
        .route("/meta-bare/:id", Handler.wasm(WASM.resolve("extism-meta.wasm")))
        .route("/fail", plugin("extism-error.wasm", "fail"))
        .route("/fail-silently", plugin("extism-error.wasm", "fail_silently"))
        .route("/log", Handler.wasm(WASM.resolve("extism-log.wasm")))
        .route("/http", Handler.wasm(WASM.resolve("extism-http.wasm")))
        .route("/count", plugin("extism-counter.wasm", "count"))
        .route("/wasi", Handler.wasm(WASM.resolve("extism-wasi.wasm")))
        .route("/probe", plugin("extism-probe.wasm", "probe").limits(Limits.defaults().toBuilder()
            .maxResponseBody(DataSize.ofKiB(64)).build()));
    // The loop never allocates, so only the timeout stops it; the rest have a timeout far longer
    // than they take, so that only their misuse (or, for the allocations, the memory limit) ends them.
    Limits hostileLimits = Limits.defaults().toBuilder().timeout(Duration.ofSeconds(60)).memory(DataSize.ofMiB(16))
        .build();
    for (String misuse : List.of("load_oob", "store_oob", "load_freed", "output_oob", "input_oob", "alloc_huge",
        "alloc_loop", "length_bad", "var_bad", "loop", "negative_len")) {
      Limits limits = misuse.equals("loop") ? hostileLimits.toBuilder().timeout(TIMEOUT).build() : hostileLimits;
      builder.route("/hostile/" + misuse, plugin("extism-hostile.wasm", misuse).limits(limits));
    }
    isola = builder.build();
  }

  @AfterAll
  static void close() {
    isola.close();
  }

  private static void assertHealthy() {
    assertEquals("Hello, healthy!", isola.handle(Request.post("/greet", "healthy")).bodyText());
  }

  @Test
  void greet_turnsInputIntoOutput_withTheHeaderItSet() {
    Response r = isola.handle(Request.post("/greet", "Ada"));
    assertEquals(200, r.status());
    assertEquals("Hello, Ada!", r.bodyText());
    assertEquals("text/plain; charset=utf-8", r.headers().first("Content-Type").orElseThrow());
  }

  @Test
  void greet_isBinarySafe() {
    byte[] name = {0, (byte) 0xff, 'x', 0};
    Response r = isola.handle(Request.newBuilder().method("POST").target("/greet").body(name).build());
    byte[] expected = ("Hello, " + new String(name, StandardCharsets.ISO_8859_1) + "!").getBytes(StandardCharsets.ISO_8859_1);
    assertEquals(new String(expected, StandardCharsets.ISO_8859_1), new String(r.bodyBytes(), StandardCharsets.ISO_8859_1));
  }

  @Test
  void requestDetails_areVars_andConfigIsTheHandlersConfig() {
    Response r = isola.handle(Request.newBuilder().method("PUT").target("/meta/42?a=b").header("X-Test", "yes")
        .body("hello").build());
    assertEquals(200, r.status());
    assertEquals("application/octet-stream", r.headers().first("Content-Type").orElseThrow(),
        "without a content type set by the plugin");
    assertEquals("""
        method=PUT
        path=/meta/42
        query=a=b
        param.id=42
        header.x-test=yes
        config.greeting=Hi
        """, r.bodyText());
  }

  @Test
  void missingConfig_readsAsAbsent() {
    assertTrue(isola.handle(Request.post("/meta-bare/1", "")).bodyText().contains("config.greeting=(none)"));
  }

  @Test
  void statusAndHeaders_comeFromResponseVars() {
    Response r = isola.handle(Request.post("/meta/7", "teapot"));
    assertEquals(418, r.status());
    assertEquals("yes", r.headers().first("X-Teapot").orElseThrow());
  }

  @Test
  void errorSet_becomesAGuestExceptionWithThePluginsMessage() {
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.post("/fail", "")));
    assertTrue(e.getMessage().contains("something broke in the plugin"), e.getMessage());
    assertEquals(500, e.httpStatus());
    GuestException silent = assertThrows(GuestException.class, () -> isola.handle(Request.post("/fail-silently", "")));
    assertTrue(silent.getMessage().contains("returned 7"), silent.getMessage());
    assertHealthy();
  }

  @Test
  void logging_doesNotReachTheResponse() {
    assertEquals("logged", isola.handle(Request.post("/log", "")).bodyText());
  }

  @Test
  void httpRequest_isDeniedWithoutAnOutboundHttpGrant() {
    CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class,
        () -> isola.handle(Request.post("/http", "")));
    assertEquals(403, e.httpStatus());
    assertTrue(e.getMessage().contains("outbound HTTP") && e.getMessage().contains("https://example.com"), e.getMessage());
    assertTrue(e.getMessage().contains("/http"), e.getMessage());
    assertHealthy();
  }

  @Test
  void wasiPlugin_isInitialisedAndRuns() {
    assertEquals("ok", isola.handle(Request.post("/wasi", "")).bodyText());
  }

  @Test
  void everyCall_getsAFreshInstance_alsoFromManyThreadsAtOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<String>> calls = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        calls.add(() -> isola.handle(Request.post("/count", "")).bodyText());
      }
      for (Future<String> f : pool.invokeAll(calls)) {
        assertEquals("1", f.get());
      }
    } finally {
      pool.shutdown();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"load_oob", "store_oob", "load_freed", "output_oob", "var_bad", "negative_len"})
  void outOfBoundsArguments_endTheCallWithAClearGuestError(String misuse) {
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.post("/hostile/" + misuse, "abc")));
    assertTrue(e.getMessage().contains("extism-hostile.wasm"), e.getMessage());
    assertFalse(e.getMessage().contains("Exception"), "no host exception text: " + e.getMessage());
    assertHealthy();
  }

  @Test
  void lengthOfANonBlock_isZero_asInExtism() {
    assertEquals(200, isola.handle(Request.post("/hostile/length_bad", "")).status());
  }

  @Test
  void inputReadPastItsEnd_isZero_asInExtism() {
    assertEquals(200, isola.handle(Request.post("/hostile/input_oob", "abc")).status());
  }

  @Test
  void outputOverTheResponseBodyLimit_endsTheCall() {
    // probe operation 18: alloc(a) and output_set of the whole block
    java.nio.ByteBuffer input = java.nio.ByteBuffer.allocate(24).order(java.nio.ByteOrder.LITTLE_ENDIAN)
        .putLong(18).putLong(64 * 1024 + 1).putLong(0);
    LimitExceededException e = assertThrows(LimitExceededException.class, () -> isola.handle(
        Request.newBuilder().method("POST").target("/probe").body(input.array()).build()));
    assertEquals(Limit.RESPONSE_BODY, e.limit());
    input.clear();
    input.putLong(18).putLong(64 * 1024).putLong(0);
    assertEquals(64 * 1024, isola.handle(Request.newBuilder().method("POST").target("/probe").body(input.array()).build())
        .bodyLength());
  }

  @ParameterizedTest
  @ValueSource(strings = {"alloc_huge", "alloc_loop"})
  void allocations_areBoundedByTheMemoryLimit(String misuse) {
    LimitExceededException e = assertThrows(LimitExceededException.class,
        () -> isola.handle(Request.post("/hostile/" + misuse, "")));
    assertEquals(Limit.MEMORY, e.limit());
    assertHealthy();
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void endlessLoop_isStoppedAtItsTimeout(Caller caller) throws Exception {
    long start = System.nanoTime();
    LimitExceededException e = assertThrows(LimitExceededException.class,
        () -> caller.handle(isola, Request.post("/hostile/loop", "")));
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println("[limits] extism loop on " + caller + " stopped after " + millis + " ms (timeout "
        + TIMEOUT.toMillis() + " ms)");
    assertEquals(Limit.TIMEOUT, e.limit());
    assertTrue(millis < TIMEOUT.plus(SLACK).toMillis(), "stopped after " + millis + " ms");
    assertHealthy();
  }
}
