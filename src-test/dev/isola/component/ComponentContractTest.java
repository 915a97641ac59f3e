package dev.isola.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.json.Json;
import dev.isola.CapabilityDeniedException;
import dev.isola.LimitExceededException;
import dev.isola.kv.KeyValueStores;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every component-call case, run with the components in-process and on another node: the caller's
 * and callee's code are the same, and so must be the answers.
 */
class ComponentContractTest {
  /** Echoes what it was called with, as JSON. */
  static final String ECHO = """
      export default {
        async fetch(request, env, ctx) {
          const url = new URL(request.url);
          const h = (n) => request.headers.get(n);
          return new Response(JSON.stringify({ method: request.method, path: url.pathname, query: url.search,
            body: await request.text(), who: h("x-who"), requestId: h("x-request-id"), trace: h("traceparent"),
            depth: h("isola-call-depth"), timeLeft: h("isola-timeout-ms"), token: h("isola-node-token") }),
            { status: 201, headers: { "content-type": "application/json", "x-stock": "7" } });
        }
      };
      """;

  /** Calls inventory and answers with what came back. */
  static final String FRONT = """
      export default {
        async fetch(request, env, ctx) {
          const r = await env.inventory.fetch("http://inventory/stock/" + ctx.params.item + "?fresh=1", {
            method: "POST", body: "hello", headers: { "x-who": "front", "isola-call-depth": "0", "x-request-id": "forged" } });
          return new Response(JSON.stringify({ status: r.status, type: r.headers.get("content-type"),
            stock: r.headers.get("x-stock"), body: await r.text() }), { headers: { "content-type": "application/json" } });
        }
      };
      """;

  static Isola.Builder shop(Isola.Builder b) {
    return b.route("/shop/:item", Handler.javascript("front.js", FRONT).grants(Grants.calls("inventory")))
        .component("inventory", Handler.javascript("inventory.js", ECHO));
  }

  @ParameterizedTest
  @EnumSource(ComponentNodes.class)
  void aCall_carriesMethodPathQueryBodyAndHeaders_andItsAnswerComesBack(ComponentNodes mode) {
    try (var d = mode.deploy(ComponentContractTest::shop, "inventory")) {
      Response r = d.front().handle(Request.newBuilder().method("GET").target("/shop/apple")
          .header("X-Request-Id", "req-42").header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
          .build());
      assertEquals(200, r.status(), r.bodyText());
      Map<String, Object> outer = Json.parseObject(r.bodyText());
      assertEquals(201, ((Number) outer.get("status")).intValue());
      assertEquals("application/json", outer.get("type"));
      assertEquals("7", outer.get("stock"));
      Map<String, Object> seen = Json.parseObject((String) outer.get("body"));
      assertEquals("POST", seen.get("method"));
      assertEquals("/stock/apple", seen.get("path"));
      assertEquals("?fresh=1", seen.get("query"));
      assertEquals("hello", seen.get("body"));
      assertEquals("front", seen.get("who"));
      assertEquals("req-42", seen.get("requestId"), "the caller's request id, not the guest's forged one");
      assertEquals("1", seen.get("depth"), "the guest cannot set its own depth");
      String trace = (String) seen.get("trace");
      assertTrue(trace.startsWith("00-0af7651916cd43dd8448eb211c80319c-"), trace);
      assertNotEquals("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", trace, "a new span for the call");
      long timeLeft = Long.parseLong((String) seen.get("timeLeft"));
      assertTrue(timeLeft > 0 && timeLeft <= Limits.defaults().timeout().toMillis(), "time left " + timeLeft);
      assertEquals(null, seen.get("token"), "the callee never sees a node token");
    }
  }

