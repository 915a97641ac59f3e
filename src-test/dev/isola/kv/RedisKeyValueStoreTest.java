package dev.isola.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

/**
 * The Redis store against a real {@code redis-server} this class starts: the shared contract, with
 * every test in a key prefix of its own, plus sharing and connection failures.
 */
class RedisKeyValueStoreTest extends KeyValueStoreContract {
  static RedisServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = RedisServer.start();
  }

  @AfterAll
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
    }
  }

  @Override
  KeyValueStore open() {
    return KeyValueStores.redis(server.uri(), "test:" + UUID.randomUUID() + ":");
  }

  @Override
  KeyValueStore open(StoreLimits limits) {
    return KeyValueStores.redis(server.uri(), "test:" + UUID.randomUUID() + ":", limits);
  }

  /** Redis expires keys itself (SET ... PX), by its own clock: short, and waited for with a generous bound. */
  @Override
  Duration shortTtl() {
    return Duration.ofMillis(200);
  }

  @Override
  void expire(KeyValueStore kv, String key) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (kv.exists(key)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("key " + key + " put with a time to live of " + shortTtl() + " still exists after 30 s");
      }
      Thread.sleep(50);
    }
  }

  @Test
  void putWithTtl_isRedisOwnExpiry() {
    String prefix = "ttl:" + UUID.randomUUID() + ":";
    try (RedisClient raw = RedisClient.create(server.uri());
        KeyValueStore kv = KeyValueStores.redis(server.uri(), prefix)) {
      kv.put("k", bytes("v"), Duration.ofSeconds(100));
      long pttl = raw.pttl(prefix + "k");
      assertTrue(pttl > 0 && pttl <= 100_000, "PTTL " + pttl);
      kv.put("k", bytes("v"));
      assertEquals(-1, raw.pttl(prefix + "k"));
    }
  }

  @Test
  void quota_storesOnOnePrefix_shareTheCountOnTheServer_andItsKeysAreNotListed() {
    String prefix = "quota:" + UUID.randomUUID() + ":";
    StoreLimits two = StoreLimits.NONE.withMaxKeys(2);
    try (KeyValueStore a = KeyValueStores.redis(server.uri(), prefix, two);
        KeyValueStore b = KeyValueStores.redis(server.uri(), prefix, two);
        KeyValueStore whole = KeyValueStores.redis(server.uri())) {
      a.put("x", bytes("1"));
      b.put("y", bytes("2"));
      StoreQuotaExceededException e = assertThrows(StoreQuotaExceededException.class, () -> a.put("z", bytes("3")));
      assertContains(e.getMessage(), "holds 2 keys", "max_keys limit is 2");
      assertEquals(List.of(prefix + "x", prefix + "y"), whole.list(prefix, 10));
      assertTrue(b.delete("x"));
      a.put("z", bytes("3"));
    }
  }

  @Test
  void keyPrefix_storesSharingServer_seeOnlyTheirOwnKeys() {
    try (KeyValueStore first = KeyValueStores.redis(server.uri(), "shared-a:");
        KeyValueStore second = KeyValueStores.redis(server.uri(), "shared-a:b:");
        KeyValueStore whole = KeyValueStores.redis(server.uri())) {
      first.put("x", bytes("first"));
      second.put("x", bytes("second"));
      assertEquals("first", text(first.get("x")));
      assertEquals("second", text(second.get("x")));
      assertEquals(List.of("b:x", "x"), first.list("", 10));
      assertEquals(List.of("x"), second.list("", 10));
      assertEquals(List.of("shared-a:b:x", "shared-a:x"), whole.list("shared-a:", 10));
    }
  }

  @Test
  void keyPrefix_withGlobCharacters_matchedLiterally() {
    try (KeyValueStore starred = KeyValueStores.redis(server.uri(), "glob*[x]?:");
        KeyValueStore plain = KeyValueStores.redis(server.uri(), "globZx]Q:")) {
      starred.put("k", bytes("1"));
      plain.put("k", bytes("2"));
      assertEquals(List.of("k"), starred.list("", 10));
      assertEquals("1", text(starred.get("k")));
    }
  }

  @Test
  void list_foreignKeysUnderPrefix_notValidKeys_skipped() {
    try (RedisClient raw = RedisClient.create(server.uri());
        KeyValueStore scoped = KeyValueStores.redis(server.uri(), "foreign:")) {
      scoped.put("ok", bytes("v"));
      raw.set(new byte[] {'f', 'o', 'r', 'e', 'i', 'g', 'n', ':', (byte) 0xff}, bytes("not UTF-8"));
      raw.set(bytes("foreign:a\0b"), bytes("NUL"));
      raw.set(bytes("foreign:" + "x".repeat(KeyValueStore.MAX_KEY_BYTES + 1)), bytes("too long"));
      assertEquals(List.of("ok"), scoped.list("", 10));
    }
  }

  @Test
  void increment_isRedisIncrbyOnTheServer_keepingPttlAndExactAccounting() {
    String prefix = "incr:" + UUID.randomUUID() + ":";
    try (RedisClient raw = RedisClient.create(server.uri());
        KeyValueStore kv = KeyValueStores.redis(server.uri(), prefix)) {
      kv.put("n", bytes("9"), Duration.ofSeconds(100));
      assertEquals(10, kv.increment("n", 1));
      long pttl = raw.pttl(prefix + "n");
      assertTrue(pttl > 0 && pttl <= 100_000, "PTTL " + pttl);
      raw.incrBy(prefix + "n", 5); // another Redis client counts on the same key
      assertEquals(16, kv.increment("n", 1));
      assertTrue(kv.compareAndSet("s", null, bytes("abcd")));
      assertEquals("3", raw.hget(prefix + "\0sizes", "n")); // key 1 + "16" 2
      assertEquals("5", raw.hget(prefix + "\0sizes", "s"));
      assertEquals("2", raw.hget(prefix + "\0usage", "keys"));
      assertEquals("8", raw.hget(prefix + "\0usage", "bytes"));
      assertTrue(kv.compareAndSet("s", bytes("abcd"), null));
      assertEquals(null, raw.hget(prefix + "\0sizes", "s"));
      assertEquals("1", raw.hget(prefix + "\0usage", "keys"));
      assertEquals("3", raw.hget(prefix + "\0usage", "bytes"));
    }
  }

  @Test
  void connect_nothingListening_failsNamingUri() throws Exception {
    int port = server.port();
    server.close();
    try {
      UncheckedIOException e = assertThrows(UncheckedIOException.class,
          () -> KeyValueStores.redis("redis://:secret@127.0.0.1:" + port + "/0"));
      assertContains(e.getMessage(), "redis://:***@127.0.0.1:" + port + "/0", "cannot reach Redis");
      assertEquals(-1, e.getMessage().indexOf("secret"), e.getMessage());
    } finally {
      server = RedisServer.start();
    }
  }

  @Test
  void operation_serverGone_failsNamingStoreAndKey() throws Exception {
    KeyValueStore orphan = open();
    server.close();
    try {
      UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> orphan.put("k", bytes("v")));
      assertContains(e.getMessage(), "redis://127.0.0.1:" + server.port() + "/0", "\"k\"", "could not write");
    } finally {
      orphan.close();
      server = RedisServer.start();
    }
  }
}
