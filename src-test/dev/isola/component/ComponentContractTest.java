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
import java.time.Duration;
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
}
