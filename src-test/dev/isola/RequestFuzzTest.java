package dev.isola;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fuzz targets of request handling: random targets, methods and headers either are refused when the
 * request is built (IllegalArgumentException naming the value) or are answered by routing (a
 * response, 400 for an unsafe path), never anything else.
 */
class RequestFuzzTest {
  private static Isola isola;

  @BeforeAll
  static void build() {
    isola = Isola.newBuilder()
        .route("GET /users/:id", Handler.wasm(java.nio.file.Path.of("src-test/wasm/wagi-hello.wasm")))
        .route("/static/...", Handler.wasm(java.nio.file.Path.of("src-test/wasm/wagi-hello.wasm")))
        .build();
  }

  @AfterAll
  static void close() {
    isola.close();
  }

  @Test
  void randomRequests_areRefusedAtBuildOrAnswered() {
    SplittableRandom random = Fuzz.random("requests");
    String[] methods = {"GET", "POST", "HEAD", "DELETE", "G ET", "", "get", "PROPFIND"};
    for (int i = 0; i < Fuzz.inputs(); i++) {
      String target = new String(Fuzz.bytes(random, 40, "/users/static/..%2e%2F%5C%00?#:@ aé1\\"),
          StandardCharsets.ISO_8859_1);
      Request request;
      try {
        Request.Builder builder = Request.newBuilder().method(methods[random.nextInt(methods.length)]).target(target);
        if (random.nextBoolean()) {
          builder.header(new String(Fuzz.bytes(random, 8, "X-a:\r\n "), StandardCharsets.ISO_8859_1),
              new String(Fuzz.bytes(random, 8, "v\r\n\t "), StandardCharsets.ISO_8859_1));
        }
        request = builder.build();
      } catch (IllegalArgumentException refused) {
        assertTrue(refused.getMessage() != null && !refused.getMessage().isBlank());
        continue;
      }
      Response response = isola.handle(request);
      assertTrue(response.status() >= 200 && response.status() < 500, response.status() + " for " + target);
    }
  }
}
