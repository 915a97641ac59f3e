package dev.isola.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Request;
import dev.isola.kv.TestClock;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension's stores keep the manifest's quotas and expire keys by the extension's clock. */
class IsolaExtensionStoreTest {
  static final TestClock MOVABLE = new TestClock(System.currentTimeMillis());

  @RegisterExtension
  IsolaExtension isola = IsolaExtension.fromManifest(Path.of("src-test/dev/isola/testing/kv-quota/isola.toml"))
      .clock(MOVABLE);

  @Test
  void manifestQuota_andExpiry_followTheManifestAndTheClock() {
    assertEquals("stored", isola.handle(Request.post("/note/a", "")).bodyText());
    String refused = isola.handle(Request.post("/note/b", "")).bodyText();
    assertTrue(refused.contains("max_keys limit of 1"), refused);
    MOVABLE.advance(Duration.ofMinutes(1));
    assertFalse(isola.kv("notes").exists("a"));
    assertEquals("stored", isola.handle(Request.post("/note/b", "")).bodyText());
  }
}
