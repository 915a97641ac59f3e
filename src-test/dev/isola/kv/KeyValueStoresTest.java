package dev.isola.kv;

import static dev.isola.kv.KeyValueStoreContract.assertContains;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
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

  /** A store written before the atomic operations: only the abstract methods. */
  private static final class OldStore implements KeyValueStore {
    @Override
    public Optional<byte[]> get(String key) {
      return Optional.empty();
    }

    @Override
    public void put(String key, byte[] value) {}

    @Override
    public boolean delete(String key) {
      return false;
    }

    @Override
    public boolean exists(String key) {
      return false;
    }

    @Override
    public List<String> list(String prefix, int limit) {
      return List.of();
    }

    @Override
    public void close() {}

    @Override
    public String toString() {
      return "OldStore";
    }
  }

  @Test
  void atomicOperations_storeWithoutThem_refuseNamingKeyAndFix() {
    KeyValueStore old = new OldStore();
    UnsupportedOperationException inc = assertThrows(UnsupportedOperationException.class, () -> old.increment("n", 1));
    assertContains(inc.getMessage(), "OldStore", "\"n\"", "implement KeyValueStore.increment", "KeyValueStores");
    UnsupportedOperationException cas = assertThrows(UnsupportedOperationException.class,
        () -> old.compareAndSet("k", null, new byte[0]));
    assertContains(cas.getMessage(), "OldStore", "\"k\"", "implement KeyValueStore.compareAndSet");
    assertThrows(IllegalArgumentException.class, () -> old.increment("", 1), "the key is checked first");
  }
}
