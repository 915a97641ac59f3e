package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A handler's answer is always a final response (200 to 599): an interim 1xx status written as the
 * final answer leaves the client waiting on a connection that is then reused. Every engine is
 * refused the same way, by {@link Response.Builder#status}.
 */
class FinalStatusTest {
  private static final Path WASM = Path.of("src-test/wasm");
  private static final String JS = """
      export default {
        fetch(request) {
          const status = +new URL(request.url).searchParams.get("status");
          return new Response(null, { status });
        }
      };
      """;

  private static Isola isola;

  @BeforeAll
  static void build() {
    isola = Isola.newBuilder()
        .route("/wagi", Handler.wasm(WASM.resolve("wagi-any-status.wasm")))
        .route("POST /extism", Handler.wasm(WASM.resolve("extism-status.wasm")).export("status"))
        .route("/js", Handler.javascript("status.js", JS))
        .build();
  }

  @AfterAll
  static void close() {
    isola.close();
  }

  @ParameterizedTest
  @ValueSource(ints = {100, 101, 103, 199, 0, 600, 999})
  void responseBuilder_refusesWhatIsNotAFinalStatus_namingIt(int status) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Response.newBuilder().status(status));
    assertTrue(e.getMessage().contains("status " + status + " "), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(ints = {200, 204, 299, 404, 599})
  void responseBuilder_takesFinalStatuses(int status) {
    assertEquals(status, Response.newBuilder().status(status).build().status());
  }

  @ParameterizedTest
  @ValueSource(strings = {"100", "101", "103", "199"})
  void wagi_interimStatusLine_is502NamingTheStatus(String status) {
    GuestException e = assertThrows(GuestException.class,
        () -> isola.handle(Request.get("/wagi?" + status)));
    assertEquals(502, e.httpStatus());
    String code = status;
    assertTrue(e.getMessage().contains("status " + code + " is an interim (1xx) status"), e.getMessage());
    assertTrue(e.getMessage().contains("Status: " + code), e.getMessage()); // the offending CGI line
  }

  @Test
  void wagi_finalStatus_isAnswered() {
    Response r = isola.handle(Request.get("/wagi?201"));
    assertEquals(201, r.status());
    assertEquals("status sent\n", r.bodyText());
  }

  @ParameterizedTest
  @ValueSource(strings = {"100", "101", "199", "000", "600"})
  void extism_statusVarOutsideTheFinalRange_is502NamingTheStatus(String status) {
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(post("/extism", status)));
    assertEquals(502, e.httpStatus());
    assertTrue(e.getMessage().contains("\"response.status\" to \"" + status + "\""), e.getMessage());
    assertTrue(e.getMessage().contains("status " + Integer.parseInt(status) + " "), e.getMessage());
  }

  @Test
  void extism_finalStatus_isAnswered() {
    Response r = isola.handle(post("/extism", "201"));
    assertEquals(201, r.status());
    assertEquals("status sent", r.bodyText());
  }

  /**
   * JavaScript never gets a 1xx past its own {@code Response} constructor: the Fetch standard makes
   * it throw a {@code RangeError}, so the handler fails (500) and the error names the status.
   */
  @ParameterizedTest
  @ValueSource(ints = {100, 101, 199})
  void js_interimStatus_neverBecomesTheAnswer(int status) {
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.get("/js?status=" + status)));
    assertEquals(500, e.httpStatus());
    assertTrue(e.getMessage().contains("RangeError") && e.getMessage().contains("got " + status), e.getMessage());
  }

  @Test
  void js_finalStatus_isAnswered() {
    assertEquals(202, isola.handle(Request.get("/js?status=202")).status());
  }

  private static Request post(String path, String body) {
    return Request.newBuilder().method("POST").target(path).body(body).build();
  }
}
