package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

/**
 * The caller's MDC (an embedder's trace id) is on the thread a call runs on, whichever thread that
 * is, and gone from it after the call.
 */
class CallerMdcTest {
  /** The MDC's trace id of the thread each read of the store ran on. */
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final ObservedStore witness = new ObservedStore(() -> seen.add(String.valueOf(MDC.get("traceId"))));

  @AfterEach
  void clear() {
    MDC.clear();
  }

  private Isola isola() {
    witness.put("bench", new byte[] {1});
    return Isola.newBuilder().callThreads(1).store("s", witness)
        .route("GET /kv/:store/:key", Handler.wasm(Path.of("src-test/wasm/wagi-kv.wasm")).grants(Grants.keyValue("s")))
        .store("main", witness)
        .route("GET /via", Handler.javascript("via.js", """
            export default { async fetch(request, env) {
              const r = await env.reader.fetch("/", { method: "POST", body: "1" });
              return new Response(await r.text(), { status: r.status });
            } };""").grants(Grants.calls("reader")))
        // An Extism plugin that reads key "bench" of store "main" as often as its input says.
        .component("reader", Handler.wasm(Path.of("src-test/wasm/bench-kv.wasm")).grants(Grants.keyValue("main")))
        .build();
  }

  @Test
  void aVirtualThreadsCall_runsOnACallThreadWithItsMdc_whichIsClearedAfter() throws Exception {
    try (Isola isola = isola()) {
      Thread caller = Thread.ofVirtual().start(() -> {
        MDC.put("traceId", "t-virtual");
        isola.handle(Request.get("/kv/s/k")); // Wasm from a virtual thread: goes on on a call thread
      });
      caller.join();
      Thread bare = Thread.ofVirtual().start(() -> isola.handle(Request.get("/kv/s/k"))); // no MDC
      bare.join();
      assertEquals(List.of("t-virtual", "null"), seen, "the same call thread, cleared between calls");
    }
  }

  @Test
  void handleAsync_carriesTheMdc() throws Exception {
    try (Isola isola = isola()) {
      MDC.put("traceId", "t-async");
      isola.handleAsync(Request.get("/kv/s/k")).get();
      MDC.clear();
      isola.handleAsync(Request.get("/kv/s/k")).get();
      assertEquals(List.of("t-async", "null"), seen);
    }
  }

  @Test
  void aLocalComponentCall_carriesTheMdc_andTheCallerKeepsItsOwnKeys() {
    try (Isola isola = isola()) {
      MDC.put("traceId", "t-chain");
      MDC.put("isola.route", "the embedder's own value");
      Response r = isola.handle(Request.get("/via"));
      assertEquals(200, r.status(), r.bodyText());
      assertEquals(List.of("t-chain"), seen, "the Wasm callee, on a thread of its own");
      assertEquals("t-chain", MDC.get("traceId"));
      assertEquals("the embedder's own value", MDC.get("isola.route"), "restored after the call");
    }
  }

  @Test
  void aCallFromAPlatformThread_leavesItsMdcAsItWas() {
    try (Isola isola = isola()) {
      MDC.put("traceId", "t-platform");
      isola.handle(Request.get("/kv/s/k"));
      assertEquals(List.of("t-platform"), seen);
      assertEquals("t-platform", MDC.get("traceId"));
      assertNull(MDC.get("isola.route"));
    }
  }
}
