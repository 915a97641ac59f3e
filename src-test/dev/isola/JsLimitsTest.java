package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.LimitExceededException.Limit;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Limits stop only the offending call, on platform and virtual threads alike, and the same Isola
 * keeps serving. The only timing assertions in the unit tests live here, with generous slack.
 *
 * <p>Each route gets limits under which only the limit its tests are about can end a call, so that a
 * busy machine changes how long a call takes, never how it ends.
 */
class JsLimitsTest {
  /**
   * The timeout of the endless loops. A route's timeout is also the budget its module loads in at
   * build() (and in a call that finds no context built ahead), which on a busy machine can take a
   * few hundred ms: this leaves it ample room.
   */
  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  /**
   * How late past its timeout the endless loop may end. The contract is timeout + 100 ms; on a busy
   * machine the watchdog, the thread that cancels and the caller each wait for a core, so the
   * assertion allows far more: it checks that the timeout is what stops the loop, not how promptly
   * (the test prints how long it took).
   */
  private static final Duration SLACK = Duration.ofSeconds(5);

  private static Isola isola;

  @BeforeAll
  static void build() {
    // Small bodies, and a timeout far longer than any call here takes.
    Limits roomy = Limits.newBuilder()
        .timeout(Duration.ofSeconds(60))
        .maxRequestBody(DataSize.ofKiB(4))
        .maxResponseBody(DataSize.ofMiB(1))
        .build();
    // Only the timeout stops the loops: the allocation budget counts garbage too, but no loop
    // allocates 64 GiB before its timeout.
    Limits loop = roomy.toBuilder().timeout(TIMEOUT).memory(DataSize.ofGiB(64)).build();
    // Only the memory limit stops the bombs: interpreted JavaScript allocates slowly, and a busy
    // machine slows it further, so their timeout is the roomy one.
    Limits bomb = roomy.toBuilder().memory(DataSize.ofMiB(64)).build();
    isola = Isola.newBuilder()
        .defaultLimits(roomy)
        .route("/ok", js("return new Response('ok');"))
        .route("/loop", js("while (true) {}").limits(loop))
        .route("/loop-in-promise", Handler.javascript("promise-loop.js", handler("await Promise.resolve(); for (;;) { await null; }"))
            .limits(loop))
        .route("/alloc", Handler.javascript("alloc.js", handler("const keep = []; for (;;) { keep.push(new Array(100000).fill(1.5)); }"))
            .limits(bomb))
        .route("/alloc-typed", Handler.javascript("alloc-typed.js", handler("const keep = []; for (;;) { keep.push(new Float64Array(1 << 20)); }"))
            .limits(bomb))
        .route("/alloc-strings", Handler.javascript("alloc-strings.js", handler("const keep = []; for (let i = 0; ; i++) { keep.push('x'.repeat(1000) + i); }"))
            .limits(bomb))
        // Neither time nor memory stops the answers over the response cap.
        .route("/huge", Handler.javascript("huge.js", handler("return new Response('x'.repeat(200 * 1024 * 1024));"))
            .limits(roomy.toBuilder().memory(DataSize.ofGiB(2)).build()))
        .route("/huge-bytes", Handler.javascript("huge-bytes.js", handler("return new Response(new Uint8Array(3 * 1024 * 1024));"))
            .limits(roomy.toBuilder().memory(DataSize.ofGiB(1)).build()))
        .route("/echo", js("return new Response(await request.text());"))
        .build();
  }

  @AfterAll
  static void close() {
    isola.close();
  }

  private static String handler(String body) {
    return "export default { async fetch(request, env, ctx) { " + body + " } };";
  }

  private static Handler js(String body) {
    return Handler.javascript("test.js", handler(body));
  }

  private static void assertStillServes(Caller caller) throws InterruptedException {
    assertEquals("ok", caller.handle(isola, Request.get("/ok")).bodyText());
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void timeout_endlessLoop_stoppedNearDeadline(Caller caller) throws InterruptedException {
    long start = System.nanoTime();
    LimitExceededException e = assertThrows(LimitExceededException.class, () -> caller.handle(isola, Request.get("/loop")));
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    System.out.printf("[limits] %s endless loop stopped after %d ms (timeout %d ms)%n", caller, elapsedMs, TIMEOUT.toMillis());
    assertEquals(Limit.TIMEOUT, e.limit());
    assertEquals(504, e.httpStatus());
    assertTrue(elapsedMs < TIMEOUT.plus(SLACK).toMillis(), "stopped after " + elapsedMs + " ms");
    assertStillServes(caller);
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void timeout_loopOfPromiseJobs_stopped(Caller caller) throws InterruptedException {
    LimitExceededException e =
        assertThrows(LimitExceededException.class, () -> caller.handle(isola, Request.get("/loop-in-promise")));
    assertEquals(Limit.TIMEOUT, e.limit());
    assertStillServes(caller);
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void memory_endlessArrays_stoppedAtLimit(Caller caller) throws InterruptedException {
    long start = System.nanoTime();
    LimitExceededException e = assertThrows(LimitExceededException.class, () -> caller.handle(isola, Request.get("/alloc")));
    System.out.printf("[limits] %s array bomb stopped after %d ms%n", caller, (System.nanoTime() - start) / 1_000_000);
    assertEquals(Limit.MEMORY, e.limit());
    assertTrue(e.getMessage().contains("64MiB"), e.getMessage());
    assertStillServes(caller);
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void memory_endlessTypedArrays_stoppedAtLimit(Caller caller) throws InterruptedException {
    LimitExceededException e =
        assertThrows(LimitExceededException.class, () -> caller.handle(isola, Request.get("/alloc-typed")));
    assertEquals(Limit.MEMORY, e.limit());
    assertEquals(503, e.httpStatus());
    assertStillServes(caller);
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void memory_endlessStrings_stoppedAtLimit(Caller caller) throws InterruptedException {
    LimitExceededException e =
        assertThrows(LimitExceededException.class, () -> caller.handle(isola, Request.get("/alloc-strings")));
    assertEquals(Limit.MEMORY, e.limit());
    assertStillServes(caller);
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void maxResponseBody_200MiBString_refused(Caller caller) throws InterruptedException {
    LimitExceededException e = assertThrows(LimitExceededException.class, () -> caller.handle(isola, Request.get("/huge")));
    assertEquals(Limit.RESPONSE_BODY, e.limit());
    assertTrue(e.getMessage().contains("1MiB"), e.getMessage());
    assertStillServes(caller);
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void maxResponseBody_bytesOverCap_refused(Caller caller) throws InterruptedException {
    LimitExceededException e = assertThrows(LimitExceededException.class, () -> caller.handle(isola, Request.get("/huge-bytes")));
    assertEquals(Limit.RESPONSE_BODY, e.limit());
    assertStillServes(caller);
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void maxRequestBody_overCap_refusedWith413(Caller caller) throws InterruptedException {
    Request big = Request.newBuilder().method("POST").target("/echo").body(new byte[4097]).build();
    LimitExceededException e = assertThrows(LimitExceededException.class, () -> caller.handle(isola, big));
    assertEquals(Limit.REQUEST_BODY, e.limit());
    assertEquals(413, e.httpStatus());
    Request fits = Request.newBuilder().method("POST").target("/echo").body("x".repeat(4096)).build();
    assertEquals(4096, caller.handle(isola, fits).bodyLength());
  }
}
