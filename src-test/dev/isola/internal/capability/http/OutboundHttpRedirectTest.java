package dev.isola.internal.capability.http;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.CapabilityDeniedException;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Redirects are followed by {@link OutboundHttp} itself, each hop checked; real servers on 127.0.0.1. */
class OutboundHttpRedirectTest {
  private static final String ROUTE = "GET /fetch";
  private static final long MiB = 1024 * 1024;

  private final OutboundHttp http = new OutboundHttp();

  @AfterEach
  void close() {
    http.close();
  }

  private HttpResult send(HttpCall call, LoopbackServer... granted) {
    String[] origins = java.util.Arrays.stream(granted).map(LoopbackServer::origin).toArray(String[]::new);
    return http.send(ROUTE, OriginAllowList.of(origins), call, System.nanoTime() + TimeUnit.SECONDS.toNanos(10), MiB);
  }

  private static HttpCall post(java.net.URI uri, String body, Map<String, List<String>> headers) {
    return new HttpCall("POST", uri, headers, body.getBytes(UTF_8));
  }

  @Test
  void redirect_toSecondGrantedServer_followed() throws IOException {
    try (LoopbackServer target = LoopbackServer.answering(200, "arrived");
        LoopbackServer first = LoopbackServer.redirecting(302, target.origin() + "/landing")) {
      HttpResult result = send(HttpCall.get(first.uri("/start")), first, target);

      assertEquals(200, result.status());
      assertEquals("arrived", new String(result.body(), UTF_8));
      assertEquals(target.uri("/landing"), result.finalUri());
      assertEquals(1, first.hits());
      assertEquals("/landing", target.seen.get(0).path());
    }
  }

