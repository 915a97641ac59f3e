package dev.isola.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Request;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The extension's stores keep the manifest's quotas and expire keys by the extension's clock. */
class IsolaExtensionStoreTest {
  static final AtomicLong now = new AtomicLong(System.currentTimeMillis());

  static final Clock MOVABLE = new Clock() {
    @Override
    public long millis() {
      return now.get();
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis());
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  };

  @RegisterExtension
  IsolaExtension isola = IsolaExtension.fromManifest(Path.of("src-test/dev/isola/testing/kv-quota/isola.toml"))
      .clock(MOVABLE);

  @Test
  void manifestQuota_andExpiry_followTheManifestAndTheClock() {
    assertEquals("stored", isola.handle(Request.post("/note/a", "")).bodyText());
    String refused = isola.handle(Request.post("/note/b", "")).bodyText();
    assertTrue(refused.contains("max_keys limit of 1"), refused);
    now.addAndGet(60_000);
    assertFalse(isola.kv("notes").exists("a"));
    assertEquals("stored", isola.handle(Request.post("/note/b", "")).bodyText());
  }
}
