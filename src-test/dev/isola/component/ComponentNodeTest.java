package dev.isola.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.HandlerLoadException;
import dev.isola.Isola;
import dev.isola.Limits;
import dev.isola.LimitExceededException;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.capability.component.NodeToken;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** What a node serves its peers at /.isola/components/: only calls signed with its key. */
class ComponentNodeTest {
  static final String ECHO = "export default { async fetch(request) { return new Response(request.method + \" \""
      + " + new URL(request.url).pathname + \" \" + await request.text()); } };";

  static Isola node(String key) {
    Isola.Builder b = Isola.newBuilder().component("inventory", Handler.javascript("inventory.js", ECHO))
        .component("spin", Handler.javascript("spin.js", "export default { async fetch() { for (;;) {} } };")
            .limits(Limits.newBuilder().timeout(Duration.ofSeconds(120)).build()))
        .component("hidden", Handler.javascript("hidden.js", ECHO))
        .serveComponents("inventory", "spin");
    return (key == null ? b : b.nodeKey(key)).build();
  }

  static Request signed(String key, Clock clock, String component, String method, String target, int depth,
      long timeoutMillis, String body) {
    String token = new NodeToken(key.getBytes(StandardCharsets.UTF_8), clock).sign(new NodeToken.Claims(component,
        method, target, depth, timeoutMillis, "rid-1", body.getBytes(StandardCharsets.UTF_8)));
    return Request.newBuilder().method(method).target("/.isola/components/" + component + target)
        .header("X-Request-Id", "rid-1").header("Isola-Call-Depth", Integer.toString(depth))
        .header("Isola-Timeout-Ms", Long.toString(timeoutMillis)).header(NodeToken.HEADER, token).body(body).build();
  }

  static Request signed(String component, String target, String body) {
    return signed(ComponentNodes.KEY, Clock.systemUTC(), component, "POST", target, 1, 5000, body);
  }

  @Test
  void aSignedCall_isServed() {
    try (Isola isola = node(ComponentNodes.KEY)) {
      Response r = isola.handle(signed("inventory", "/items/7?x=1", "hi"));
      assertEquals(200, r.status(), r.bodyText());
      assertEquals("POST /items/7 hi", r.bodyText());
    }
  }

  @Test
  void withoutANodeKey_thereIsNoComponentEndpoint() {
    try (Isola isola = node(null)) {
      assertEquals(404, isola.handle(signed("inventory", "/items/7", "hi")).status());
    }
  }

  @Test
  void everyCallWithoutAValidToken_is401_andRunsNothing() {
    String otherKey = "another-node-key-of-at-least-32-bytes-long";
    Clock past = Clock.fixed(Instant.now().minusSeconds(600), ZoneOffset.UTC);
    Clock future = Clock.fixed(Instant.now().plusSeconds(3600), ZoneOffset.UTC);
    Request valid = signed("inventory", "/items/7", "hi");
    Request[] refused = {
        valid.toBuilder().headers(valid.headers().toBuilder().remove(NodeToken.HEADER).build()).build(),
        valid.toBuilder().headers(valid.headers().toBuilder().set(NodeToken.HEADER, "v1.x.y").build()).build(),
        signed(otherKey, Clock.systemUTC(), "inventory", "POST", "/items/7", 1, 5000, "hi"),
        signed(ComponentNodes.KEY, past, "inventory", "POST", "/items/7", 1, 5000, "hi"),
        signed(ComponentNodes.KEY, future, "inventory", "POST", "/items/7", 1, 5000, "hi"),
        valid.toBuilder().target("/.isola/components/inventory/items/8").build(),      // another target
        valid.toBuilder().body("ha").build(),                                             // another body
        valid.toBuilder().method("PUT").build(),                                          // another method
        valid.toBuilder().headers(valid.headers().toBuilder().set("Isola-Timeout-Ms", "999999").build()).build(),
        valid.toBuilder().headers(valid.headers().toBuilder().set("Isola-Call-Depth", "0").build()).build(),
        valid.toBuilder().headers(valid.headers().toBuilder().set("X-Request-Id", "other").build()).build(),
        valid.toBuilder().target("/.isola/components/hidden/items/7").build()};           // another component
    try (Isola isola = node(ComponentNodes.KEY)) {
      for (Request request : refused) {
        Response r = isola.handle(request);
        assertEquals(401, r.status(), request + ": " + r.bodyText());
        assertEquals(NodeToken.HEADER, r.headers().first("WWW-Authenticate").orElseThrow());
        assertTrue(r.bodyText().startsWith("401 Unauthorized: component calls are served only to nodes"), r.bodyText());
      }
      assertEquals(200, isola.handle(valid).status(), "the node still serves valid calls");
    }
  }

