package dev.isola;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A secret reaches an outbound request only as the header its grant declares, set by the host, for
 * the origin it declares: whatever a client sends a proxy-like handler (JavaScript, WAGI, Extism),
 * however it spells a placeholder, and wherever redirects lead. Two real servers on 127.0.0.1: the
 * secret's origin ("api") and another granted origin ("other") that echoes the headers it gets.
 */
class SecretInjectionTest {
  private static final Path WASM = Path.of("src-test/wasm");
  private static final String SECRET = "sk_live_7Qx9wZ";
  private static final String PLACEHOLDER = "{{secrets.API_KEY}}";

  /** Forwards a client's value into an outbound header, the way a careless proxy would. */
  private static final String JS_PROXY = """
      export default { async fetch(request) {
        const url = new URL(request.url);
        const q = url.searchParams;
        let h = q.get("h");
        const type = request.headers.get("content-type") || "";
        if (type.includes("json")) h = (await request.json()).h;
        else if (type.includes("form")) h = new URLSearchParams(await request.text()).get("h");
        if (q.get("decode") === "base64") h = atob(h);
        if (q.get("decode") === "uri") h = decodeURIComponent(h);
        if (q.get("decode") === "json") h = JSON.parse('"' + h + '"');
        const res = await fetch(q.get("to"), { headers: { [q.get("name") || "x-fwd"]: h } });
        return new Response(res.status + "\\n" + await res.text());
      } };
      """;

  record Seen(String server, String target, Map<String, List<String>> headers, String body) {}

  private static final List<Seen> seen = new CopyOnWriteArrayList<>();
  private static HttpServer api;
  private static HttpServer other;
  private static String apiOrigin;
  private static String otherOrigin;
  private static Isola isola;

  @BeforeAll
  static void start() throws IOException {
    api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    other = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    apiOrigin = "http://127.0.0.1:" + api.getAddress().getPort();
    otherOrigin = "http://127.0.0.1:" + other.getAddress().getPort();
    api.createContext("/", exchange -> serve("api", exchange, Map.of(
        "/away", otherOrigin + "/landing", "/same", "/landing")));
    other.createContext("/", exchange -> serve("other", exchange, Map.of("/home", apiOrigin + "/landing")));
    api.start();
    other.start();
    Grant outbound = Grants.outboundHttp(apiOrigin, otherOrigin);
    Grant secret = Grants.secret("API_KEY").injectAs("Authorization", "Bearer {}").into(apiOrigin);
    isola = Isola.newBuilder()
        .secret("API_KEY", SECRET)
        .route("/js", Handler.javascript("proxy.js", JS_PROXY).grants(outbound, secret))
        .route("POST /wagi", Handler.wasm(WASM.resolve("wagi-proxy.wasm")).grants(outbound, secret))
        .route("POST /extism", Handler.wasm(WASM.resolve("extism-proxy.wasm")).grants(outbound, secret))
        .build();
  }

  /** Records the request; redirects the paths in {@code redirects}; else answers 200 with the request's headers. */
  private static void serve(String server, HttpExchange exchange, Map<String, String> redirects) throws IOException {
    Map<String, List<String>> headers = new TreeMap<>();
    exchange.getRequestHeaders().forEach((name, values) -> headers.put(name.toLowerCase(Locale.ROOT), List.copyOf(values)));
    String body = new String(exchange.getRequestBody().readAllBytes(), UTF_8);
    seen.add(new Seen(server, exchange.getRequestURI().toString(), headers, body));
    String location = redirects.get(exchange.getRequestURI().getPath());
    byte[] answer = (location == null ? headers.toString() : "").getBytes(UTF_8);
    if (location != null) {
      exchange.getResponseHeaders().add("Location", location);
    }
    exchange.sendResponseHeaders(location == null ? 200 : 302, answer.length == 0 ? -1 : answer.length);
    if (answer.length > 0) {
      exchange.getResponseBody().write(answer);
    }
    exchange.close();
  }

