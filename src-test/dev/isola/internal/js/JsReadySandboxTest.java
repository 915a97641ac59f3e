package dev.isola.internal.js;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.internal.pipeline.Access;
import dev.isola.Request;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Contexts built ahead of their calls (Isola.Builder.readySandboxes): each serves one call, sees the
 * clock of its call, gets the module's top-level log lines, and the host stays out of reach until the
 * call starts.
 */
class JsReadySandboxTest {
  /** A clock the test moves by hand. */
  private static final class HandClock extends Clock {
    final AtomicLong millis = new AtomicLong(1_000);

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis.get());
    }
  }

  private static final String TIMES = """
      const loadedAt = Date.now();
      let calls = 0;
      console.log("loaded");
      export default {
        fetch() {
          calls++;
          return new Response(loadedAt + "/" + Date.now() + "/" + calls);
        },
      };
      """;

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 2})
  void everyCallGetsAFreshContext_onTheClockOfItsCall(int ready) throws InterruptedException {
    HandClock clock = new HandClock();
    List<String> lines = new CopyOnWriteArrayList<>();
    Isola.Builder builder = Isola.newBuilder().readySandboxes(ready);
    Access.hooks(builder).guestClock(clock).guestLogSink((route, level, text) -> lines.add(text));
    try (Isola isola = builder.route("/t", Handler.javascript("times.js", TIMES)).build()) {
      boolean sawReady = false;
      int calls = 0;
      // With contexts built ahead: until a call found one (a busy machine may build them late), and
      // at least 5 calls; without: 40 calls.
      int most = ready == 0 ? 40 : 200;
      for (int i = 1; i <= most && !(sawReady && i > 5); i++) {
        calls++;
        Thread.sleep(50); // time to build the next context ahead
        long now = clock.millis.addAndGet(1_000);
        String[] answer = isola.handle(Request.get("/t")).bodyText().split("/");
        long loadedAt = Long.parseLong(answer[0]);
        assertEquals(now, Long.parseLong(answer[1]), "Date.now() reads the time at the start of the call");
        assertEquals("1", answer[2], "a context serves one call");
        assertTrue(loadedAt <= now);
        sawReady |= loadedAt < now;
        if (ready == 0) {
          assertEquals(now, loadedAt, "without ready sandboxes the module loads in its call");
        }
      }
      assertEquals(ready > 0, sawReady, "a call found a context loaded ahead of it");
      assertEquals(List.of("loaded"), lines.stream().distinct().toList());
      assertEquals(calls, lines.size(), "each call logs its own module's top-level line, no other");
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1})
  void theHostIsUnreachableFromTheModulesTopLevel(int ready) throws InterruptedException {
    String code = """
        let early;
        try { await fetch("https://example.com/"); early = "reached"; } catch (e) { early = e.message; }
        export default { fetch() { return new Response(early); } };
        """;
    try (Isola isola = Isola.newBuilder().readySandboxes(ready)
        .route("/t", Handler.javascript("early.js", code)
            .grants(dev.isola.Grants.outboundHttp("https://example.com"))).build()) {
      for (int i = 0; i < 3; i++) {
        Thread.sleep(50);
        assertTrue(isola.handle(Request.get("/t")).bodyText().contains("only inside fetch()"));
      }
    }
  }
}