  @Test
  void aComponentNotServedHere_is404_evenWhenDeclared() {
    try (Isola isola = node(ComponentNodes.KEY)) {
      Response r = isola.handle(signed("hidden", "/items/7", "hi"));
      assertEquals(404, r.status());
      assertEquals("404 Not Found: component hidden is not served on this node (it serves inventory, spin)\n",
          r.bodyText());
    }
  }

  @Test
  void aCallPastTheMostDepth_is508() {
    try (Isola isola = node(ComponentNodes.KEY)) {
      Response r = isola.handle(signed(ComponentNodes.KEY, Clock.systemUTC(), "inventory", "GET", "/", 9, 5000, ""));
      assertEquals(508, r.status());
      assertTrue(r.bodyText().startsWith("508 Loop Detected"), r.bodyText());
    }
  }

  @Test
  void theTimeLeftInTheHeader_boundsTheCallee() {
    try (Isola isola = node(ComponentNodes.KEY)) {
      long start = System.nanoTime();
      LimitExceededException e = assertThrows(LimitExceededException.class, () -> isola.handle(
          signed(ComponentNodes.KEY, Clock.systemUTC(), "spin", "GET", "/", 1, 300, "")));
      assertEquals(LimitExceededException.Limit.TIMEOUT, e.limit());
      assertTrue(Duration.ofNanos(System.nanoTime() - start).toSeconds() < 60, "its own 120 s did not apply");
    }
  }

  @Test
  void aPublicRouteUnderTheEndpoint_isRefusedWhenPeersAreServed() {
    dev.isola.RouteConflictException e = assertThrows(dev.isola.RouteConflictException.class, () -> Isola.newBuilder()
        .nodeKey(ComponentNodes.KEY).route("/.isola/components/x", Handler.javascript("x.js", ECHO)).build());
    assertTrue(e.getMessage().contains("under /.isola/"), e.getMessage());
  }

  @Test
  void buildErrors_nameTheComponentAndTheFix() {
    HandlerLoadException unknown = assertThrows(HandlerLoadException.class, () -> Isola.newBuilder()
        .route("/a", Handler.javascript("a.js", ECHO).grants(Grants.calls("billing"))).build());
    assertTrue(unknown.getMessage().contains("component \"billing\", which this Isola neither serves nor reaches"),
        unknown.getMessage());
    HandlerLoadException notServed = assertThrows(HandlerLoadException.class, () -> Isola.newBuilder()
        .component("billing", Handler.javascript("b.js", ECHO)).serveComponents()
        .route("/a", Handler.javascript("a.js", ECHO).grants(Grants.calls("billing"))).build());
    assertTrue(notServed.getMessage().contains("Isola.Builder.remote(\"billing\", url)"), notServed.getMessage());
    IllegalArgumentException noKey = assertThrows(IllegalArgumentException.class, () -> Isola.newBuilder()
        .remote("billing", "http://127.0.0.1:1").build());
    assertTrue(noKey.getMessage().contains("need a node key"), noKey.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Isola.newBuilder().nodeKey("short"));
    assertThrows(IllegalArgumentException.class, () -> Isola.newBuilder().component("Bad-Name", Handler.javascript("b.js", ECHO)));
    assertThrows(IllegalArgumentException.class, () -> Isola.newBuilder().component("kv", Handler.javascript("b.js", ECHO)));
    assertThrows(IllegalArgumentException.class, () -> Isola.newBuilder().remote("billing", "ftp://x"));
    assertThrows(IllegalArgumentException.class, () -> Isola.newBuilder().serveComponents("billing")
        .component("other", Handler.javascript("b.js", ECHO)).build());
  }
}
