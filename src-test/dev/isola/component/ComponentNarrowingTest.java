package dev.isola.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.CallOptions;
import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.kv.KeyValueStore;
import dev.isola.kv.KeyValueStores;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A call narrowed by its embedder ({@link CallOptions}: a tenant's key prefix, fewer origins) stays
 * narrowed in the components it calls: calling a component never reaches more than the call may.
 */
class ComponentNarrowingTest {
  /** Calls component "notes" and answers with its status and text. */
  static final String FRONT = """
      export default { async fetch(request, env) {
        try {
          const r = await env.notes.fetch("/", { method: "POST" });
          return new Response(r.status + " " + await r.text());
        } catch (e) {
          return new Response("failed: " + e.message, { status: 502 });
        }
      } };
      """;

  /** Writes key "note" and answers what it now reads there. */
  static final String NOTES = """
      export default { async fetch(request, env) {
        await env.KV.put("note", "written by the callee");
        return new Response(await env.KV.get("note"));
      } };
      """;

  static Isola.Builder declare(Isola.Builder b, KeyValueStore store) {
    return b.store("data", store)
        .route("POST /front", Handler.javascript("front.js", FRONT).grants(Grants.calls("notes")))
        .component("notes", Handler.javascript("notes.js", NOTES).grants(Grants.keyValue("data")));
  }

  @Test
  void aLocalCallee_writesUnderTheCallersKeyPrefix() {
    KeyValueStore store = KeyValueStores.inMemory();
    try (Isola isola = declare(Isola.newBuilder(), store).build()) {
      Response r = isola.handle(Request.post("/front", ""),
          CallOptions.newBuilder().keyPrefix("tenant-42/").build());
      assertEquals("200 written by the callee", r.bodyText());
      assertEquals(Optional.empty(), store.get("note"), "the callee wrote outside the tenant's prefix");
      assertEquals("written by the callee",
          new String(store.get("tenant-42/note").orElseThrow(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void aLocalCallee_ofAnUnnarrowedCall_isUnnarrowed() {
    KeyValueStore store = KeyValueStores.inMemory();
    try (Isola isola = declare(Isola.newBuilder(), store).build()) {
      assertEquals("200 written by the callee", isola.handle(Request.post("/front", "")).bodyText());
      assertTrue(store.get("note").isPresent());
    }
  }

  @Test
  void aNarrowedCall_isRefusedARemoteCallee_whichCouldNotBeNarrowed() {
    KeyValueStore store = KeyValueStores.inMemory();
    try (ComponentNodes.Deployment d = ComponentNodes.REMOTE.deploy(b -> declare(b, store), "notes")) {
      Response r = d.front().handle(Request.post("/front", ""),
          CallOptions.newBuilder().keyPrefix("tenant-42/").build());
      assertEquals(502, r.status(), r.bodyText());
      assertTrue(r.bodyText().contains("narrowed"), r.bodyText());
      assertEquals(Optional.empty(), store.get("note"), "the remote callee ran unnarrowed");
      // Unnarrowed, the same call reaches the remote component.
      assertEquals("200 written by the callee", d.front().handle(Request.post("/front", "")).bodyText());
    }
  }
}
