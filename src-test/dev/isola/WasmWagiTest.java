package dev.isola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.LimitExceededException.Limit;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** WAGI handlers end to end, in process: the CGI contract, isolation, hostile programs and limits. */
class WasmWagiTest {
  static final Path WASM = Path.of("src-test/wasm");
  /** The timeout of the endless loops; short, since a module runs no guest code at build(). */
  private static final Duration TIMEOUT = Duration.ofMillis(300);
  /**
   * How late past its timeout a loop may end. The contract is timeout + 100 ms; on a busy machine
   * the watchdog and the caller each wait for a core, so the assertion allows far more: it checks
   * that the timeout is what stops the loop, not how promptly (the test prints how long it took).
   */
  private static final Duration SLACK = Duration.ofSeconds(5);

  private static Isola isola;

  static Handler wasm(String file) {
    return Handler.wasm(WASM.resolve(file));
  }

  @BeforeAll
  static void build() {
    // Only the timeout stops the loops: they never grow their memory.
    Limits tight = Limits.defaults().toBuilder().timeout(TIMEOUT).build();
    // Only the memory limit stops the bombs (and caps the growing table), however slowly a busy
    // machine runs them.
    Limits bomb = Limits.defaults().toBuilder().timeout(Duration.ofSeconds(60)).memory(DataSize.ofMiB(16)).build();
    isola = Isola.newBuilder()
        .route("GET /hello", wasm("wagi-hello.wasm"))
        .route("/env/:name/...", wasm("wagi-env.wasm"))
        .route("POST /echo", wasm("wagi-echo.wasm"))
        .route("/status", wasm("wagi-status.wasm"))
        .route("/files", wasm("wagi-files.wasm"))
        .route("/exit", wasm("wagi-exit.wasm"))
        .route("/bomb", wasm("wagi-stdout-bomb.wasm").limits(Limits.defaults().toBuilder()
            .maxResponseBody(DataSize.ofMiB(1)).build()))
        .route("/stderr", wasm("wagi-stderr.wasm"))
        .route("/random", wasm("wagi-random-clock.wasm"))
        .route("/counter", wasm("wagi-counter.wasm"))
        .route("/loop", wasm("wagi-loop.wasm").limits(tight))
        .route("/loop-calls", wasm("wagi-loop-calls.wasm").limits(tight))
        .route("/grow", wasm("wagi-grow.wasm").limits(bomb))
        .route("/recurse", wasm("wagi-recurse.wasm"))
        .route("/trap/unreachable", wasm("wagi-trap-unreachable.wasm"))
        .route("/trap/oob", wasm("wagi-trap-oob.wasm"))
        .route("/trap/div0", wasm("wagi-trap-div0.wasm"))
        .route("/bad-cgi", wasm("wagi-bad-cgi.wasm"))
        .route("/huge-loop", wasm("wagi-huge-loop.wasm").limits(tight))
        .route("/table-grow", wasm("wagi-table-grow.wasm").limits(bomb))
        .route("/malloc", wasm("wagi-malloc.wasm").limits(bomb))
        .build();
  }

  @AfterAll
  static void close() {
    isola.close();
  }

  private static void assertHealthy() {
    Response r = isola.handle(Request.get("/hello"));
    assertEquals(200, r.status());
    assertEquals("hello from wagi\n", r.bodyText());
  }

  private static Map<String, String> env(Response r) {
    return r.bodyText().lines().filter(l -> l.contains("="))
        .collect(Collectors.toMap(l -> l.substring(0, l.indexOf('=')), l -> l.substring(l.indexOf('=') + 1)));
  }

  @Test
  void hello_answersWithItsCgiHeadersAndBody() {
    Response r = isola.handle(Request.get("/hello"));
    assertEquals(200, r.status());
    assertEquals("text/plain", r.headers().first("Content-Type").orElseThrow());
    assertEquals("hello from wagi\n", r.bodyText());
  }

