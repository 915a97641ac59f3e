package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.LimitExceededException.Limit;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The JavaScript memory limit is on what a call holds, not on what it allocates: computing handlers
 * that drop what they make run to their end at the default limits, and handlers that keep growing
 * are stopped with {@link Limit#MEMORY}. Each route has one limit that can fire: computing routes
 * have the default memory limit and a timeout far past their work, bombs a 64 MiB limit and a
 * timeout they never reach. The bombs print {@code [limits]} lines (what they held when stopped),
 * which {@code jmh/run} collects.
 */
class JsMemoryLimitTest {
  private static final DataSize BOMB_LIMIT = DataSize.ofMiB(64);
  private static final Pattern HELD = Pattern.compile("held about (\\d+)MiB");

  private static Isola isola;

  @BeforeAll
  static void build() {
    // Only the memory limit can fire: the timeouts are far past what the handlers need.
    Limits computing = Limits.defaults().toBuilder().timeout(Duration.ofSeconds(60)).build();
    Limits bombs = computing.toBuilder().memory(BOMB_LIMIT).build();
    isola = Isola.newBuilder()
        .defaultLimits(computing)
        .route("/ok", js("return new Response('ok');"))
        // Interpreted, each of these allocates some 0.3 to 2 GiB per second, all of it dropped.
        .route("/spin", js("const end = Date.now() + 1500; let n = 0; while (Date.now() < end) { n++; }"
            + " return new Response(n > 0 ? 'done' : 'none');"))
        .route("/json", js("const o = { a: [1, 2, 3, 'x'.repeat(50)], b: { c: 'hello', d: [true, null, 1.5] } };"
            + " const end = Date.now() + 1000; let n = 0;"
            + " while (Date.now() < end) { n += JSON.parse(JSON.stringify(o)).a.length; }"
            + " return new Response(n > 0 ? 'done' : 'none');"))
        .route("/strings", js("const end = Date.now() + 1000; let n = 0;"
            + " while (Date.now() < end) { let s = ''; for (let i = 0; i < 100; i++) { s += i + ','; } n += s.length; }"
            + " return new Response(n > 0 ? 'done' : 'none');"))
        .route("/bomb/arrays", bomb("const keep = []; for (;;) keep.push(new Array(100000).fill(1.5));", bombs))
        .route("/bomb/buffers", bomb("const keep = []; for (;;) keep.push(new ArrayBuffer(1 << 16));", bombs))
        .route("/bomb/typed", bomb("const keep = []; for (;;) keep.push(new Float64Array(1 << 20));", bombs))
        .route("/bomb/concat", bomb("let s = ''; for (let i = 0; ; i++) s += 'item ' + i + ';';", bombs))
        .route("/bomb/map", bomb("const m = new Map(); for (let i = 0; ; i++) m.set(i, { i, s: 'v' + i });", bombs))
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

  private static Handler bomb(String body, Limits limits) {
    return Handler.javascript("bomb.js", handler(body)).limits(limits);
  }

  static Stream<Arguments> bombs() {
    return Stream.of("arrays", "buffers", "typed", "concat", "map")
        .flatMap(bomb -> Stream.of(Caller.values()).map(caller -> Arguments.of(bomb, caller)));
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void compute_dateNowLoopFor1500ms_answersAtDefaultLimits(Caller caller) throws InterruptedException {
    assertEquals("done", caller.handle(isola, Request.get("/spin")).bodyText());
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void compute_jsonWorkFor1s_answersAtDefaultLimits(Caller caller) throws InterruptedException {
    assertEquals("done", caller.handle(isola, Request.get("/json")).bodyText());
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void compute_droppedStringsFor1s_answerAtDefaultLimits(Caller caller) throws InterruptedException {
    assertEquals("done", caller.handle(isola, Request.get("/strings")).bodyText());
  }

  @ParameterizedTest
  @MethodSource("bombs")
  void memory_growingHandler_stoppedWithMemoryLimit(String bomb, Caller caller) throws InterruptedException {
    stopped(bomb, caller);
    assertEquals("ok", caller.handle(isola, Request.get("/ok")).bodyText());
  }

  @ParameterizedTest
  @EnumSource(Caller.class)
  void memory_afterABomb_computingServesAndTheNextBombIsStopped(Caller caller) throws InterruptedException {
    stopped("map", caller);
    assertEquals("ok", caller.handle(isola, Request.get("/ok")).bodyText());
    // What the stopped bomb left on the heap is not the next call's.
    assertEquals("done", caller.handle(isola, Request.get("/json")).bodyText());
    stopped("arrays", caller);
  }

  /** Runs bomb {@code bomb} and checks it ends with the memory limit, named with the fix. */
  private static void stopped(String bomb, Caller caller) {
    long start = System.nanoTime();
    LimitExceededException e = assertThrows(LimitExceededException.class,
        () -> caller.handle(isola, Request.get("/bomb/" + bomb)));
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertEquals(Limit.MEMORY, e.limit(), e.getMessage());
    assertEquals(503, e.httpStatus());
    assertTrue(e.getMessage().contains("memory limit of " + BOMB_LIMIT), e.getMessage());
    assertTrue(e.getMessage().contains("raise memory"), e.getMessage());
    Matcher held = HELD.matcher(e.getMessage());
    assertTrue(held.find(), e.getMessage());
    System.out.printf("[limits] %s memory bomb %s stopped after %d ms, held about %sMiB (limit %dMiB)%n", caller, bomb,
        elapsedMs, held.group(1), BOMB_LIMIT.bytes() >> 20);
  }
}
