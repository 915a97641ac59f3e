package dev.isola.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.CallOptions;
import dev.isola.CapabilityDeniedException;
import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Headers;
import dev.isola.Request;
import dev.isola.Response;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The kit used the way a user would: seeded stores, stubbed HTTP, captured logs, JS and Wasm routes. */
class IsolaExtensionTest {
  private static final String COUNTER = """
      export default { async fetch(request, env, ctx) {
        const n = Number((await env.KV.get(ctx.params.key)) ?? "0") + 1;
        await env.KV.put(ctx.params.key, String(n));
        return new Response(String(n));
      } };
      """;

  /**
   * Fetches a URL given in the query (?url=...), the host adding the API key for its origin;
   * answers what it got or how it failed.
   */
  private static final String PROXY = """
      export default { async fetch(request, env, ctx) {
        const url = new URL(request.url).searchParams.get("url");
        try {
          const res = await fetch(url, { headers: { "x-note": "{{secrets.API_KEY}}" } });
          return new Response(res.status + " " + await res.text());
        } catch (e) {
          return new Response(e.name + ": " + e.message, { status: 502 });
        }
      } };
      """;

  private static final String RAW = """
      export default { async fetch(request, env, ctx) {
        return new Response(await (await fetch("https://evil.example.net/")).text());
      } };
      """;

  private static final String LOGGER = """
      export default { fetch(request, env, ctx) {
        console.log("hello", { from: ctx.params.name });
        console.warn("careful");
        return new Response("logged");
      } };
      """;

  @RegisterExtension
  IsolaExtension isola = IsolaExtension.of(builder -> builder
          .secret("API_KEY", "test-key")
          .route("GET /count/:key", Handler.javascript("counter.js", COUNTER).grants(Grants.keyValue("counts")))
          .route("GET /proxy", Handler.javascript("proxy.js", PROXY).grants(
              Grants.outboundHttp("https://api.example.com", "https://other.example.com"),
              Grants.secret("API_KEY").injectAs("Authorization", "Bearer {}").into("https://api.example.com")))
          .route("GET /raw", Handler.javascript("raw.js", RAW).grants(Grants.outboundHttp("https://api.example.com")))
          .route("GET /log/:name", Handler.javascript("logger.js", LOGGER))
          .route("GET /wasm/hello", Handler.wasm(Path.of("src-test/wasm/wagi-hello.wasm")))
          .route("GET /wasm/stderr", Handler.wasm(Path.of("src-test/wasm/wagi-stderr.wasm"))))
      .store("counts");

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(Optional<byte[]> value) {
    return value.map(bytes -> new String(bytes, StandardCharsets.UTF_8)).orElse("(none)");
  }

  private Response proxy(String url) {
    return isola.get("/proxy?url=" + java.net.URLEncoder.encode(url, StandardCharsets.UTF_8));
  }

  // ---- key-value ----

  @Test
  void kv_seededByTheTest_isReadAndUpdatedByTheGuest() {
    isola.kv("counts").put("home", utf8("41"));

    Response response = isola.get("/count/home");

    assertEquals("42", response.bodyText());
    assertEquals("42", text(isola.kv("counts").get("home")));
  }

  @Test
  void kv_eachTest_startsEmpty() {
    assertEquals(List.of(), isola.kv("counts").list("", 10));
  }