  @Test
  void environment_holdsTheCgiVariablesAndNothingOfTheHost() {
    Request request = Request.newBuilder().method("PUT").target("/env/J%C3%BCrgen/a/b%20c?x=1&y=%20")
        .header("X-Test", "one").header("X-Test", "two").header("Content-Type", "text/plain")
        .header("Host", "example.com:8080").header("Proxy", "http://evil").header("X-Request-Id", "req-42")
        .body("hi").build();
    Map<String, String> env = env(isola.handle(request));
    assertEquals("PUT", env.get("REQUEST_METHOD"));
    assertEquals("/env/Jürgen/a/b c", env.get("PATH_INFO"));
    assertEquals("/env/J%C3%BCrgen/a/b%20c", env.get("X_RAW_PATH_INFO"));
    assertEquals("x=1&y=%20", env.get("QUERY_STRING"));
    assertEquals("/env/J%C3%BCrgen/a/b%20c?x=1&y=%20", env.get("REQUEST_URI"));
    assertEquals("text/plain", env.get("CONTENT_TYPE"));
    assertEquals("2", env.get("CONTENT_LENGTH"));
    assertEquals("one, two", env.get("HTTP_X_TEST"));
    assertEquals("example.com", env.get("SERVER_NAME"));
    assertEquals("8080", env.get("SERVER_PORT"));
    assertEquals("Jürgen", env.get("X_PARAM_NAME"));
    assertEquals("a/b c", env.get("X_PATH_TAIL"));
    assertEquals("/env/:name/...", env.get("X_MATCHED_ROUTE"));
    assertEquals("req-42", env.get("X_REQUEST_ID"));
    assertEquals("CGI/1.1", env.get("GATEWAY_INTERFACE"));
    assertFalse(env.containsKey("HTTP_PROXY"), "httpoxy: the Proxy header never becomes HTTP_PROXY");
    assertFalse(env.containsKey("HTTP_CONTENT_TYPE"));
    for (String host : List.of("PATH", "HOME", "USER", "JAVA_HOME", "PWD")) {
      assertFalse(env.containsKey(host), host + " of the host leaked into the guest");
    }
    assertTrue(env.keySet().stream().allMatch(k -> k.startsWith("HTTP_") || k.startsWith("X_") || k.equals(k.toUpperCase())));
  }

  @Test
  void echo_passesABinaryBodyThroughByteForByte() {
    byte[] body = new byte[300_000];
    ThreadLocalRandom.current().nextBytes(body);
    Response r = isola.handle(Request.newBuilder().method("POST").target("/echo")
        .header("Content-Type", "application/x-test").body(body).build());
    assertEquals(200, r.status());
    assertEquals("application/x-test", r.headers().first("Content-Type").orElseThrow());
    assertEquals("POST", r.headers().first("X-Method").orElseThrow());
    assertEquals("300000", r.headers().first("X-Length").orElseThrow());
    assertArrayEquals(body, r.bodyBytes());
  }

  @Test
  void status_andCustomHeaders_comeFromTheCgiHeaderLines() {
    Response r = isola.handle(Request.get("/status"));
    assertEquals(404, r.status());
    assertEquals("yes", r.headers().first("X-Custom").orElseThrow());
    assertEquals("not here\n", r.bodyText());
  }

  @Test
  void head_isServedByTheGetRouteWithoutABody() {
    Response r = isola.handle(Request.newBuilder().method("HEAD").target("/hello").build());
    assertEquals(200, r.status());
    assertEquals(0, r.bodyLength());
  }

  @Test
  void files_ofTheHostCannotBeOpened() {
    String body = isola.handle(Request.get("/files")).bodyText();
    assertFalse(body.contains("OPENED"), body);
    assertFalse(body.contains("root:"), body);
    assertTrue(body.contains("denied"), body);
  }

  @Test
  void exit_zeroAnswers_nonZeroIsAGuestError() {
    assertEquals(200, isola.handle(Request.get("/exit?0")).status());
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/exit?3")));
    assertTrue(e.getMessage().contains("exited with status 3"), e.getMessage());
    assertEquals(500, e.httpStatus());
    assertHealthy();
  }

  @Test
  void stdoutBomb_endsWithTheResponseBodyLimit() {
    LimitExceededException e = assertThrows(LimitExceededException.class, () -> isola.handle(Request.get("/bomb")));
    assertEquals(Limit.RESPONSE_BODY, e.limit());
    assertTrue(e.getMessage().contains("stdout"), e.getMessage());
    assertHealthy();
  }

  @Test
  void stderr_doesNotReachTheResponse() {
    Response r = isola.handle(Request.get("/stderr"));
    assertEquals("logged\n", r.bodyText());
  }

