package dev.isola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class RequestTest {
  @Test
  void target_originForm_splitsPathAndQuery() {
    Request r = Request.get("/a/b%20c?x=1&y=2#frag");
    assertEquals("/a/b%20c", r.path());
    assertEquals(Optional.of("x=1&y=2"), r.query());
    assertEquals(Optional.empty(), r.origin());
  }

  @Test
  void target_absoluteForm_givesOrigin() {
    Request r = Request.get("https://example.com:8443/p?q");
    assertEquals(Optional.of("https://example.com:8443"), r.origin());
    assertEquals("/p", r.path());
    assertEquals(Optional.of("q"), r.query());
    assertEquals("/", Request.get("https://example.com").path());
    assertEquals("/", Request.get("https://example.com?q=1").path());
  }

  @Test
  void target_relativeWithoutSlash_refused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Request.get("hello"));
    assertTrue(e.getMessage().contains("\"hello\""), e.getMessage());
  }

  @Test
  void target_withSpace_refused() {
    assertThrows(IllegalArgumentException.class, () -> Request.get("/a b"));
  }

  @Test
  void method_lowerCase_upperCased() {
    assertEquals("PATCH", Request.newBuilder().method("patch").build().method());
    assertThrows(IllegalArgumentException.class, () -> Request.newBuilder().method("GET /x"));
  }

  @Test
  void body_isCopiedAndReadOnly() {
    byte[] bytes = {1, 2, 3};
    Request r = Request.newBuilder().body(bytes).build();
    bytes[0] = 9;
    assertArrayEquals(new byte[] {1, 2, 3}, r.bodyBytes());
    assertTrue(r.body().isReadOnly());
    r.bodyBytes()[0] = 7;
    assertEquals(1, r.body().get(0));
  }

  @Test
  void toBuilder_changesOnlyWhatIsSet() {
    Request r = Request.post("/x", "hi").toBuilder().header("X-A", "1").build();
    assertEquals("POST", r.method());
    assertEquals("hi", r.bodyText());
    assertEquals(Optional.of("1"), r.headers().first("x-a"));
  }

  @Test
  void requestId_plainHeader_givenOtherwiseEmpty() {
    assertEquals(Optional.of("a-1_b.C"), Request.newBuilder().header("X-Request-Id", "a-1_b.C").build().requestId());
    assertEquals(Optional.empty(), Request.newBuilder().header("X-Request-Id", "").build().requestId());
    assertEquals(Optional.empty(), Request.newBuilder().header("X-Request-Id", "a b").build().requestId());
    assertEquals(Optional.empty(), Request.newBuilder().header("X-Request-Id", "x".repeat(65)).build().requestId());
    assertEquals(Optional.empty(), Request.get("/").requestId());
    assertTrue(Request.isPlainRequestId("x".repeat(64)));
  }

  @Test
  void response_statusOutOfRange_refused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Response.newBuilder().status(99));
    assertTrue(e.getMessage().contains("99"), e.getMessage());
  }
}
