package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.testing.IsolaExtension;
import dev.isola.testing.RecordedRequest;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A handler (or a library it bundles) that rewrites built-in prototypes before its call cannot use
 * them to read what the runtime hands it or the host, to slip headers past the runtime's checks, or
 * to break the path of its response: host-bound data is built from built-ins captured before any
 * handler code runs, in lists no prototype reaches.
 */
class JsRuntimeTamperTest {
  /** Accessors on the first indices of Array.prototype and Object.prototype that record every write. */
  private static final String SPY = """
      globalThis.seen = "";
      for (const proto of [Array.prototype, Object.prototype]) {
        for (let i = 0; i < 16; i++) {
          Object.defineProperty(proto, i, { configurable: true,
            get() { return undefined; }, set(v) { globalThis.seen += "|" + String(v); } });
        }
      }
      """;

  /** A getter on index 0 of Array.prototype that answers a header name, as holes are read. */
  private static final String INJECT = """
      Object.defineProperty(Array.prototype, "0", { configurable: true,
        get() { return "x-injected"; }, set(v) {} });
      """;

  @RegisterExtension
  IsolaExtension isola = IsolaExtension.of(builder -> builder
      .variable("V", "the-variable")
      .secret("R", "the-readable-secret")
      .route("GET /spy", Handler.javascript("spy.js", SPY + """
          export default {
            async fetch(request, env) {
              const result = globalThis.seen;
              globalThis.seen = "";
              return new Response(result + " vars:" + env.vars.V + " secrets:" + env.secrets.R
                + " auth:" + request.headers.get("authorization"), { headers: { "x-kind": "spy" } });
            },
          };
          """).grants(Grants.variables("V"), Grants.readableSecrets("R")))
      .route("GET /inject", Handler.javascript("inject.js", INJECT + """
          export default {
            async fetch() { return new Response("ok", { headers: { "content-type": "text/plain" } }); },
          };
          """))
      .route("GET /inject-fetch", Handler.javascript("inject-fetch.js", INJECT + """
          export default {
            async fetch() {
              const upstream = await fetch("https://api.example.com/x", { headers: { "x-asked": "yes" } });
              return new Response(String(upstream.headers.get("x-upstream")));
            },
          };
          """).grants(Grants.outboundHttp("https://api.example.com")))
      .route("GET /split", Handler.javascript("split.js", """
          String.prototype[Symbol.split] = function () { return ["x-forged", "yes"]; };
          Object.prototype[Symbol.split] = String.prototype[Symbol.split];
          export default {
            async fetch(request) {
              return new Response(String(request.headers.get("x-forged")) + "," + String(request.headers.get("x-real")));
            },
          };
          """))
      .route("GET /patched", Handler.javascript("patched.js", """
          Array.prototype.push = function () { throw new Error("push"); };
          Array.prototype[Symbol.iterator] = function () { throw new Error("iterator"); };
          Object.prototype[Symbol.iterator] = Array.prototype[Symbol.iterator];
          JSON.stringify = () => { throw new Error("stringify"); };
          JSON.parse = () => { throw new Error("parse"); };
          Object.entries = () => { throw new Error("entries"); };
          Object.keys = () => { throw new Error("keys"); };
          String.prototype.split = () => { throw new Error("split"); };
          String.prototype.toLowerCase = () => "tampered";
          Promise.prototype.then = function () { throw new Error("then"); };
          export default {
            fetch(request, env) {
              return Response.json({ header: request.headers.get("X-Real"), v: env.vars.V },
                { headers: [["x-kind", "patched"]] });
            },
          };
          """).grants(Grants.variables("V")))
      .route("GET /weakmap", Handler.javascript("weakmap.js", """
          Object.defineProperty(WeakMap.prototype, "get", { configurable: true,
            get() { return () => ({ r: { s: "https", u: "", pw: "", h: "evil.example", p: null, path: [""], op: null, q: null, f: null }, sp: null }); },
            set(v) {} });
          export default {
            async fetch() { return new Response(String(new URL("https://good.example/").host)); },
          };
          """)));

  private static Request withHeaders(String target) {
    return Request.newBuilder().method("GET").target(target).header("Authorization", "Bearer the-token")
        .header("X-Real", "real").build();
  }

  @Test
  void prototypeSetters_captureNothingTheRuntimeHandsTheHandler() {
    Response response = isola.handle(withHeaders("/spy"));

    String body = response.bodyText();
    assertTrue(body.startsWith(" vars:the-variable secrets:the-readable-secret auth:Bearer the-token"), body);
    assertFalse(body.substring(0, body.indexOf(" vars:")).contains("the-"), body);
    assertEquals("spy", response.headers().first("x-kind").orElse(null));
  }

  @Test
  void prototypeGetter_injectsNoHeaderIntoTheResponse() {
    Response response = isola.get("/inject");

    assertEquals("ok", response.bodyText());
    assertEquals("text/plain", response.headers().first("content-type").orElse(null));
    assertTrue(response.headers().first("x-injected").isEmpty(), response.headers().toString());
  }

  @Test
  void prototypeGetter_injectsNoHeaderIntoAnOutboundRequest_norReadsOneFromTheAnswer() {
    isola.stubHttp("https://api.example.com/x").respond(200,
        Headers.newBuilder().add("X-Upstream", "from-upstream").build(), "");

    Response response = isola.get("/inject-fetch");

    assertEquals("from-upstream", response.bodyText());
    List<RecordedRequest> sent = isola.httpRequests();
    assertEquals(1, sent.size());
    assertEquals("yes", sent.get(0).headers().first("x-asked").orElse(null));
    assertTrue(sent.get(0).headers().first("x-injected").isEmpty(), sent.get(0).headers().toString());
  }

  @Test
  void symbolSplitOnStrings_doesNotForgeRequestHeaders() {
    assertEquals("null,real", isola.handle(withHeaders("/split")).bodyText());
  }

  @Test
  void replacedBuiltIns_leaveTheResponsePathWorking() {
    Response response = isola.handle(withHeaders("/patched"));

    assertEquals("{\"header\":\"real\",\"v\":\"the-variable\"}", response.bodyText());
    assertEquals("patched", response.headers().first("x-kind").orElse(null));
    assertEquals("application/json", response.headers().first("content-type").orElse(null));
  }

  @Test
  void weakMapAccessor_cannotForgeTheStateOfRuntimeObjects() {
    assertEquals("good.example", isola.get("/weakmap").bodyText());
  }
}
