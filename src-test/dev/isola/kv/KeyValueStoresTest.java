package dev.isola.kv;

import static dev.isola.kv.KeyValueStoreContract.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The factories refuse bad arguments before connecting, and never print a password. */
class KeyValueStoresTest {
  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "redis://127.0.0.1:6379/0 | redis://127.0.0.1:6379/0",
      "redis://:s3cret@cache:6379/2 | redis://:***@cache:6379/2",
      "rediss://app:s3cret@cache.example.com/0?protocol=3 | rediss://app:***@cache.example.com/0?protocol=3"})
  void maskPassword_hidesOnlyThePassword(String uri, String masked) {
    assertEquals(masked, KeyValueStores.maskPassword(URI.create(uri)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"http://s3cret@cache:6379", "redis:///0", "redis://s3cret@cache:6379",
      "redis://:s3cret@cache:6379/zero", "redis://:s3cret@cache:6379/0 1", "redis://:s3cret@ca che"})
  void redis_malformedUri_refusedWithoutPassword(String uri) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyValueStores.redis(uri));
    assertContains(e.getMessage(), "Redis URI", "redis://");
    assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"a\0b", "\uD800"})
  void redis_badKeyPrefix_refusedBeforeConnecting(String keyPrefix) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KeyValueStores.redis("redis://127.0.0.1:1/0", keyPrefix));
    assertContains(e.getMessage(), "Redis key prefix for redis://127.0.0.1:1/0");
  }
}
