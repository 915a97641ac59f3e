package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.kv.KeyValueStore;
import dev.isola.kv.KeyValueStores;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Whatever subset of stores and variables a JavaScript route is granted, and whatever it then tries,
 * an operation on something it was not granted never succeeds and never reaches the store, while
 * everything it was granted works.
 *
 * <p>Three stores and three variables give 64 grant sets, one route each; a try picks one and runs
 * random probes. The guest reports each probe's outcome ({@code ok}, {@code absent}, or the name of
 * the error), checked against the route's grant set, and the stores are checked under the try's own
 * key prefix.
 */
class JsCapabilitiesProperties {
  private static final int NAMES = 3;
  private static final String PROBE = """
      const own = (o, name) => o !== undefined && Object.hasOwn(o, name) ? o[name] : undefined;
      export default {
        async fetch(request, env) {
          const out = [];
          for (const [op, name] of await request.json()) {
            try {
              if (op === "fetch") { await fetch("https://api.example.com/"); out.push("ok"); continue; }
              if (op === "var") {
                const value = own(env.vars, name);
                out.push(value === undefined ? "absent" : "ok:" + value);
                continue;
              }
              const store = name === "KV" ? env.KV : own(env.kv, name);
              if (store === undefined) { out.push("absent"); continue; }
              if (op === "put") await store.put("key", "value");
              else if (op === "get") await store.get("key");
              else if (op === "delete") await store.delete("key");
              else await store.list({ prefix: "k" });
              out.push("ok");
            } catch (e) {
              out.push(String(e && e.name));
            }
          }
          return Response.json(out);
        },
      };
      """;

  private static final List<KeyValueStore> stores = new ArrayList<>();
  private static final AtomicInteger tries = new AtomicInteger();
  private static Isola isola;

  @BeforeContainer
  static void build() {
    Isola.Builder b = Isola.newBuilder();
    for (int i = 0; i < NAMES; i++) {
      KeyValueStore store = KeyValueStores.inMemory();
      stores.add(store);
      b.store("s" + i, store).variable("v" + i, "value" + i);
    }
    for (int mask = 0; mask < 1 << (2 * NAMES); mask++) {
      List<Grant> grants = new ArrayList<>();
      for (int i = 0; i < NAMES; i++) {
        if (storeGranted(mask, i)) {
          grants.add(Grants.keyValue("s" + i));
        }
        if (variableGranted(mask, i)) {
          grants.add(Grants.variables("v" + i));
        }
      }
      b.route("POST /grants/" + mask, Handler.javascript("probe.js", PROBE).grants(grants.toArray(Grant[]::new)));
    }
    isola = b.build();
  }

  @AfterContainer
  static void close() throws Exception {
    isola.close();
    for (KeyValueStore store : stores) {
      store.close();
    }
  }

  private static boolean storeGranted(int mask, int i) {
    return (mask & (1 << i)) != 0;
  }

  private static boolean variableGranted(int mask, int i) {
    return (mask & (1 << (NAMES + i))) != 0;
  }

  /** One probe: an operation ({@code get put delete list var fetch}) on a name. */
  record Probe(String op, String name) {
    String json() {
      return "[\"" + op + "\",\"" + name + "\"]";
    }
  }

  @Property(tries = 200)
  void ungrantedOperations_neverSucceed(@ForAll @IntRange(min = 0, max = 63) int mask,
      @ForAll("probes") List<Probe> probes) {
    String prefix = "try" + tries.incrementAndGet() + "/";
    String body = "[" + String.join(",", probes.stream().map(Probe::json).toList()) + "]";

    Response response = isola.handle(Request.post("/grants/" + mask, body),
        CallOptions.newBuilder().keyPrefix(prefix).build());

    assertEquals(200, response.status(), response.bodyText());
    List<String> expected = probes.stream().map(p -> expected(mask, p)).toList();
    assertEquals("[" + String.join(",", expected.stream().map(s -> "\"" + s + "\"").toList()) + "]",
        response.bodyText(), "grants " + Integer.toBinaryString(mask) + ", probes " + probes);
    for (int i = 0; i < NAMES; i++) {
      if (!storeGranted(mask, i)) {
        assertTrue(stores.get(i).list(prefix, 1).isEmpty(), "ungranted store s" + i + " was written");
      }
    }
  }

  /** What a probe answers: env.vars, env.KV and env.kv are denied outright when nothing of theirs is granted. */
  private static String expected(int mask, Probe probe) {
    if (probe.op().equals("fetch")) {
      return "CapabilityDeniedError";
    }
    int i = probe.name().length() == 2 ? probe.name().charAt(1) - '0' : -1;
    if (probe.op().equals("var")) {
      if ((mask >> NAMES) == 0) {
        return "CapabilityDeniedError";
      }
      return probe.name().startsWith("v") && variableGranted(mask, i) ? "ok:value" + i : "absent";
    }
    if ((mask & ((1 << NAMES) - 1)) == 0) {
      return "CapabilityDeniedError";
    }
    if (probe.name().equals("KV")) {
      return "ok";
    }
    return probe.name().startsWith("s") && storeGranted(mask, i) ? "ok" : "absent";
  }

  @Provide
  Arbitrary<List<Probe>> probes() {
    Arbitrary<String> op = Arbitraries.of("get", "put", "delete", "list", "var", "fetch");
    Arbitrary<String> name = Arbitraries.of("s0", "s1", "s2", "v0", "v1", "v2", "KV", "s9", "toString", "__proto__");
    return Combinators.combine(op, name).as(Probe::new).list().ofMinSize(1).ofMaxSize(8);
  }
}
