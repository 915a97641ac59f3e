package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.isola.capability.Audit;
import dev.isola.capability.AuditReport;
import dev.isola.internal.capability.BuiltInGrants;
import dev.isola.capability.AuditReport.RouteAudit;
import dev.isola.capability.HostInterface;
import dev.isola.internal.capability.http.HttpTransport;
import dev.isola.kv.KeyValueStore;
import dev.isola.kv.KeyValueStores;
import java.net.InetSocketAddress;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Audit mode: a JavaScript and a WebAssembly route using part of their grants report the grants
 * they needed, those they never used and what they were denied; RECORD keeps enforcing, and
 * PERMISSIVE lets through only what the Isola declares and a grant could have given.
 */
class AuditTest {
  private static final Path WASM = Path.of("src-test/wasm");

  /** Uses part of its grants, chosen by the query's "do". */
  private static final String JS = """
      export default { async fetch(request, env) {
        const q = new URL(request.url).searchParams;
        switch (q.get("do")) {
          case "kv": {
            await env.kv.sessions.put("user:" + q.get("id"), "x");
            const cart = await env.kv.sessions.get("cart:9");
            return new Response(String(cart));
          }
          case "fetch": {
            const r = await fetch("https://api.example.com/redirect");
            return new Response(r.status + " " + await r.text());
          }
          case "evil": {
            const r = await fetch("https://evil.example.net/steal");
            return new Response(String(r.status));
          }
          case "loopback": {
            const r = await fetch(q.get("to"));
            return new Response(String(r.status));
          }
          case "file": return new Response(await env.files.read("/static/a.txt", "text"));
          case "outside": return new Response(await env.files.read("/etc/passwd", "text"));
          case "secret": return new Response(env.secrets.TOKEN);
          case "bill": return new Response(await env.billing.invoice("acme"));
        }
        return new Response("nothing");
      } };
      """;

  /** Hops the stub transport was asked to send: origin and the Authorization header it carried. */
  private final List<String> hops = new CopyOnWriteArrayList<>();

  @TempDir Path dir;
  private Isola isola;

  @AfterEach
  void close() {
    if (isola != null) {
      isola.close();
    }
  }

  /** Answers every hop 200 "ok", except /redirect, which goes on to a CDN host. */
  private HttpTransport stub() {
    return new HttpTransport() {
      @Override
      public Exchange exchange(Hop hop) {
        hops.add(hop.origin() + " auth=" + hop.call().headers().getOrDefault("Authorization", List.of()));
        if (hop.call().uri().getPath().equals("/redirect")) {
          return new Exchange(302, HttpHeaders.of(Map.of("Location", List.of("https://img.cdn.example.com/x")),
              (a, b) -> true), new byte[0]);
        }
        return new Exchange(200, HttpHeaders.of(Map.of(), (a, b) -> true), "ok".getBytes(StandardCharsets.UTF_8));
      }

      @Override
      public void close() {}
    };
  }

  public interface Billing {
    String invoice(String customer);

    String refund(String customer);
  }

  private static final Billing BILLING = new Billing() {
    @Override
    public String invoice(String customer) {
      return "inv-" + customer;
    }

    @Override
    public String refund(String customer) {
      return "ref-" + customer;
    }
  };