  @AfterAll
  static void stop() {
    isola.close();
    api.stop(0);
    other.stop(0);
  }

  @BeforeEach
  void forget() {
    seen.clear();
  }

  private static String q(String value) {
    return URLEncoder.encode(value, UTF_8);
  }

  /** Every place a secret could travel in: the target, each header value, the body. */
  private static boolean carries(Seen s, String text) {
    return s.target().contains(text) || s.body().contains(text)
        || s.headers().values().stream().flatMap(List::stream).anyMatch(v -> v.contains(text));
  }

  /** The one rule: the secret only as "authorization: Bearer SECRET", only at api. */
  private static void assertSecretOnlyWhereDeclared() {
    assertFalse(seen.isEmpty(), "nothing was sent");
    for (Seen s : seen) {
      Map<String, List<String>> rest = new TreeMap<>(s.headers());
      List<String> authorization = rest.remove("authorization");
      Seen without = new Seen(s.server(), s.target(), rest, s.body());
      assertFalse(carries(without, SECRET), "the secret outside its header: " + s);
      if (s.server().equals("other")) {
        assertTrue(authorization == null || authorization.stream().noneMatch(v -> v.contains(SECRET)),
            "the secret at another origin: " + s);
      }
    }
  }

  private static Seen only(String server) {
    List<Seen> at = seen.stream().filter(s -> s.server().equals(server)).toList();
    assertEquals(1, at.size(), seen.toString());
    return at.get(0);
  }

  /**
   * Client inputs that spell a placeholder, each as (description, query after "h=", request body or
   * null, content type or null, the text the handler then puts in the header).
   */
  static Stream<Arguments> placeholders() {
    String b64 = Base64.getEncoder().encodeToString(PLACEHOLDER.getBytes(UTF_8));
    return Stream.of(
        Arguments.of("literal", q(PLACEHOLDER), null, null, PLACEHOLDER),
        Arguments.of("percent-encoded", "%7B%7Bsecrets%2EAPI_KEY%7D%7D", null, null, PLACEHOLDER),
        Arguments.of("one letter percent-encoded", "%7B%7B%73ecrets.API_KEY%7D%7D", null, null, PLACEHOLDER),
        Arguments.of("lower-case escapes", "%7b%7bsecrets.API_KEY%7d%7d", null, null, PLACEHOLDER),
        Arguments.of("double-encoded, decoded by the handler", "%257B%257Bsecrets.API_KEY%257D%257D&decode=uri",
            null, null, PLACEHOLDER),
        Arguments.of("base64, decoded by the handler", q(b64) + "&decode=base64", null, null, PLACEHOLDER),
        Arguments.of("unicode escapes, decoded by the handler", q("\\u007b\\u007bsecrets.API_KEY}}") + "&decode=json",
            null, null, PLACEHOLDER),
        Arguments.of("JSON body with unicode escapes", "", "{\"h\":\"\\u007b\\u007bsecrets.API_KEY}}\"}",
            "application/json", PLACEHOLDER),
        Arguments.of("form body", "", "h=%7B%7Bsecrets%2EAPI_KEY%7D%7D", "application/x-www-form-urlencoded",
            PLACEHOLDER),
        Arguments.of("the secret's header, with a bearer", q("Bearer " + PLACEHOLDER), null, null,
            "Bearer " + PLACEHOLDER),
        Arguments.of("spaces inside", q("{{ secrets.API_KEY }}"), null, null, "{{ secrets.API_KEY }}"),
        Arguments.of("another case", q("{{SECRETS.api_key}}"), null, null, "{{SECRETS.api_key}}"),
        Arguments.of("nested", q("{{secrets.{{secrets.API_KEY}}}}"), null, null, "{{secrets.{{secrets.API_KEY}}}}"));
  }

