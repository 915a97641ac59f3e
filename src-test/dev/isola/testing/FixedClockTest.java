package dev.isola.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Handler;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A fixed clock makes what guests see of the time repeatable, in JavaScript and through WASI. */
class FixedClockTest {
  private static final Instant NOW = Instant.parse("2030-01-02T03:04:05.678Z");

  @RegisterExtension
  IsolaExtension isola = IsolaExtension.of(b -> b
          .route("/js", Handler.javascript("time.js", """
              export default { fetch() {
                return new Response([new Date().toISOString(), Date.now(), new Date(0).toISOString(),
                    typeof Date(), new Date() instanceof Date].join(" "));
              } };
              """))
          .route("/wasi", Handler.wasm(Path.of("src-test/wasm/wagi-random-clock.wasm"))))
      .clock(Clock.fixed(NOW, ZoneOffset.UTC));

  @Test
  void javaScript_seesTheFixedTime() {
    assertEquals(NOW + " " + NOW.toEpochMilli() + " 1970-01-01T00:00:00.000Z string true",
        isola.get("/js").bodyText());
  }

  @Test
  void wasi_seesTheFixedTime() {
    String body = isola.get("/wasi").bodyText();
    assertTrue(body.contains("time=" + NOW.getEpochSecond() + "\n"), body);
  }
}