  private Isola.Builder builder(Audit mode) throws Exception {
    Path statics = Files.createDirectories(dir.resolve("static"));
    Files.writeString(statics.resolve("a.txt"), "static text");
    Isola.Builder builder = Isola.newBuilder().audit(mode);
    dev.isola.internal.pipeline.Access.hooks(builder).outboundTransport(stub());
    return builder
        .store("sessions", KeyValueStores.inMemory())
        .store("spare", KeyValueStores.inMemory())
        .store("admin", KeyValueStores.inMemory())
        .variable("GREETING", "hi")
        .variable("UNUSED", "u")
        .variable("HIDDEN", "nope")
        .secret("API_KEY", "k-123")
        .secret("TOKEN", "t-456")
        .capability(HostInterface.of("billing", Billing.class, BILLING))
        .route("GET /js", Handler.javascript("audit.js", JS).grants(
            Grants.keyValue("sessions"), Grants.keyValue("spare"),
            Grants.outboundHttp("https://api.example.com", "https://*.cdn.example.com", "https://unused.example.com"),
            Grants.secret("API_KEY").injectAs("Authorization", "Bearer {}").into("https://api.example.com"),
            Grants.files(statics, "/static"), Grants.hostInterface("billing")))
        .route("/kv/:store/:key", Handler.wasm(WASM.resolve("wagi-kv.wasm")).grants(
            Grants.keyValue("sessions"), Grants.keyValue("spare"), Grants.variables("GREETING", "UNUSED")))
        .route("GET /idle", Handler.javascript("idle.js", "export default { fetch() { return new Response('') } }")
            .grants(Grants.variables("GREETING")));
  }

  private Response get(String target) {
    return isola.handle(Request.newBuilder().method("GET").target(target).build());
  }

  private String wasm(String method, String target, String body) {
    return isola.handle(Request.newBuilder().method(method).target(target).body(body).build()).bodyText();
  }

  @Test
  void javascriptRoute_reportsNeededUnusedAndDenied_andDenialsStayEnforced() throws Exception {
    isola = builder(Audit.RECORD).build();

    assertEquals("null", get("/js?do=kv&id=1").bodyText());
    get("/js?do=kv&id=2");
    assertEquals("200 ok", get("/js?do=fetch").bodyText());
    assertEquals("static text", get("/js?do=file").bodyText());
    assertEquals("inv-acme", get("/js?do=bill").bodyText());
    // Denied uses are still denied in RECORD mode: the handler fails with 403.
    assertEquals(403, assertThrows(CapabilityDeniedException.class, () -> get("/js?do=evil")).httpStatus());
    assertEquals(403, assertThrows(CapabilityDeniedException.class, () -> get("/js?do=outside")).httpStatus());
    assertEquals(403, assertThrows(CapabilityDeniedException.class, () -> get("/js?do=secret")).httpStatus());
    assertEquals(List.of("https://api.example.com:443 auth=[Bearer k-123]", "https://img.cdn.example.com:443 auth=[]"),
        hops, "nothing sent to the denied origin; the secret only to its own origin");

    RouteAudit js = isola.audit().route("GET /js").orElseThrow();
    assertEquals(8, js.calls());
    assertEquals(List.of(
        "key_value = [\"sessions\"]",
        "outbound_http = [\"https://api.example.com\", \"https://img.cdn.example.com\"]",
        new BuiltInGrants.InjectedSecret("API_KEY", "Authorization", "Bearer {}", List.of("https://api.example.com")).toToml(),
        "files = [\"" + dir.resolve("static") + ":/static\"]",
        "host_interfaces = [\"billing\"]"), js.neededToml());
    assertEquals("sessions: keys \"user:*\", \"cart:*\"", js.needed().get(0).note());
    assertTrue(js.needed().get(1).note().contains("https://img.cdn.example.com through https://*.cdn.example.com"),
        js.needed().get(1).note());
    assertEquals("sent to https://api.example.com", js.needed().get(2).note());
    assertEquals("billing: invoice", js.needed().get(4).note());
    assertEquals(List.of("key_value = [\"spare\"]", "outbound_http = [\"https://unused.example.com\"]"),
        js.unusedToml());
    assertEquals(List.of("outbound_http = [\"https://evil.example.net\"]", "files = [\"DIRECTORY:/etc\"]",
        "readable_secrets = [\"NAME\"]"), js.deniedToml());
    assertTrue(js.denied().get(0).note().startsWith("denied 1 time"), js.denied().get(0).note());

    RouteAudit idle = isola.audit().route("GET /idle").orElseThrow();
    assertEquals(0, idle.calls());
    assertEquals(List.of(), idle.neededToml());
    assertEquals(List.of("variables = [\"GREETING\"]"), idle.unusedToml());
  }