  @ParameterizedTest
  @EnumSource(ComponentNodes.class)
  void theCalleeGetsAtMostTheCallersTimeLeft(ComponentNodes mode) {
    UnaryOperator<Isola.Builder> declare = b -> b
        .route("/shop/:item", Handler.javascript("front.js", FRONT).grants(Grants.calls("inventory"))
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(20)).build()))
        .component("inventory", Handler.javascript("inventory.js", ECHO)
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(60)).build()));
    try (var d = mode.deploy(declare, "inventory")) {
      Response r = d.front().handle(Request.get("/shop/pear"));
      Map<String, Object> seen = Json.parseObject((String) Json.parseObject(r.bodyText()).get("body"));
      long timeLeft = Long.parseLong((String) seen.get("timeLeft"));
      assertTrue(timeLeft > 0 && timeLeft <= 20_000, "time left " + timeLeft + " ms, never more than the caller's 20 s");
    }
  }

  static final Path WASM = Path.of("src-test/wasm");

  /** Passes on what component NEXT answered to /x. */
  static String relay(String next) {
    return "export default { async fetch(request, env) { const r = await env." + next + ".fetch(\"/x\");"
        + " return new Response(await r.text(), { status: r.status }); } };";
  }

  /** Routes and components whose answers do not depend on time or randomness: compared across modes. */
  static Isola.Builder world(Isola.Builder b) {
    return b.maxCallDepth(4)
        .route("/shop/:item", Handler.javascript("front.js", FRONT).grants(Grants.calls("inventory")))
        .route("/loop", Handler.javascript("loop.js", relay("ping")).grants(Grants.calls("ping")))
        .component("ping", Handler.javascript("ping.js", relay("pong")).grants(Grants.calls("pong")))
        .component("pong", Handler.javascript("pong.js", relay("ping")).grants(Grants.calls("ping")))
        .route("/broken", Handler.javascript("broken.js", relay("broken")).grants(Grants.calls("broken")))
        .component("broken", Handler.javascript("broken-c.js",
            "export default { async fetch() { throw new Error(\"out of stock\"); } };"))
        .route("/sneaky", Handler.javascript("sneaky.js", relay("sneaky")).grants(Grants.calls("sneaky")))
        .component("sneaky", Handler.javascript("sneaky-c.js", relay("ping"))) // not granted ping
        .store("stock", KeyValueStores.inMemory())
        .route("/count", Handler.javascript("count.js", """
            export default { async fetch(request, env) {
              const r = await env.counter.fetch("/");
              return new Response("caller: " + await r.text(), { status: r.status });
            } };""").grants(Grants.calls("counter")))
        .component("counter", Handler.javascript("counter.js", """
            export default { async fetch(request, env) {
              const n = Number(await env.kv.stock.get("n") ?? "0") + 1;
              await env.kv.stock.put("n", String(n));
              return new Response("count " + n);
            } };""").grants(Grants.keyValue("stock")))
        .route("POST /wagi", Handler.wasm(WASM.resolve("wagi-proxy.wasm")).grants(Grants.calls("inventory")))
        .route("POST /extism", Handler.wasm(WASM.resolve("extism-proxy.wasm")).grants(Grants.calls("inventory")))
        .component("inventory", Handler.javascript("inventory.js", ECHO));
  }

  static final String[] COMPONENTS = {"inventory", "ping", "pong", "broken", "sneaky", "counter"};

  static Map<String, String> answers(Isola isola) {
    Map<String, String> out = new LinkedHashMap<>();
    String wasmCall = "{\"url\":\"http://inventory.internal/stock/fig?x=1\",\"method\":\"PUT\"}";
    for (Request request : new Request[] {
        Request.newBuilder().method("GET").target("/shop/apple").header("X-Request-Id", "same").build(),
        Request.newBuilder().method("GET").target("/loop").header("X-Request-Id", "same").build(),
        Request.newBuilder().method("GET").target("/broken").header("X-Request-Id", "same").build(),
        Request.newBuilder().method("GET").target("/sneaky").header("X-Request-Id", "same").build(),
        Request.newBuilder().method("GET").target("/count").header("X-Request-Id", "same").build(),
        Request.newBuilder().method("GET").target("/count").header("X-Request-Id", "same").build(),
        Request.newBuilder().method("POST").target("/wagi").header("X-Request-Id", "same").body(wasmCall).build(),
        Request.newBuilder().method("POST").target("/extism").header("X-Request-Id", "same").body(wasmCall).build()}) {
      Response r = isola.handle(request);
      // The trace's span ids and the milliseconds left differ from call to call, in either mode.
      String body = r.bodyText().replaceAll("00-[0-9a-f]{32}-[0-9a-f]{16}-01", "TRACE")
          .replaceAll("\\\\?\"timeLeft\\\\?\":\\\\?\"\\d+", "TIME");
      out.merge(request.method() + " " + request.target(), r.status() + " " + body, (a, b) -> a + " | " + b);
    }
    return out;
  }

  @org.junit.jupiter.api.Test
  void bothModes_answerEveryCaseAlike() {
    Map<ComponentNodes, Map<String, String>> byMode = new EnumMap<>(ComponentNodes.class);
    for (ComponentNodes mode : ComponentNodes.values()) {
      try (var d = mode.deploy(ComponentContractTest::world, COMPONENTS)) {
        byMode.put(mode, answers(d.front()));
      }
    }
    Map<String, String> local = byMode.get(ComponentNodes.LOCAL);
    assertEquals(local, byMode.get(ComponentNodes.REMOTE));
    assertTrue(local.get("GET /loop").startsWith("508 508 Loop Detected: the call of component ping would be call"
        + " number 5"), local.get("GET /loop"));
    assertTrue(local.get("GET /broken").startsWith("500 500 Internal Server Error"), local.get("GET /broken"));
    assertTrue(local.get("GET /broken").contains("(request id same)"), local.get("GET /broken"));
    assertTrue(local.get("GET /sneaky").startsWith("403 "), "a callee has only its own grants: " + local.get("GET /sneaky"));
    assertEquals("200 caller: count 1 | 200 caller: count 2", local.get("GET /count"));
    assertTrue(local.get("POST /wagi").startsWith("200 status=201\n{"), local.get("POST /wagi"));
    assertTrue(local.get("POST /wagi").contains("\"method\":\"PUT\",\"path\":\"/stock/fig\",\"query\":\"?x=1\""),
        local.get("POST /wagi"));
    assertTrue(local.get("POST /extism").startsWith("200 status=201\n{"), local.get("POST /extism"));
  }

  @ParameterizedTest
  @EnumSource(ComponentNodes.class)
  void aRouteNotGrantedTheComponent_isDenied(ComponentNodes mode) {
    UnaryOperator<Isola.Builder> declare = b -> b
        .route("/shop/:item", Handler.javascript("front.js", FRONT))
        .component("inventory", Handler.javascript("inventory.js", ECHO));
    try (var d = mode.deploy(declare, "inventory")) {
      CapabilityDeniedException e = org.junit.jupiter.api.Assertions.assertThrows(CapabilityDeniedException.class,
          () -> d.front().handle(Request.get("/shop/fig")));
      assertTrue(e.getMessage().contains("calls = [\"inventory\"]"), e.getMessage());
      assertTrue(e.getMessage().contains("Grants.calls(\"inventory\")"), e.getMessage());
    }
  }

  @ParameterizedTest
  @EnumSource(ComponentNodes.class)
  void aCalleeThatNeverAnswers_endsWithTheCallersTimeout_andTheNodesRecover(ComponentNodes mode) {
    UnaryOperator<Isola.Builder> declare = b -> b
        .route("/shop/:item", Handler.javascript("front.js", FRONT).grants(Grants.calls("inventory"))
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(2)).build()))
        .route("/ok", Handler.javascript("ok.js", relay("fine")).grants(Grants.calls("fine")))
        .component("fine", Handler.javascript("fine.js", ECHO))
        .component("inventory", Handler.javascript("spin.js", "export default { async fetch() { for (;;) {} } };")
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(120)).build()));
    try (var d = mode.deploy(declare, "inventory", "fine")) {
      long start = System.nanoTime();
      LimitExceededException e = org.junit.jupiter.api.Assertions.assertThrows(LimitExceededException.class,
          () -> d.front().handle(Request.get("/shop/fig")));
      assertEquals(LimitExceededException.Limit.TIMEOUT, e.limit());
      assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 60,
          "the callee's 120 s never outlast the caller's 2 s");
      assertEquals(201, d.front().handle(Request.get("/ok")).status());
    }
  }

  @ParameterizedTest
  @EnumSource(ComponentNodes.class)
  void anAnswerLargerThanTheCallersCap_endsTheCall(ComponentNodes mode) {
    UnaryOperator<Isola.Builder> declare = b -> b
        .route("/shop/:item", Handler.javascript("front.js", FRONT).grants(Grants.calls("inventory"))
            .limits(Limits.newBuilder().maxResponseBody(dev.isola.DataSize.ofKiB(64)).build()))
        .component("inventory", Handler.javascript("big.js",
            "export default { async fetch() { return new Response(\"x\".repeat(200000)); } };"));
    try (var d = mode.deploy(declare, "inventory")) {
      LimitExceededException e = org.junit.jupiter.api.Assertions.assertThrows(LimitExceededException.class,
          () -> d.front().handle(Request.get("/shop/fig")));
      assertEquals(LimitExceededException.Limit.RESPONSE_BODY, e.limit());
    }
  }
}
