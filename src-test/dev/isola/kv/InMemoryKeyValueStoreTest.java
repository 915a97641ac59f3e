package dev.isola.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The memory store: the shared contract (without quotas), plus its default quotas and accounting. */
class InMemoryKeyValueStoreTest extends KeyValueStoreContract {
  final TestClock clock = new TestClock();

  @Override
  KeyValueStore open() {
    return KeyValueStores.inMemory(StoreLimits.NONE, clock);
  }

  @Override
  KeyValueStore open(StoreLimits limits) {
    return KeyValueStores.inMemory(limits, clock);
  }

  @Override
  Duration shortTtl() {
    return Duration.ofSeconds(60);
  }

  @Override
  void expire(KeyValueStore kv, String key) {
    clock.advance(Duration.ofSeconds(61));
  }

  @Test
  void defaults_boundTheHeap_refusingTheWriteThatWouldPass64MiB() {
    try (KeyValueStore kv = KeyValueStores.inMemory()) {
      byte[] hundredKiB = new byte[100 * 1024];
      int stored = 0;
      StoreQuotaExceededException e = null;
      // 25 calls of 200 puts of 100 KiB each would be 500 MB; the defaults stop it at 64 MiB.
      for (int i = 0; i < 25 * 200 && e == null; i++) {
        try {
          kv.put("k" + i, hundredKiB);
          stored++;
        } catch (StoreQuotaExceededException full) {
          e = full;
        }
      }
      assertEquals(StoreQuotaExceededException.Limit.MAX_BYTES, e.limit());
      long[] usage = ((InMemoryKeyValueStore) kv).usage();
      assertEquals(stored, usage[0]);
      assertEquals(64L * 1024 * 1024 / (100 * 1024 + 5), stored, "100 KiB values with keys of about 5 bytes");
      assertThrows(StoreQuotaExceededException.class, () -> kv.put("big", new byte[1024 * 1024 + 1]));
    }
  }

  @Test
  void accounting_overwriteDeleteAndExpiry_keepExactCounts() {
    InMemoryKeyValueStore kv = (InMemoryKeyValueStore) KeyValueStores.inMemory(StoreLimits.NONE, clock);
    kv.put("a", new byte[10]);
    kv.put("a", new byte[4]);
    kv.put("bb", new byte[6], Duration.ofSeconds(60));
    assertArrayEquals(new long[] {2, 5 + 8}, kv.usage());
    kv.delete("a");
    assertArrayEquals(new long[] {1, 8}, kv.usage());
    clock.advance(Duration.ofSeconds(60));
    kv.put("c", new byte[0]); // a write removes what expired
    assertArrayEquals(new long[] {1, 1}, kv.usage());
    kv.close();
  }
}
