package dev.isola.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.DataSize;
import dev.isola.kv.KeyValueStore;
import dev.isola.kv.StoreLimits;
import dev.isola.kv.StoreQuotaExceededException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quota keys of a {@code [store.NAME]} table: max_value_size, max_keys, max_bytes. */
class ManifestStoreLimitsTest {
  @TempDir Path dir;

  private Manifest load(String toml) throws IOException {
    Files.writeString(dir.resolve("a.js"), "export default { async fetch() { return new Response(\"ok\"); } };");
    return Manifest.load(Files.writeString(dir.resolve("isola.toml"), toml + """

        [[route]]
        path = "/a"
        handler = "a.js"
        """));
  }

  private String fails(String toml, int line, String key) throws IOException {
    Path file = Files.writeString(dir.resolve("isola.toml"), toml);
    ManifestException e = assertThrows(ManifestException.class, () -> Manifest.load(file));
    assertTrue(e.getMessage().startsWith(file + ":" + line + ":"), e.getMessage());
    assertEquals(key, e.key().orElse(null), e.getMessage());
    return e.getMessage();
  }

  @Test
  void quotaKeys_parsedOverTheTypesDefaults() throws IOException {
    Manifest manifest = load("""
        [store.cache]
        type = "memory"
        max_keys = 500
        [store.files]
        max_value_size = "1MB"
        max_keys = 10000
        max_bytes = "64MiB"
        [store.plain]
        [store.scratch]
        type = "memory"
        """);
    var stores = manifest.declarations().stores();
    assertEquals(StoreLimits.MEMORY_DEFAULTS.withMaxKeys(500), stores.get("cache").limits());
    assertEquals(new StoreLimits(1024 * 1024, 10_000, 64L * 1024 * 1024), stores.get("files").limits());
    assertEquals(StoreLimits.NONE, stores.get("plain").limits());
    assertEquals(StoreLimits.MEMORY_DEFAULTS, stores.get("scratch").limits());
  }

  @Test
  void quotaKeys_reachTheOpenedStore() throws IOException {
    Manifest manifest = load("""
        [store.tiny]
        type = "memory"
        max_bytes = "16B"
        """);
    try (KeyValueStore store = manifest.declarations().stores().get("tiny").open()) {
      store.put("k", new byte[15]);
      StoreQuotaExceededException e = assertThrows(StoreQuotaExceededException.class, () -> store.put("j", new byte[1]));
      assertEquals(StoreQuotaExceededException.Limit.MAX_BYTES, e.limit());
      assertEquals(DataSize.ofBytes(16).bytes(), e.allowed());
    }
  }

  @Test
  void maxKeys_notAnInteger_namedWithAnExample() throws IOException {
    String message = fails("""
        [store.s]
        max_keys = "many"
        """, 2, "max_keys");
    assertTrue(message.contains("max_keys = 10000"), message);
  }

  @Test
  void maxKeys_negative_named() throws IOException {
    String message = fails("""
        [store.s]
        max_keys = -1
        """, 2, "max_keys");
    assertTrue(message.contains("is negative: use 0 or more"), message);
  }

  @Test
  void maxValueSize_overSixteenMiB_named() throws IOException {
    String message = fails("""
        [store.s]
        max_value_size = "17MiB"
        """, 2, "max_value_size");
    assertTrue(message.contains("use at most \"16MiB\""), message);
  }

  @Test
  void maxBytes_notASize_named() throws IOException {
    String message = fails("""
        [store.s]
        max_bytes = "lots"
        """, 2, "max_bytes");
    assertTrue(message.contains("e.g. \"64MiB\""), message);
  }

  @Test
  void unknownQuotaKey_suggestsTheRightOne() throws IOException {
    String message = fails("""
        [store.s]
        max_key = 5
        """, 2, "max_key");
    assertTrue(message.contains("max_keys"), message);
  }

  @Test
  void quotaKey_inLimits_saysItBelongsInAStoreTable() throws IOException {
    String message = fails("""
        [limits]
        max_keys = 5
        """, 2, "max_keys");
    assertTrue(message.contains("belongs in a [store.NAME] table"), message);
  }
}