  private static Response js(String to, String hQuery, String body, String type, String extra) {
    String target = "/js?to=" + q(to) + "&h=" + hQuery + extra;
    Request.Builder request = Request.newBuilder().target(target);
    if (body != null) {
      request.method("POST").header("Content-Type", type).body(body);
    }
    return isola.handle(request.build());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("placeholders")
  void js_placeholderFromTheClient_toAnotherOrigin_isSentAsText(String what, String hQuery, String body, String type,
      String expected) {
    Response response = js(otherOrigin + "/x", hQuery, body, type, "");

    assertEquals(200, response.status(), response.bodyText());
    assertEquals(List.of(expected), only("other").headers().get("x-fwd"), "as the handler wrote it");
    assertFalse(response.bodyText().contains(SECRET), response.bodyText());
    assertSecretOnlyWhereDeclared();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("placeholders")
  void js_placeholderFromTheClient_toTheSecretsOrigin_isSentAsText_besideTheDeclaredHeader(String what,
      String hQuery, String body, String type, String expected) {
    Response response = js(apiOrigin + "/x", hQuery, body, type, "");

    assertEquals(200, response.status(), response.bodyText());
    Seen at = only("api");
    assertEquals(List.of(expected), at.headers().get("x-fwd"));
    assertEquals(List.of("Bearer " + SECRET), at.headers().get("authorization"));
    assertSecretOnlyWhereDeclared();
  }

  @Test
  void js_declaredHeader_templateApplied_forTheDeclaredOriginOnly() {
    js(apiOrigin + "/x", "plain", null, null, "");
    assertEquals(List.of("Bearer " + SECRET), only("api").headers().get("authorization"));
    seen.clear();

    js(otherOrigin + "/x", "plain", null, null, "");
    assertEquals(null, only("other").headers().get("authorization"));
    assertSecretOnlyWhereDeclared();
  }

  @Test
  void js_guestSettingTheDeclaredHeader_inAnyCase_isReplacedByTheHosts() {
    for (String name : List.of("Authorization", "authorization", "AUTHORIZATION", "aUtHoRiZaTiOn")) {
      seen.clear();
      js(apiOrigin + "/x", q("Bearer attacker"), null, null, "&name=" + name);
      assertEquals(List.of("Bearer " + SECRET), only("api").headers().get("authorization"), name);

      seen.clear();
      js(otherOrigin + "/x", q("Bearer attacker"), null, null, "&name=" + name);
      assertEquals(List.of("Bearer attacker"), only("other").headers().get("authorization"),
          "another origin gets the guest's own value, never the secret");
    }
  }

  @Test
  void js_redirectFromTheSecretsOrigin_toAnother_carriesNoSecret() {
    Response response = js(apiOrigin + "/away", "x", null, null, "");

    assertEquals(200, response.status(), response.bodyText());
    assertEquals(List.of("Bearer " + SECRET), only("api").headers().get("authorization"));
    assertEquals("/landing", only("other").target());
    assertFalse(response.bodyText().contains(SECRET), "the echo at the other origin: " + response.bodyText());
    assertSecretOnlyWhereDeclared();
  }

  @Test
  void js_redirectWithinTheSecretsOrigin_carriesItOnEachHop() {
    js(apiOrigin + "/same", "x", null, null, "");

    assertEquals(2, seen.size(), seen.toString());
    assertTrue(seen.stream().allMatch(s -> s.server().equals("api")
        && List.of("Bearer " + SECRET).equals(s.headers().get("authorization"))), seen.toString());
  }

  @Test
  void js_redirectIntoTheSecretsOrigin_fromAnother_carriesNoSecret() {
    js(otherOrigin + "/home", "x", null, null, "");

    assertEquals("/landing", only("api").target());
    assertEquals(null, only("api").headers().get("authorization"), "the request started elsewhere");
    assertSecretOnlyWhereDeclared();
  }

  @Test
  void js_placeholderInTheUrl_isNotSubstituted() {
    js(otherOrigin + "/x?k=" + PLACEHOLDER.replace("{", "%7B").replace("}", "%7D"), "x", null, null, "");

    assertTrue(only("other").target().contains("%7Bsecrets.API_KEY%7D"), seen.toString());
    assertSecretOnlyWhereDeclared();
  }

  /** A JSON request for the Wasm proxies: the client picks the URL and the headers. */
  private static String wasmRequest(String url, String headerName, String jsonValue) {
    return "{\"url\":\"" + url + "\",\"method\":\"GET\",\"headers\":{\"" + headerName + "\":\"" + jsonValue + "\"}}";
  }

  static Stream<Arguments> wasmPlaceholders() {
    return Stream.of("wagi", "extism").flatMap(abi -> Stream.of(
        Arguments.of(abi, "{{secrets.API_KEY}}", PLACEHOLDER),
        Arguments.of(abi, "\\u007b\\u007bsecrets.API_KEY}}", PLACEHOLDER),
        Arguments.of(abi, "\\u007B\\u007B\\u0073ecrets\\u002EAPI_KEY\\u007D\\u007D", PLACEHOLDER),
        Arguments.of(abi, "%7B%7Bsecrets%2EAPI_KEY%7D%7D", "%7B%7Bsecrets%2EAPI_KEY%7D%7D"),
        Arguments.of(abi, "Bearer {{secrets.API_KEY}}", "Bearer " + PLACEHOLDER)));
  }

  private static Response wasm(String abi, String body) {
    return isola.handle(Request.post("/" + abi, body));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("wasmPlaceholders")
  void wasm_placeholderFromTheClient_isSentAsText_andTheSecretOnlyInItsHeader(String abi, String jsonValue,
      String expected) {
    Response toOther = wasm(abi, wasmRequest(otherOrigin + "/x", "X-Fwd", jsonValue));
    assertTrue(toOther.bodyText().startsWith("status=200\n"), toOther.bodyText());
    assertEquals(List.of(expected), only("other").headers().get("x-fwd"));
    assertFalse(toOther.bodyText().contains(SECRET), toOther.bodyText());

    Response toApi = wasm(abi, wasmRequest(apiOrigin + "/x", "X-Fwd", jsonValue));
    assertTrue(toApi.bodyText().startsWith("status=200\n"), toApi.bodyText());
    assertEquals(List.of(expected), only("api").headers().get("x-fwd"));
    assertEquals(List.of("Bearer " + SECRET), only("api").headers().get("authorization"));
    assertSecretOnlyWhereDeclared();
  }

  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"wagi", "extism"})
  void wasm_guestSettingTheDeclaredHeader_isReplaced_andRedirectsAwayCarryNoSecret(String abi) {
    wasm(abi, wasmRequest(apiOrigin + "/x", "AUTHORIZATION", "Bearer attacker"));
    assertEquals(List.of("Bearer " + SECRET), only("api").headers().get("authorization"));
    seen.clear();

    Response away = wasm(abi, wasmRequest(apiOrigin + "/away", "X-Fwd", "x"));
    assertTrue(away.bodyText().startsWith("status=200\n"), away.bodyText());
    assertEquals(List.of("Bearer " + SECRET), only("api").headers().get("authorization"));
    assertEquals(null, only("other").headers().get("authorization"));
    assertFalse(away.bodyText().contains(SECRET), away.bodyText());
    seen.clear();

    wasm(abi, wasmRequest(otherOrigin + "/home", "X-Fwd", "x"));
    assertEquals(null, only("api").headers().get("authorization"), "the request started elsewhere");
    assertSecretOnlyWhereDeclared();
  }

  // ---- the grant's checks at build ----

  @Test
  void oldBuilderForms_failNamingTheSecretAndTheNewForm() {
    @SuppressWarnings("removal")
    IllegalArgumentException list = assertThrows(IllegalArgumentException.class, () -> Grants.secrets("API_KEY"));
    assertTrue(list.getMessage().contains("Grants.secrets(\"API_KEY\") is no longer supported")
        && list.getMessage().contains("Grants.secret(\"API_KEY\").injectAs(\"Authorization\", \"Bearer {}\")"
            + ".into(\"https://api.example.com\")"), list.getMessage());
    @SuppressWarnings("removal")
    IllegalArgumentException bound = assertThrows(IllegalArgumentException.class,
        () -> Grants.secret("API_KEY", "https://api.payments.example"));
    assertTrue(bound.getMessage().contains("Grants.secret(\"API_KEY\", \"https://api.payments.example\")")
        && bound.getMessage().contains(".into(\"https://api.payments.example\")"), bound.getMessage());
  }

  @Test
  void secretSentToAnOriginTheRouteMayNotReach_failsBuild() {
    HandlerLoadException e = assertThrows(HandlerLoadException.class, () -> Isola.newBuilder()
        .secret("API_KEY", SECRET)
        .route("/x", Handler.javascript("x.js", JS_PROXY).grants(Grants.outboundHttp(otherOrigin),
            Grants.secret("API_KEY").injectAs("Authorization", "Bearer {}").into(apiOrigin)))
        .build());
    assertTrue(e.getMessage().contains("API_KEY") && e.getMessage().contains("may not reach")
        && e.getMessage().contains("outbound_http"), e.getMessage());
  }

  @Test
  void twoSecretsInOneHeaderForOneOrigin_failBuild() {
    HandlerLoadException e = assertThrows(HandlerLoadException.class, () -> Isola.newBuilder()
        .secret("A", "a").secret("B", "b")
        .route("/x", Handler.javascript("x.js", JS_PROXY).grants(Grants.outboundHttp("https://*.example.com"),
            Grants.secret("A").injectAs("X-Key").into("https://*.example.com"),
            Grants.secret("B").injectAs("x-key").into("https://api.example.com")))
        .build());
    assertTrue(e.getMessage().contains("secrets A and B") && e.getMessage().contains("X-Key"), e.getMessage());
  }

  @Test
  void theSameGrantInDefaultsAndHandler_isOneHeader() {
    Grant secret = Grants.secret("API_KEY").injectAs("Authorization", "Bearer {}").into(apiOrigin);
    try (Isola twice = Isola.newBuilder()
        .secret("API_KEY", SECRET)
        .defaultGrants(Grants.outboundHttp(apiOrigin), secret)
        .route("/js", Handler.javascript("proxy.js", JS_PROXY).grants(secret))
        .build()) {
      twice.handle(Request.get("/js?to=" + q(apiOrigin + "/x") + "&h=x"));
    }
    assertEquals(List.of("Bearer " + SECRET), only("api").headers().get("authorization"));
  }

  @Test
  void aSecretThatMakesAnInvalidHeaderValue_failsBuild_withoutShowingIt() {
    HandlerLoadException e = assertThrows(HandlerLoadException.class, () -> Isola.newBuilder()
        .secret("API_KEY", "caf\u00e9-\u0001-hidden")
        .route("/x", Handler.javascript("x.js", JS_PROXY).grants(Grants.outboundHttp(apiOrigin),
            Grants.secret("API_KEY").injectAs("X-Key").into(apiOrigin)))
        .build());
    assertTrue(e.getMessage().contains("API_KEY") && !e.getMessage().contains("hidden"), e.getMessage());
  }

  @Test
  void badHeaderOrTemplate_failsNamingIt() {
    Grants.SecretName key = Grants.secret("API_KEY");
    for (String[] bad : new String[][] {{"Bad Header", "{}", "not an HTTP header name"},
        {"Content-Length", "{}", "set by the host"}, {"Proxy-Authorization", "{}", "set by the host"},
        {"X-Key", "Bearer", "exactly once"}, {"X-Key", "{}{}", "exactly once"},
        {"X-Key", "Bearer {}\r\nX-Injected: 1", "visible ASCII"}}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> key.injectAs(bad[0], bad[1]).into("https://api.example.com"));
      assertTrue(e.getMessage().contains("API_KEY") && e.getMessage().contains(bad[2]), e.getMessage());
    }
    IllegalArgumentException none = assertThrows(IllegalArgumentException.class, () -> key.injectAs("X-Key").into());
    assertTrue(none.getMessage().contains("names no origin"), none.getMessage());
  }
}