  @Test
  void randomAndClock_areAvailable() {
    Map<String, String> first = env(isola.handle(Request.get("/random")));
    Map<String, String> second = env(isola.handle(Request.get("/random")));
    assertEquals(32, first.get("random").length());
    assertNotEquals(first.get("random"), second.get("random"));
    long now = System.currentTimeMillis() / 1000;
    assertTrue(Math.abs(Long.parseLong(first.get("time")) - now) < 60, first.toString());
  }

  @Test
  void everyCall_getsAFreshInstance_alsoFromManyThreadsAtOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Callable<String>> calls = new ArrayList<>();
      for (int i = 0; i < 200; i++) {
        calls.add(() -> isola.handle(Request.get("/counter")).bodyText());
      }
      for (Future<String> f : pool.invokeAll(calls)) {
        assertEquals("global=1 memory=1\n", f.get());
      }
    } finally {
      pool.shutdown();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"/loop", "/loop-calls", "/huge-loop"})
  void endlessLoop_isStoppedAtItsTimeout_onPlatformThreads(String path) throws Exception {
    assertStoppedInTime(Caller.PLATFORM, path);
  }

  @ParameterizedTest
  @ValueSource(strings = {"/loop", "/loop-calls", "/huge-loop"})
  void endlessLoop_isStoppedAtItsTimeout_onVirtualThreads(String path) throws Exception {
    assertStoppedInTime(Caller.VIRTUAL, path);
  }

  private static void assertStoppedInTime(Caller caller, String path) throws InterruptedException {
    long start = System.nanoTime();
    LimitExceededException e = assertThrows(LimitExceededException.class,
        () -> caller.handle(isola, Request.get(path)));
    long millis = (System.nanoTime() - start) / 1_000_000;
    System.out.println("[limits] wasm " + path + " on " + caller + " stopped after " + millis + " ms (timeout "
        + TIMEOUT.toMillis() + " ms)");
    assertEquals(Limit.TIMEOUT, e.limit());
    assertTrue(millis < TIMEOUT.plus(SLACK).toMillis(), "stopped after " + millis + " ms");
    assertFalse(Thread.currentThread().isInterrupted(), "the interrupt that stopped the guest must not leak");
    assertHealthy();
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void memoryGrowBomb_endsWithTheMemoryLimit(Caller caller) throws Exception {
    LimitExceededException e = assertThrows(LimitExceededException.class,
        () -> caller.handle(isola, Request.get("/grow")));
    assertEquals(Limit.MEMORY, e.limit());
    assertTrue(e.getMessage().contains("memory limit is 16MiB"), e.getMessage());
    assertHealthy();
  }

  @Test
  void mallocUntilItFails_isTheMemoryLimit_notAPlainExit() {
    LimitExceededException e = assertThrows(LimitExceededException.class, () -> isola.handle(Request.get("/malloc")));
    assertEquals(Limit.MEMORY, e.limit());
    assertHealthy();
  }

  @Test
  void tables_areFreshPerCall_andCappedByTheMemoryLimit() {
    for (int i = 0; i < 3; i++) {
      GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/table-grow")));
      assertTrue(e.getMessage().contains("exited with status 101"), "call " + i + ": " + e.getMessage());
    }
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void unboundedRecursion_endsOnlyThatCall(Caller caller) throws Exception {
    GuestException e = assertThrows(GuestException.class, () -> caller.handle(isola, Request.get("/recurse")));
    assertTrue(e.getMessage().contains("call stack"), e.getMessage());
    assertHealthy();
  }

  @ParameterizedTest
  @ValueSource(strings = {"unreachable", "oob", "div0"})
  void traps_endOnlyThatCall(String trap) {
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/trap/" + trap)));
    assertTrue(e.getMessage().contains("trapped"), e.getMessage());
    assertEquals(500, e.httpStatus());
    assertHealthy();
  }

  @Test
  void outputThatIsNotCgi_isABadGateway() {
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/bad-cgi")));
    assertEquals(502, e.httpStatus());
    assertTrue(e.getMessage().contains("not a CGI response") || e.getMessage().contains("did not answer with a CGI"),
        e.getMessage());
    assertHealthy();
  }
}
