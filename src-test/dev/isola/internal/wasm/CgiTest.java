package dev.isola.internal.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.GuestException;
import dev.isola.LimitExceededException;
import dev.isola.Response;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Reading CGI output: what is accepted, what is refused and how, and that nothing else escapes. */
class CgiTest {
  private static Response parse(String out) {
    byte[] bytes = out.getBytes(StandardCharsets.ISO_8859_1);
    return Cgi.parse("/r", "p.wasm", bytes, bytes.length, 1 << 20);
  }

  private static String refused(String out) {
    GuestException e = assertThrows(GuestException.class, () -> parse(out));
    assertEquals(502, e.httpStatus());
    assertTrue(e.getMessage().startsWith("route \"/r\": p.wasm did not answer with a CGI response: "), e.getMessage());
    return e.getMessage();
  }

  @Test
  void headersAndBody_withLfOrCrlf() {
    for (String eol : List.of("\n", "\r\n")) {
      Response r = parse("Content-Type: text/plain" + eol + "X-A:  b  " + eol + eol + "body" + eol + "more");
      assertEquals(200, r.status());
      assertEquals("text/plain", r.headers().first("content-type").orElseThrow());
      assertEquals("b", r.headers().first("x-a").orElseThrow());
      assertEquals("body" + eol + "more", r.bodyText());
    }
  }

  @Test
  void status_setsTheStatus_andIsNotAHeader() {
    Response r = parse("Status: 404 Not Found\nContent-Type: text/plain\n\nnope");
    assertEquals(404, r.status());
    assertTrue(r.headers().first("Status").isEmpty());
  }

  @Test
  void location_withoutStatus_isARedirect() {
    Response r = parse("Location: /elsewhere\n\n");
    assertEquals(302, r.status());
    assertEquals("/elsewhere", r.headers().first("Location").orElseThrow());
    assertEquals(201, parse("Status: 201\nLocation: /new\n\n").status());
  }

  @Test
  void bodyBytes_arePassedThroughExactly() {
    byte[] out = new byte[] {'A', ':', ' ', 'b', '\n', '\n', 0, (byte) 0xff, '\n', '\r'};
    assertArrayEquals(new byte[] {0, (byte) 0xff, '\n', '\r'}, Cgi.parse("/r", "p", out, out.length, 10).bodyBytes());
  }

  @Test
  void onlyTheFirstSizeBytesCount() {
    byte[] out = "A: b\n\nbodyGARBAGE".getBytes(StandardCharsets.US_ASCII);
    assertEquals("body", Cgi.parse("/r", "p", out, out.length - 7, 100).bodyText());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "\n\nbody", "just text", "Content-Type text/plain\n\n", ": no name\n\n",
      "Status: 99\n\n", "Status: 600 Big\n\n", "Status: abc\n\n", "Bad Name: x\n\n", "X-A: b\r\n", "X-Bad: a\u0001b\n\n"})
  void malformedOutput_isRefusedWithTheReason(String out) {
    refused(out);
  }

  @Test
  void messages_sayWhatIsWrong() {
    assertTrue(refused("").contains("wrote nothing to stdout"));
    assertTrue(refused("hello").contains("no blank line"));
    assertTrue(refused("hello\n\n").contains("header line 1 (\"hello\") is not \"Name: value\""));
    assertTrue(refused("Status: 7\n\n").contains("three-digit"));
    assertTrue(refused("\n").contains("starts with a blank line"));
  }

  @Test
  void headerSectionLongerThanItsCap_isRefused() {
    String longHeader = "X-A: " + "a".repeat(Cgi.MAX_HEADER_BYTES) + "\n\nbody";
    assertTrue(refused(longHeader).contains("run past 64 KiB"));
  }

  @Test
  void bodyOverItsLimit_isALimit() {
    byte[] out = "A: b\n\n12345".getBytes(StandardCharsets.US_ASCII);
    assertThrows(LimitExceededException.class, () -> Cgi.parse("/r", "p", out, out.length, 4));
    assertEquals("12345", Cgi.parse("/r", "p", out, out.length, 5).bodyText());
  }

  @Test
  void environment_decodesThePathAsUtf8_andKeepsUnescapedCharacters() {
    dev.isola.Request request = dev.isola.Request.newBuilder().target("/日本/%E6%97%A5%20x").build();
    var env = Cgi.environment(new dev.isola.internal.engine.Call("/...", request, java.util.Map.of(), "", "id",
        dev.isola.Limits.defaults(), System.nanoTime()));
    assertEquals("/日本/日 x", env.get("PATH_INFO"));
    assertEquals("localhost", env.get("SERVER_NAME"));
    assertEquals("80", env.get("SERVER_PORT"));
  }

  @Test
  void extismErrorText_isCutAndEscapedForMessages() {
    assertEquals("a\\x0ab\\x0d", ExtismHandler.printable("a\nb\r"));
    assertTrue(ExtismHandler.printable("x".repeat(100_000)).length() < 9000);
  }

  @Property(tries = 2000)
  void anyBytes_eitherParseOrFailWithAGuestError(@ForAll("cgiLike") byte[] out) {
    try {
      Response r = Cgi.parse("/r", "p", out, out.length, 1 << 20);
      assertTrue(r.status() >= 100 && r.status() <= 599);
    } catch (GuestException e) {
      assertEquals(502, e.httpStatus());
    }
  }

  @Property(tries = 500)
  void wellFormedOutput_roundTrips(@ForAll("names") List<String> names, @ForAll byte[] body) {
    StringBuilder head = new StringBuilder();
    for (int i = 0; i < names.size(); i++) {
      head.append(names.get(i)).append(": v").append(i).append(i % 2 == 0 ? "\n" : "\r\n");
    }
    head.append("Content-Type: a/b\n\n");
    byte[] h = head.toString().getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[h.length + body.length];
    System.arraycopy(h, 0, out, 0, h.length);
    System.arraycopy(body, 0, out, h.length, body.length);
    Response r = Cgi.parse("/r", "p", out, out.length, 1 << 20);
    assertArrayEquals(body, r.bodyBytes());
    for (int i = 0; i < names.size(); i++) {
      assertTrue(r.headers().all(names.get(i)).contains("v" + i));
    }
  }

  @Provide
  Arbitrary<List<String>> names() {
    return Arbitraries.strings().withCharRange('a', 'z').withChars('-').ofMinLength(1).ofMaxLength(12)
        .filter(n -> !n.equalsIgnoreCase("status") && !n.equalsIgnoreCase("location"))
        .list().ofMaxSize(8);
  }

  @Provide
  Arbitrary<byte[]> cgiLike() {
    Arbitrary<String> piece = Arbitraries.oneOf(
        Arbitraries.of("Status: ", "Location: ", "Content-Type: ", ":", " ", "\n", "\r\n", "\n\n", "\r", "200", "99",
            "X-A: ", "\u0000", "\u00ff", "Status: 404 x\n"),
        Arbitraries.strings().ofMaxLength(10));
    return Combinators.combine(piece.list().ofMaxSize(30), Arbitraries.bytes().array(byte[].class).ofMaxSize(20))
        .as((parts, tail) -> {
          byte[] head = String.join("", parts).getBytes(StandardCharsets.ISO_8859_1);
          byte[] out = new byte[head.length + tail.length];
          System.arraycopy(head, 0, out, 0, head.length);
          System.arraycopy(tail, 0, out, head.length, tail.length);
          return out;
        });
  }
}
