package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** Closing, overload, hostile failures and building from virtual threads. */
class IsolaLifecycleTest {
  private static Handler js(String name, String body, Duration timeout) {
    return Handler.javascript(name, "export default { async fetch(request) { " + body + " } };")
        .limits(Limits.newBuilder().timeout(timeout).build());
  }

  @Test
  void close_whileCallsRunOnEveryThreadKind_stopsThemAndReturns() throws Exception {
    // Each call reads from the store once, then loops; close() comes once all of them got that far.
    // No limit can end them first: their timeout is a minute off, and a loop allocates nothing like
    // 64 GiB.
    GateStore entered = GateStore.opened();
    String code = "export default { async fetch(request, env) { await env.KV.get('k'); while (true) {} } };";
    // Every JavaScript guest runs on a call thread: 12 calls need 12 of them to run at once.
    Isola isola = Isola.newBuilder().store("kv", entered).callThreads(12)
        .route("/loop", Handler.javascript("loop.js", code).grants(Grants.keyValue("kv"))
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(60)).memory(DataSize.ofGiB(64)).build()))
        .build();
    List<CompletableFuture<Throwable>> outcomes = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      CompletableFuture<Throwable> platform = new CompletableFuture<>();
      Thread.ofPlatform().start(() -> platform.complete(failureOf(() -> isola.handle(Request.get("/loop")))));
      CompletableFuture<Throwable> virtual = new CompletableFuture<>();
      Thread.ofVirtual().start(() -> virtual.complete(failureOf(() -> isola.handle(Request.get("/loop")))));
      outcomes.add(platform);
      outcomes.add(virtual);
      outcomes.add(isola.handleAsync(Request.get("/loop")).handle((r, e) -> e));
    }
    if (!entered.awaitReads(outcomes.size(), Duration.ofSeconds(60))) {
      isola.close();
      fail("only " + entered.reads() + " of " + outcomes.size() + " calls started within 60 s");
    }

    assertTimeoutPreemptively(Duration.ofSeconds(20), isola::close);

    for (CompletableFuture<Throwable> outcome : outcomes) {
      Throwable failure = outcome.get();
      Throwable cause = failure instanceof java.util.concurrent.CompletionException c ? c.getCause() : failure;
      assertInstanceOf(IsolaException.class, cause, String.valueOf(cause));
      assertFalse(cause instanceof LimitExceededException, String.valueOf(cause));
    }
  }

  @Test
  void handleAsync_moreCallsThanThreadsAndQueue_refusedWithOverloaded() throws Exception {
    // The calls wait in the store until the gate opens, so the one call thread and its queue stay
    // full however slowly this machine runs, and no timeout ends a call first.
    GateStore gate = GateStore.closed();
    try (Isola isola = Isola.newBuilder()
        .callThreads(1)
        .store("kv", gate)
        .route("/held", Handler.javascript("held.js", GateStore.HOLDS).grants(Grants.keyValue("kv"))
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(60)).build()))
        .build()) {
      List<CompletableFuture<Response>> calls = new ArrayList<>();
      try {
        for (int i = 0; i < 20; i++) {
          calls.add(isola.handleAsync(Request.get("/held")));
        }
        assertTrue(calls.get(19).isCompletedExceptionally(), "the 20th call was not refused at once");
        ExecutionException e = assertThrows(ExecutionException.class, () -> calls.get(19).get());
        OverloadedException overloaded = assertInstanceOf(OverloadedException.class, e.getCause());
        assertEquals(503, overloaded.httpStatus());
        assertTrue(overloaded.getMessage().contains("callThreads"), overloaded.getMessage());
      } finally {
        gate.open();
      }
      assertEquals("v", calls.get(0).get(60, TimeUnit.SECONDS).bodyText(), "the first call, once the gate opened");
      for (CompletableFuture<Response> call : calls) {
        try {
          assertEquals("v", call.get(60, TimeUnit.SECONDS).bodyText());
        } catch (ExecutionException refused) {
          assertInstanceOf(OverloadedException.class, refused.getCause());
        }
      }
    }
  }

  @Test
  void build_onVirtualThread_works() throws Exception {
    AtomicReference<Object> result = new AtomicReference<>();
    Thread.ofVirtual().start(() -> {
      try (Isola isola = Isola.newBuilder().route("/x", js("x.js", "return new Response('built');", Duration.ofSeconds(5))).build()) {
        result.set(isola.handle(Request.get("/x")).bodyText());
      } catch (RuntimeException e) {
        result.set(e);
      }
    }).join();
    assertEquals("built", result.get());
  }

  @Test
  void handle_headerValueOutsideLatin1_refusedAsGuestFailure() {
    String code = "return new Response('x', { headers: { 'x-a': 'a\\u010Ab' } });";
    try (Isola isola = Isola.newBuilder().route("/h", js("h.js", code, Duration.ofSeconds(5))).build()) {
      GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/h")));
      assertTrue(e.getMessage().contains("U+010a") || e.getMessage().contains("U+010A"), e.getMessage());
    }
  }

  @Test
  void handle_hostileErrorObject_givesGuestException() {
    String code = "const d = new Date(0); d.toISOString = () => ({}); Array.prototype.join = null; throw d;";
    try (Isola isola = Isola.newBuilder().route("/e", js("e.js", code, Duration.ofSeconds(5))).build()) {
      assertThrows(GuestException.class, () -> isola.handle(Request.get("/e")));
    }
  }

  @Test
  void handle_asyncThrowWithPatchedFormatting_givesGuestExceptionNotNeverSettled() {
    String code = "String.prototype.split = null; Array.prototype.join = null; await null;"
        + " const d = new Date(0); d.toISOString = () => ({}); throw d;";
    try (Isola isola = Isola.newBuilder().route("/e", js("e.js", code, Duration.ofSeconds(5))).build()) {
      GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/e")));
      assertFalse(e.getMessage().contains("never settled"), e.getMessage());
    }
  }

  private static Throwable failureOf(Runnable call) {
    try {
      call.run();
      return null;
    } catch (Throwable t) {
      return t;
    }
  }
}