  @Test
  void wasmRoute_reportsNeededUnusedAndDenied() throws Exception {
    isola = builder(Audit.RECORD).build();

    assertEquals("put 0\n", wasm("PUT", "/kv/sessions/user:1", "v"));
    assertEquals("value=v\n", wasm("GET", "/kv/sessions/user:1", ""));
    assertEquals("var=hi\n", wasm("GET", "/kv/sessions/var:GREETING", ""));
    assertEquals("error -2\n", wasm("GET", "/kv/admin/x", ""), "still denied");
    assertEquals("error -2\n", wasm("GET", "/kv/sessions/var:HIDDEN", ""), "still denied");

    RouteAudit kv = isola.audit().route("/kv/:store/:key").orElseThrow();
    assertEquals(5, kv.calls());
    assertEquals(List.of("key_value = [\"sessions\"]", "variables = [\"GREETING\"]"), kv.neededToml());
    assertEquals(List.of("key_value = [\"spare\"]", "variables = [\"UNUSED\"]"), kv.unusedToml());
    assertEquals(List.of("key_value = [\"admin\"]", "variables = [\"HIDDEN\"]"), kv.deniedToml());

    String toml = isola.audit().toToml();
    assertTrue(toml.contains("""
        # route "/kv/:store/:key": 5 calls
        [[route]]
        path = "/kv/:store/:key"
        key_value = ["sessions"]  # sessions: keys "user:*"
        variables = ["GREETING"]
        # granted but never used (candidates to remove):
        #   key_value = ["spare"]
        #   variables = ["UNUSED"]
        # denied (candidates to add, only if the handler is meant to have them):
        #   key_value = ["admin"]  # denied 1 time: the handler used key-value store "admin"
        #   variables = ["HIDDEN"]  # denied 1 time: the handler read variable "HIDDEN"
        """), toml);
    // The fragment is TOML: every route a table with its path and the grants it needed.
    var parsed = org.tomlj.Toml.parse(toml);
    assertFalse(parsed.hasErrors(), parsed.errors().toString());
    assertEquals(3, parsed.getArray("route").size());
    assertEquals("sessions", parsed.getArray("route").getTable(1).getArray("key_value").getString(0));
  }

  @Test
  void permissive_letsDeclaredStoreAndVariableThrough_neverSecretsFilesOrUndeclared() throws Exception {
    KeyValueStore admin = KeyValueStores.inMemory();
    isola = builder(Audit.PERMISSIVE).store("admin", admin).build();

    assertEquals("put 0\n", wasm("PUT", "/kv/admin/k", "v"), "a declared, ungranted store");
    assertEquals("v", new String(admin.get("k").orElseThrow(), StandardCharsets.UTF_8));
    assertEquals("var=nope\n", wasm("GET", "/kv/sessions/var:HIDDEN", ""), "a declared, ungranted variable");
    assertEquals("error -2\n", wasm("GET", "/kv/nowhere/k", ""), "an undeclared store");
    assertEquals("error -2\n", wasm("GET", "/kv/sessions/var:NOPE", ""), "an undeclared variable");
    assertEquals("error -2\n", wasm("GET", "/kv/sessions/f?file=/etc/passwd", ""), "a file outside every mount");
    assertEquals(403, assertThrows(CapabilityDeniedException.class, () -> get("/js?do=secret")).httpStatus(),
        "a readable secret is never let through");
    assertEquals(403, assertThrows(CapabilityDeniedException.class, () -> get("/js?do=outside")).httpStatus());
    assertEquals("200", get("/js?do=evil").bodyText(), "a public DNS origin is let through");
    assertEquals(List.of("https://evil.example.net:443 auth=[]"), hops);

    RouteAudit kv = isola.audit().route("/kv/:store/:key").orElseThrow();
    assertEquals(List.of("key_value = [\"admin\"]", "variables = [\"HIDDEN\"]"), kv.neededToml());
    assertTrue(kv.needed().get(0).note().contains("not granted: let through by the permissive audit"), kv.toToml());
    assertEquals(List.of("key_value = [\"admin\"]", "variables = [\"HIDDEN\"]", "key_value = [\"nowhere\"]",
        "variables = [\"NOPE\"]", "files = [\"DIRECTORY:/etc\"]"), kv.deniedToml());
    assertTrue(kv.denied().get(0).note().startsWith("asked 1 time, let through 1 only because the audit is permissive"),
        kv.denied().get(0).note());
    assertTrue(kv.denied().get(2).note().startsWith("denied 1 time"), kv.denied().get(2).note());
    assertEquals(List.of("outbound_http = [\"https://evil.example.net\"]"),
        isola.audit().route("GET /js").orElseThrow().neededToml().stream().filter(l -> l.startsWith("outbound")).toList());
    assertTrue(isola.audit().toToml().contains("# PERMISSIVE (development only)"));
  }