  @Test
  void kv_undeclaredStore_namesTheDeclaredOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> isola.kv("visits"));

    assertTrue(e.getMessage().contains("\"visits\"") && e.getMessage().contains("counts"), e.getMessage());
  }

  // ---- outbound HTTP ----

  @Test
  void stubHttp_grantedOrigin_guestGetsTheStubbedBody() {
    isola.stubHttp("https://api.example.com/users/1").respond(200, "{\"name\":\"Ada\"}");

    assertEquals("200 {\"name\":\"Ada\"}", proxy("https://api.example.com/users/1").bodyText());
  }

  @Test
  void httpRequests_recordTheSecretHeaderTheHostAdds_andGuestTextAsWritten() {
    isola.stubHttp("https://api.example.com/users/1").respond(200, "ok");

    proxy("https://api.example.com/users/1");

    RecordedRequest sent = isola.httpRequests().get(0);
    assertEquals("GET", sent.method());
    assertEquals(URI.create("https://api.example.com/users/1"), sent.uri());
    assertEquals(Optional.of("Bearer test-key"), sent.headers().first("authorization"));
    assertEquals(Optional.of("{{secrets.API_KEY}}"), sent.headers().first("x-note"), "never substituted");
    assertEquals("GET /proxy", sent.route());
    assertTrue(sent.stubbed());
  }

  @Test
  void httpRequests_anotherOriginAndARedirectToIt_carryNoSecret() {
    isola.stubHttp("https://other.example.com/").respond(200, "elsewhere");
    isola.stubHttp("https://api.example.com/moved")
        .respond(302, Headers.of("Location", "https://other.example.com/"), "");

    assertEquals("200 elsewhere", proxy("https://other.example.com/").bodyText());
    assertEquals("200 elsewhere", proxy("https://api.example.com/moved").bodyText());

    List<RecordedRequest> sent = isola.httpRequests();
    assertEquals(3, sent.size(), sent.toString());
    assertEquals(Optional.empty(), sent.get(0).headers().first("authorization"), "not the secret's origin");
    assertEquals(Optional.of("Bearer test-key"), sent.get(1).headers().first("authorization"));
    assertEquals(URI.create("https://other.example.com/"), sent.get(2).uri());
    assertEquals(Optional.empty(), sent.get(2).headers().first("authorization"), "the redirect left its origin");
  }

  @Test
  void stubHttp_prefix_matchesEveryUrlUnderIt() {
    isola.stubHttp("https://api.example.com/users/*").respond(200, "someone");

    assertEquals("200 someone", proxy("https://api.example.com/users/7?full=1").bodyText());
  }

  @Test
  void stubHttp_method_matchesThatMethodOnly() {
    isola.stubHttp("POST", "https://api.example.com/users/1").respond(201, "created");

    Response response = proxy("https://api.example.com/users/1");

    assertEquals("TypeError: connection refused: https://api.example.com:443", response.bodyText());
  }

  @Test
  void stubHttp_severalMatch_lastDeclaredAnswers() {
    isola.stubHttp("https://api.example.com/*").respond(500, "down");
    isola.stubHttp("https://api.example.com/users/1").respond(200, "up");

    assertEquals("200 up", proxy("https://api.example.com/users/1").bodyText());
  }

  @Test
  void unstubbedUrl_failsLikeARefusedConnection_andIsRecorded() {
    Response response = proxy("https://api.example.com/nothing-here");

    assertEquals(502, response.status());
    assertEquals("TypeError: connection refused: https://api.example.com:443", response.bodyText());
    assertEquals(1, isola.httpRequests().size());
    assertFalse(isola.httpRequests().get(0).stubbed());
  }

  @Test
  void ungrantedOrigin_isDenied_evenWithAStub() {
    isola.stubHttp("https://evil.example.net/").respond(200, "secrets welcome");

    Response response = proxy("https://evil.example.net/");

    assertTrue(response.bodyText().startsWith("CapabilityDeniedError: route \"GET /proxy\""), response.bodyText());
    assertEquals(List.of(), isola.httpRequests(), "nothing left the host");
    assertEquals(1L, isola.isola().capabilityDenials().get("GET /proxy"));
  }

  @Test
  void narrowedCall_stubbedOriginOutsideTheNarrowing_isDenied() {
    isola.stubHttp("https://api.example.com/*").respond(200, "ok");

    Response response = isola.handle(Request.get("/proxy?url=https%3A%2F%2Fapi.example.com%2Fusers%2F1"),
        CallOptions.newBuilder().outboundHttp("https://other.example.com").build());

    assertTrue(response.bodyText().startsWith("CapabilityDeniedError"), response.bodyText());
    assertTrue(response.bodyText().contains("narrowed"), response.bodyText());
    assertEquals(List.of(), isola.httpRequests());
  }

  @Test
  void stubbedRedirect_toAnUngrantedOrigin_isDenied() {
    isola.stubHttp("https://api.example.com/moved")
        .respond(302, Headers.of("Location", "https://evil.example.net/"), "");

    Response response = proxy("https://api.example.com/moved");

    assertTrue(response.bodyText().contains("evil.example.net"), response.bodyText());
    assertTrue(response.bodyText().startsWith("CapabilityDeniedError"), response.bodyText());
    assertEquals(1, isola.httpRequests().size(), "only the first hop was sent");
  }

  @Test
  void stubHttp_notAnHttpUrl_isRefusedWithAnExample() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> isola.stubHttp("api.example.com/users"));

    assertTrue(e.getMessage().contains("https://api.example.com/users/1"), e.getMessage());
  }

  // ---- logs ----

  @Test
  void logs_consoleLines_areCapturedWithTheirLevel() {
    isola.get("/log/ada");

    assertEquals(List.of(new LogLine("GET /log/:name", "info", "hello { from: 'ada' }"),
        new LogLine("GET /log/:name", "warn", "careful")), isola.logs("GET /log/:name"));
  }

  @Test
  void logs_otherRoute_areNotIncluded() {
    isola.get("/log/ada");

    assertEquals(List.of(), isola.logs("GET /count/:key"));
  }

  @Test
  void logs_unknownRoute_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> isola.logs("GET /logs/:name"));
  }

  // ---- WebAssembly ----

  @Test
  void wasmRoute_answersThroughTheKit() {
    Response response = isola.get("/wasm/hello");

    assertEquals(200, response.status());
    assertEquals("hello from wagi\n", response.bodyText());
  }

  @Test
  void wasmRoute_stderr_isCapturedAsWarnings() {
    isola.get("/wasm/stderr");

    assertEquals(List.of("one", "two", "three"), isola.logs("GET /wasm/stderr").stream().map(LogLine::text).toList());
    assertTrue(isola.logs().stream().allMatch(line -> line.level().equals("warn")), isola.logs().toString());
  }

  // ---- the Isola ----

  @Test
  void uncaughtDenial_failsTheCallAsInProduction() {
    isola.stubHttp("https://evil.example.net/").respond(200, "secrets welcome");

    CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class, () -> isola.get("/raw"));

    assertEquals(403, e.httpStatus());
  }
}