  @Test
  void redirect_outOfTheCallsNarrowing_deniedAndTargetNeverHit() throws IOException {
    try (LoopbackServer target = LoopbackServer.answering(200, "arrived");
        LoopbackServer first = LoopbackServer.redirecting(302, target.origin() + "/landing")) {
      OriginAllowList route = OriginAllowList.of(first.origin(), target.origin());
      CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class, () -> http.send(ROUTE, route,
          OriginAllowList.of(first.origin()), HttpCall.get(first.uri("/start")), List.of(),
          System.nanoTime() + TimeUnit.SECONDS.toNanos(10), MiB));

      assertTrue(e.getMessage().contains("not to this call"), e.getMessage());
      assertEquals(0, target.hits());
    }
  }

  private static SecretHeader apiKey(LoopbackServer... to) {
    return new SecretHeader("KEY", "X-Api-Key", "s3cret",
        OriginAllowList.of(java.util.Arrays.stream(to).map(LoopbackServer::origin).toList()));
  }

  private void sendWith(SecretHeader secret, HttpCall call, LoopbackServer... granted) {
    String[] origins = java.util.Arrays.stream(granted).map(LoopbackServer::origin).toArray(String[]::new);
    http.send(ROUTE, OriginAllowList.of(origins), null, call, List.of(secret),
        System.nanoTime() + TimeUnit.SECONDS.toNanos(10), MiB);
  }

  /** Every value any server saw, in any header. */
  private static List<String> everyValue(LoopbackServer... servers) {
    return java.util.Arrays.stream(servers).flatMap(s -> s.seen.stream())
        .flatMap(seen -> seen.headers().values().stream()).flatMap(List::stream).toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"TRACE", "trace", "TRACK", "Track"})
  void echoingMethods_areRefusedBeforeTheSecretIsSent(String method) throws IOException {
    // A server answering TRACE echoes the request, the host's secret header included, back to the guest.
    try (LoopbackServer server = LoopbackServer.answering(200, "echo")) {
      HttpCall call = new HttpCall(method, server.uri("/"), Map.of(), new byte[0]);
      OutboundHttpException e = assertThrows(OutboundHttpException.class, () -> sendWith(apiKey(server), call, server));

      assertTrue(e.getMessage().contains(method) && e.getMessage().contains("echo"), e.getMessage());
      assertEquals(0, server.hits());
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {301, 302, 303, 307, 308})
  void redirect_toAnotherOrigin_carriesNoSecretHeader(int status) throws IOException {
    try (LoopbackServer target = LoopbackServer.answering(200, "arrived");
        LoopbackServer first = LoopbackServer.redirecting(status, target.origin() + "/landing")) {
      HttpCall call = new HttpCall("GET", first.uri("/start"), Map.of("X-Plain", List.of("kept")), new byte[0]);
      sendWith(apiKey(first), call, first, target);

      assertEquals(List.of("s3cret"), first.seen.get(0).headers().get("X-Api-Key"));
      assertNull(target.seen.get(0).headers().getFirst("X-Api-Key"));
      assertEquals("kept", target.seen.get(0).headers().getFirst("X-Plain"));
      assertTrue(everyValue(target).stream().noneMatch(v -> v.contains("s3cret")), everyValue(target).toString());
    }
  }

  @Test
  void redirect_withinTheSecretsOrigin_carriesItOnEveryHop() throws IOException {
    try (LoopbackServer server = LoopbackServer.start((exchange, request) -> {
      if (request.path().equals("/old")) {
        exchange.getResponseHeaders().add("Location", "/new");
        LoopbackServer.respond(exchange, 302, "");
      } else {
        LoopbackServer.respond(exchange, 200, "new");
      }
    })) {
      sendWith(apiKey(server), HttpCall.get(server.uri("/old")), server);

      assertEquals(2, server.hits());
      assertEquals(List.of("s3cret"), server.seen.get(0).headers().get("X-Api-Key"));
      assertEquals(List.of("s3cret"), server.seen.get(1).headers().get("X-Api-Key"));
    }
  }

  @Test
  void redirect_backToTheSecretsOrigin_afterLeavingIt_carriesNoSecret() throws IOException {
    try (LoopbackServer home = LoopbackServer.answering(200, "home");
        LoopbackServer away = LoopbackServer.redirecting(302, home.origin() + "/back")) {
      // Sent to the secret's origin first, which sends the request away, which sends it back.
      try (LoopbackServer first = LoopbackServer.redirecting(302, away.origin() + "/away")) {
        SecretHeader secret = apiKey(first, home);
        sendWith(secret, HttpCall.get(first.uri("/")), first, away, home);

        assertEquals(List.of("s3cret"), first.seen.get(0).headers().get("X-Api-Key"));
        assertNull(away.seen.get(0).headers().getFirst("X-Api-Key"));
        assertEquals("/back", home.seen.get(0).path());
        assertNull(home.seen.get(0).headers().getFirst("X-Api-Key"),
            "once the request left the secret's origins, the secret is not sent again");
      }
      // A request that starts elsewhere never gets it, even when redirected to the secret's origin.
      sendWith(apiKey(home), HttpCall.get(away.uri("/")), away, home);
      assertNull(home.seen.get(1).headers().getFirst("X-Api-Key"));
    }
  }

  @Test
  void secretHeader_replacesTheGuestsHeaderOfThatName_inAnyCase() throws IOException {
    try (LoopbackServer server = LoopbackServer.answering(200, "ok")) {
      Map<String, List<String>> headers = new java.util.LinkedHashMap<>();
      headers.put("x-api-key", List.of("from-the-guest"));
      headers.put("X-API-KEY", List.of("again"));
      headers.put("X-Other", List.of("{{secrets.KEY}}"));
      sendWith(apiKey(server), new HttpCall("GET", server.uri("/"), headers, new byte[0]), server);

      assertEquals(List.of("s3cret"), server.seen.get(0).headers().get("X-Api-Key"));
      assertEquals("{{secrets.KEY}}", server.seen.get(0).headers().getFirst("X-Other"), "sent as written");
    }
  }

  @Test
  void redirect_relativeLocation_resolvedAgainstTheRequest() throws IOException {
    try (LoopbackServer server = LoopbackServer.start((exchange, request) -> {
      if (request.path().equals("/a/start")) {
        exchange.getResponseHeaders().add("Location", "next?x=1");
        LoopbackServer.respond(exchange, 301, "");
      } else {
        LoopbackServer.respond(exchange, 200, "at " + request.path());
      }
    })) {
      HttpResult result = send(HttpCall.get(server.uri("/a/start")), server);

      assertEquals("at /a/next?x=1", new String(result.body(), UTF_8));
    }
  }

  @Test
  void redirect_toUngrantedOrigin_deniedAndTargetNeverHit() throws IOException {
    try (LoopbackServer elsewhere = LoopbackServer.answering(200, "secret");
        LoopbackServer first = LoopbackServer.redirecting(307, elsewhere.origin() + "/steal")) {
      CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class,
          () -> send(HttpCall.get(first.uri("/")), first));

      assertEquals(0, elsewhere.hits());
      String denied = "http://127.0.0.1:" + elsewhere.port();
      assertTrue(e.getMessage().startsWith("route \"GET /fetch\": outbound HTTP to " + denied
          + " (redirected from http://127.0.0.1:" + first.port() + ") is not granted"), e.getMessage());
      assertTrue(e.getMessage().contains("outbound_http = [\"" + denied + "\"]"), e.getMessage());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"file:///etc/passwd", "ftp://127.0.0.1/", "http://169.254.169.254/latest/meta-data/"})
  void redirect_toForbiddenTarget_denied(String location) throws IOException {
    try (LoopbackServer first = LoopbackServer.redirecting(302, location)) {
      assertThrows(CapabilityDeniedException.class, () -> send(HttpCall.get(first.uri("/")), first));
    }
  }

  @Test
  void redirect_loop_stoppedAfterFiveRedirects() throws IOException {
    try (LoopbackServer loop = LoopbackServer.start((exchange, request) -> {
      exchange.getResponseHeaders().add("Location", "/again");
      LoopbackServer.respond(exchange, 302, "");
    })) {
      OutboundHttpException e = assertThrows(OutboundHttpException.class,
          () -> send(HttpCall.get(loop.uri("/")), loop));

      assertEquals(OutboundHttp.MAX_REDIRECTS + 1, loop.hits());
      assertEquals("too many redirects: the request to " + loop.origin() + " was redirected more than 5 times",
          e.getMessage());
    }
  }

  @Test
  void redirect303_post_becomesGetWithoutBody() throws IOException {
    try (LoopbackServer target = LoopbackServer.answering(200, "done");
        LoopbackServer first = LoopbackServer.redirecting(303, target.origin() + "/result")) {
      send(post(first.uri("/form"), "a=1", Map.of("Content-Type", List.of("application/x-www-form-urlencoded"))),
          first, target);

      LoopbackServer.Seen seen = target.seen.get(0);
      assertEquals("GET", seen.method());
      assertEquals(0, seen.body().length);
      assertNull(seen.headers().getFirst("Content-Type"));
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {307, 308})
  void redirect307or308_post_keepsMethodAndBody(int status) throws IOException {
    try (LoopbackServer target = LoopbackServer.answering(200, "done");
        LoopbackServer first = LoopbackServer.redirecting(status, target.origin() + "/moved")) {
      send(post(first.uri("/upload"), "the data", Map.of("Content-Type", List.of("text/plain"))), first, target);

      LoopbackServer.Seen seen = target.seen.get(0);
      assertEquals("POST", seen.method());
      assertEquals("the data", new String(seen.body(), UTF_8));
      assertEquals("text/plain", seen.headers().getFirst("Content-Type"));
    }
  }

  @Test
  void redirect_toAnotherOrigin_dropsCredentialsKeepsOtherHeaders() throws IOException {
    try (LoopbackServer target = LoopbackServer.answering(200, "done");
        LoopbackServer first = LoopbackServer.redirecting(302, target.origin() + "/")) {
      Map<String, List<String>> headers = Map.of("Authorization", List.of("Bearer secret"),
          "Cookie", List.of("session=1"), "X-Trace", List.of("t-1"));

      send(new HttpCall("GET", first.uri("/"), headers, new byte[0]), first, target);

      assertEquals("Bearer secret", first.seen.get(0).headers().getFirst("Authorization"));
      LoopbackServer.Seen seen = target.seen.get(0);
      assertNull(seen.headers().getFirst("Authorization"));
      assertNull(seen.headers().getFirst("Cookie"));
      assertEquals("t-1", seen.headers().getFirst("X-Trace"));
    }
  }

  @Test
  void redirect_withinTheSameOrigin_keepsCredentials() throws IOException {
    try (LoopbackServer server = LoopbackServer.start((exchange, request) -> {
      if (request.path().equals("/old")) {
        exchange.getResponseHeaders().add("Location", "/new");
        LoopbackServer.respond(exchange, 308, "");
      } else {
        LoopbackServer.respond(exchange, 200, "new");
      }
    })) {
      send(new HttpCall("GET", server.uri("/old"), Map.of("Authorization", List.of("Bearer secret")), new byte[0]),
          server);

      assertEquals("Bearer secret", server.seen.get(1).headers().getFirst("Authorization"));
    }
  }

  @Test
  void redirect_withoutLocation_returnedAsTheAnswer() throws IOException {
    try (LoopbackServer server = LoopbackServer.answering(302, "no location")) {
      HttpResult result = send(HttpCall.get(server.uri("/")), server);

      assertEquals(302, result.status());
      assertEquals("no location", new String(result.body(), UTF_8));
    }
  }
}
