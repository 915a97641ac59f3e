package dev.isola.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.isola.Grants;
import dev.isola.Handler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** samples/js/visits.js tested with the kit; README's "Testing handlers" example is part of this class. */
class SampleHandlerTest {
  @RegisterExtension
  IsolaExtension isola = IsolaExtension.of(builder -> builder
          .variable("GREETING", "Hello")
          .route("GET /visits/:page", Handler.javascript(Path.of("samples/js/visits.js"))
              .grants(Grants.keyValue("visits"), Grants.variables("GREETING"))))
      .store("visits");

  @Test
  void visits_seededCount_isIncrementedAndStored() {
    isola.kv("visits").put("home", "41".getBytes(StandardCharsets.UTF_8));

    var response = isola.get("/visits/home");

    assertEquals("{\"greeting\":\"Hello\",\"page\":\"home\",\"visits\":42}", response.bodyText());
    assertEquals("42", new String(isola.kv("visits").get("home").orElseThrow(), StandardCharsets.UTF_8));
  }

  @Test
  void visits_firstVisit_countsOne() {
    assertEquals("{\"greeting\":\"Hello\",\"page\":\"about\",\"visits\":1}", isola.get("/visits/about").bodyText());
  }

  /** The same handler from samples/isola.toml, its store replaced by one in memory. */
  @Nested
  class FromManifest {
    @RegisterExtension
    IsolaExtension manifest = IsolaExtension.fromManifest(Path.of("samples/isola.toml"));

    @Test
    void visits_manifestStore_isInMemoryAndSeedable() {
      manifest.kv("visits").put("home", "9".getBytes(StandardCharsets.UTF_8));

      assertEquals("{\"greeting\":\"Welcome!\",\"page\":\"home\",\"visits\":10}",
          manifest.get("/visits/home").bodyText());
      assertEquals(Optional.of("10"), manifest.kv("visits").get("home").map(v -> new String(v, StandardCharsets.UTF_8)));
    }
  }
}
