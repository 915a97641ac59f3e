package dev.isola.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Request;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Key-value writes that wait for a transaction: what calls see meanwhile, and what the store gets. */
class PendingWritesTest {
  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Optional<byte[]> v) {
    return v.map(x -> new String(x, StandardCharsets.UTF_8)).orElse("absent");
  }

  /** A transaction per thread, as a transaction manager binds one. */
  static final class ThreadTransactions implements KeyValueTransactions {
    final ThreadLocal<PendingWrites> current = new ThreadLocal<>();

    @Override
    public PendingWrites current() {
      return current.get();
    }

    PendingWrites begin() {
      PendingWrites w = new PendingWrites();
      current.set(w);
      return w;
    }
  }

  @Test
  void theView_readsItsOwnWrites_andTheStoreGetsThemOnlyOnApply() {
    KeyValueStore store = KeyValueStores.inMemory();
    store.put("kept", b("1"));
    store.put("gone", b("2"));
    PendingWrites writes = new PendingWrites();
    KeyValueStore view = writes.view(store);
    view.put("new", b("3"));
    assertTrue(view.delete("gone"));
    assertEquals("3", text(view.get("new")));
    assertEquals("absent", text(view.get("gone")));
    assertEquals(List.of("kept", "new"), view.list("", 10));
    assertEquals(List.of("kept"), view.list("", 1));
    assertEquals("absent", text(store.get("new")), "nothing reaches the store before apply");
    assertEquals("2", text(store.get("gone")));
    writes.apply();
    assertEquals("3", text(store.get("new")));
    assertEquals("absent", text(store.get("gone")));
    assertThrows(IllegalStateException.class, () -> view.put("late", b("x")), "an ended transaction keeps no more");
  }

  @Test
  void discard_dropsEveryWrite() {
    KeyValueStore store = KeyValueStores.inMemory();
    PendingWrites writes = new PendingWrites();
    writes.view(store).put("a", b("1"));
    writes.discard();
    writes.apply(); // after a discard: nothing
    assertEquals("absent", text(store.get("a")));
  }

  @Test
  void increment_addsTheSameDeltaOnApply_soConcurrentIncrementsAreKept() {
    KeyValueStore store = KeyValueStores.inMemory();
    PendingWrites writes = new PendingWrites();
    KeyValueStore view = writes.view(store);
    assertEquals(1, view.increment("n", 1));
    assertEquals(3, view.increment("n", 2));
    store.increment("n", 10); // another node, meanwhile
    writes.apply();
    assertEquals("13", text(store.get("n")));
  }

  @Test
  void compareAndSet_isComparedAgainOnApply() {
    KeyValueStore store = KeyValueStores.inMemory();
    store.put("k", b("old"));
    PendingWrites writes = new PendingWrites();
    KeyValueStore view = writes.view(store);
    assertFalse(view.compareAndSet("k", b("other"), b("new")));
    assertTrue(view.compareAndSet("k", b("old"), b("new")));
    assertEquals("new", text(view.get("k")));
    store.put("k", b("changed")); // meanwhile
    writes.apply();
    assertArrayEquals(b("changed"), store.get("k").orElseThrow(), "no longer held: not applied");
  }

  @Test
  void aTransaction_keepsAtMostItsBudget() {
    PendingWrites writes = new PendingWrites();
    KeyValueStore view = writes.view(KeyValueStores.inMemory());
    for (int i = 0; i < PendingWrites.MAX_WRITES; i++) {
      view.put("k" + i, new byte[0]);
    }
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> view.put("one-more", new byte[0]));
    assertTrue(e.getMessage().contains("at most 10000 key-value writes"), e.getMessage());
  }

  @Test
  void callsInOneTransaction_shareItsWrites_withTheirLocalCallees_untilItCommits() {
    ThreadTransactions transactions = new ThreadTransactions();
    KeyValueStore store = KeyValueStores.inMemory();
    try (Isola isola = Isola.newBuilder()
        .keyValueTransactions(transactions)
        .store("notes", store)
        .route("POST /put/:key", Handler.javascript("put.js", """
            export default { async fetch(request, env, ctx) {
              await env.kv.notes.put(ctx.params.key, "v");
              const r = await env.audit.fetch("/" + ctx.params.key);
              return new Response(await r.text());
            } };""").grants(Grants.keyValue("notes"), Grants.calls("audit")))
        .component("audit", Handler.javascript("audit.js", """
            export default { async fetch(request, env) {
              const key = new URL(request.url).pathname.slice(1);
              const n = await env.kv.notes.increment("audits", 1);
              return new Response("audit " + n + " saw " + await env.kv.notes.get(key));
            } };""").grants(Grants.keyValue("notes")))
        .route("GET /get/:key", Handler.javascript("get.js", """
            export default { async fetch(request, env, ctx) {
              return new Response(String(await env.kv.notes.get(ctx.params.key)));
            } };""").grants(Grants.keyValue("notes")))
        .build()) {
      PendingWrites tx = transactions.begin();
      assertEquals("audit 1 saw v", isola.handle(Request.post("/put/a", "")).bodyText());
      assertEquals("audit 2 saw v", isola.handle(Request.post("/put/b", "")).bodyText());
      assertEquals("v", isola.handle(Request.get("/get/a")).bodyText(), "a later call of the transaction reads it");
      assertEquals(4, tx.size()); // two puts, two increments
      assertEquals("absent", text(store.get("a")));
      assertEquals("absent", text(store.get("audits")));
      transactions.current.remove();
      assertEquals("null", isola.handle(Request.get("/get/a")).bodyText(), "outside the transaction: not yet");
      tx.apply();
      assertEquals("v", text(store.get("a")));
      assertEquals("v", text(store.get("b")));
      assertEquals("2", text(store.get("audits")));

      PendingWrites rolledBack = transactions.begin();
      isola.handle(Request.post("/put/c", ""));
      rolledBack.discard();
      transactions.current.remove();
      assertEquals("absent", text(store.get("c")));
      assertEquals("2", text(store.get("audits")));
    }
  }

  @Test
  void aGuestPastTheBudget_getsAnErrorItCanHandle_andTheStoreIsUntouched() {
    ThreadTransactions transactions = new ThreadTransactions();
    KeyValueStore store = KeyValueStores.inMemory();
    try (Isola isola = Isola.newBuilder()
        .keyValueTransactions(transactions)
        .store("notes", store)
        .route("POST /flood", Handler.javascript("flood.js", """
            export default { async fetch(request, env) {
              let i = 0;
              try { for (;; i++) await env.kv.notes.put("k" + i, ""); }
              catch (e) { return new Response(i + " " + e.message); }
            } };""").grants(Grants.keyValue("notes")))
        .build()) {
      PendingWrites tx = transactions.begin();
      String answer = isola.handle(Request.post("/flood", "")).bodyText();
      assertTrue(answer.startsWith("10000 "), answer);
      assertTrue(answer.contains("write less in one transaction"), answer);
      tx.discard();
      assertEquals(List.of(), store.list("", 10));
    }
  }

  @Test
  void rollingBackToAMark_dropsTheLaterWrites_andTheRoomTheyTook() {
    KeyValueStore store = KeyValueStores.inMemory();
    store.put("n", b("10"));
    PendingWrites writes = new PendingWrites();
    KeyValueStore view = writes.view(store);
    view.put("a", b("1"));
    assertEquals(11, view.increment("n", 1));
    int mark = writes.mark();
    view.put("a", b("2"));
    assertTrue(view.delete("n"));
    view.put("b", new byte[1 << 20]);
    writes.rollBackTo(mark);
    assertEquals(2, writes.size());
    assertEquals("1", text(view.get("a")));
    assertEquals("11", text(view.get("n")));
    assertEquals("absent", text(view.get("b")));
    assertEquals(List.of("a", "n"), view.list("", 10));
    // The 1 MiB dropped is room again: 15 more of them fit under the 16 MiB a transaction keeps.
    for (int i = 0; i < 15; i++) {
      view.put("big" + i, new byte[1 << 20]);
    }
    writes.apply();
    assertEquals("1", text(store.get("a")));
    assertEquals("11", text(store.get("n")));
    assertEquals("absent", text(store.get("b")));
  }
}