  @Test
  void permissive_neverReachesLoopback() throws Exception {
    AtomicInteger reached = new AtomicInteger();
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      reached.incrementAndGet();
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    server.start();
    try {
      int port = server.getAddress().getPort();
      // The real network transport: only the audit's own rules and the address policy stand in the way.
      isola = Isola.newBuilder().audit(Audit.PERMISSIVE)
          .route("GET /js", Handler.javascript("audit.js", JS))
          .build();
      for (String to : List.of("http://127.0.0.1:" + port + "/", "http://localhost:" + port + "/",
          "http://[::1]:" + port + "/", "http://169.254.169.254/latest/meta-data/")) {
        CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class,
            () -> get("/js?do=loopback&to=" + java.net.URLEncoder.encode(to, StandardCharsets.UTF_8)), to);
        assertEquals(403, e.httpStatus());
      }
      assertEquals(0, reached.get());
      assertEquals(4, isola.audit().route("GET /js").orElseThrow().denied().size());
    } finally {
      server.stop(0);
    }
  }

  @Test
  void auditOff_isNotAvailable() {
    isola = Isola.newBuilder().route("GET /x", Handler.javascript("x.js",
        "export default { fetch() { return new Response('') } }")).build();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> isola.audit());
    assertTrue(e.getMessage().contains("audit(Audit.RECORD)"), e.getMessage());
  }

  @Test
  void reportOfTheRouteAsDeclared_evenForRoutesWithoutGrants() {
    isola = Isola.newBuilder().audit(Audit.RECORD).route("GET /x", Handler.javascript("x.js",
        "export default { fetch() { return new Response('') } }")).build();
    get("/x");
    AuditReport report = isola.audit();
    assertEquals(1, report.routes().size());
    assertEquals(1, report.route("GET /x").orElseThrow().calls());
    assertEquals(List.of(), report.route("GET /x").orElseThrow().neededToml());
  }

  @Test
  void javascriptVariablesAndSecrets_areRecordedAsTheHandlerReadsThem() {
    isola = Isola.newBuilder().audit(Audit.RECORD)
        .variable("GREETING", "hi").variable("UNUSED", "u").secret("TOKEN", "t-1").secret("IDLE", "i-1")
        .route("GET /v", Handler.javascript("v.js", "export default { fetch(req, env) {"
            + " return new Response(env.vars.GREETING + env.vars.GREETING + ' ' + env.secrets.TOKEN + ' '"
            + " + Object.keys(env.vars).join(',')); } }")
            .grants(Grants.variables("GREETING", "UNUSED"), Grants.readableSecrets("TOKEN", "IDLE")))
        .build();
    assertEquals("hihi t-1 GREETING,UNUSED", get("/v").bodyText());
    RouteAudit route = isola.audit().route("GET /v").orElseThrow();
    assertEquals(List.of("variables = [\"GREETING\"]", "readable_secrets = [\"TOKEN\"]"), route.neededToml());
    assertEquals(List.of("variables = [\"UNUSED\"]", "readable_secrets = [\"IDLE\"]"), route.unusedToml());
  }
}
