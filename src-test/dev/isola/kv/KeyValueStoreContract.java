package dev.isola.kv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.DataSize;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What every {@link KeyValueStore} must do. A backend's test class extends this and says how to
 * open a fresh, empty store.
 */
abstract class KeyValueStoreContract {
  /** A key of {@link KeyValueStore#MAX_KEY_BYTES} bytes: 'é' is two bytes in UTF-8. */
  static final String LONGEST_KEY = "é".repeat(KeyValueStore.MAX_KEY_BYTES / 2);

  KeyValueStore store;

  /** A new, empty store. */
  abstract KeyValueStore open() throws Exception;

  /** Another new, empty store with quotas {@code limits}; the test closes it. */
  abstract KeyValueStore open(StoreLimits limits) throws Exception;

  /** A time to live that {@link #expire} outlives. */
  abstract Duration shortTtl();

  /** Lets time pass until a key put with {@link #shortTtl} under {@code key} in {@code kv} is gone. */
  abstract void expire(KeyValueStore kv, String key) throws Exception;

  private final List<KeyValueStore> extra = new ArrayList<>();

  KeyValueStore limited(StoreLimits limits) throws Exception {
    KeyValueStore kv = open(limits);
    extra.add(kv);
    return kv;
  }

  @BeforeEach
  void openStore() throws Exception {
    store = open();
  }

  @AfterEach
  void closeStore() {
    store.close();
    extra.forEach(KeyValueStore::close);
  }

  static byte[] bytes(String text) {
    return text.getBytes(UTF_8);
  }

  static String text(Optional<byte[]> value) {
    return value.map(v -> new String(v, UTF_8)).orElse("<absent>");
  }

  @Test
  void get_missingKey_empty() {
    assertEquals(Optional.empty(), store.get("missing"));
    assertFalse(store.exists("missing"));
  }

  @Test
  void put_thenGet_returnsValue() {
    store.put("greeting", bytes("hello"));
    assertEquals("hello", text(store.get("greeting")));
    assertTrue(store.exists("greeting"));
  }

  @Test
  void put_existingKey_replacesValue() {
    store.put("k", bytes("one"));
    store.put("k", bytes("two"));
    assertEquals("two", text(store.get("k")));
    assertEquals(List.of("k"), store.list("", 10));
  }

  @Test
  void put_emptyValue_storedAsEmpty() {
    store.put("empty", new byte[0]);
    assertArrayEquals(new byte[0], store.get("empty").orElseThrow());
    assertTrue(store.exists("empty"));
  }

  @Test
  void put_allByteValues_roundTrip() {
    byte[] value = new byte[256];
    for (int i = 0; i < value.length; i++) {
      value[i] = (byte) i;
    }
    store.put("binary", value);
    assertArrayEquals(value, store.get("binary").orElseThrow());
  }

  @Test
  void put_largestValue_accepted() {
    byte[] value = new byte[KeyValueStore.MAX_VALUE_BYTES];
    value[value.length - 1] = 42;
    store.put("big", value);
    assertArrayEquals(value, store.get("big").orElseThrow());
  }

  @Test
  void put_valueOverLimit_refusedNamingKeyAndLimit() {
    byte[] value = new byte[KeyValueStore.MAX_VALUE_BYTES + 1];
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.put("too-big", value));
    assertContains(e.getMessage(), "\"too-big\"", Integer.toString(KeyValueStore.MAX_VALUE_BYTES), "MAX_VALUE_BYTES");
    assertFalse(store.exists("too-big"));
  }

  @Test
  void put_callerChangesArrayAfterPut_storedValueUnchanged() {
    byte[] value = bytes("original");
    store.put("k", value);
    value[0] = 'X';
    assertEquals("original", text(store.get("k")));
  }

  @Test
  void get_callerChangesReturnedArray_storedValueUnchanged() {
    store.put("k", bytes("original"));
    store.get("k").orElseThrow()[0] = 'X';
    assertEquals("original", text(store.get("k")));
  }

  @Test
  void delete_existingKey_trueAndGone() {
    store.put("k", bytes("v"));
    assertTrue(store.delete("k"));
    assertEquals(Optional.empty(), store.get("k"));
    assertFalse(store.exists("k"));
    assertEquals(List.of(), store.list("", 10));
  }

  @Test
  void delete_missingKey_false() {
    assertFalse(store.delete("never-written"));
  }

  @Test
  void list_prefix_onlyMatchingKeysSortedAndLimited() {
    for (String key : List.of("user:3", "user:1", "users", "user:2", "use", "other", "user:10")) {
      store.put(key, bytes(key));
    }
    assertEquals(List.of("user:1", "user:10", "user:2", "user:3"), store.list("user:", 10));
    assertEquals(List.of("user:1", "user:10"), store.list("user:", 2));
    assertEquals(List.of("other", "use", "user:1"), store.list("", 3));
    assertEquals(List.of(), store.list("nobody", 10));
    assertEquals(List.of("users"), store.list("users", 10));
  }

  @Test
  void list_zeroLimit_empty() {
    store.put("k", bytes("v"));
    assertEquals(List.of(), store.list("", 0));
  }

  @Test
  void list_negativeLimit_refused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.list("", -1));
    assertContains(e.getMessage(), "-1");
  }

  @Test
  void list_nonAsciiKeys_inUtf8ByteOrder() {
    // UTF-8 order: "z" < "é" (U+00E9) < "\uE000" < "𝄞" (U+1D11E); String.compareTo puts "𝄞" before "\uE000".
    List<String> expected = List.of("z", "é", "\uE000", "𝄞", "𝄞x");
    for (String key : expected.reversed()) {
      store.put(key, bytes(key));
    }
    assertEquals(expected, store.list("", 10));
    assertEquals(List.of("𝄞", "𝄞x"), store.list("𝄞", 10));
  }

  @ParameterizedTest
  @ValueSource(strings = {"*", "?", "[", "]", "\\", "[a-z]", "a*b"})
  void list_globCharactersInPrefix_matchedLiterally(String prefix) {
    for (String key : List.of(prefix + "1", prefix + "2", "a", "ab", "a1b", "z", "[", "\\\\")) {
      store.put(key, bytes(key));
    }
    List<String> expected = new ArrayList<>(store.list("", 100).stream().filter(k -> k.startsWith(prefix)).toList());
    assertTrue(expected.containsAll(List.of(prefix + "1", prefix + "2")), expected::toString);
    assertEquals(expected, store.list(prefix, 100));
  }

  @Test
  void list_longKeys_foundByShortAndLongPrefixes() {
    String base = "p".repeat(63);
    // 64, 129, 65 and 264 bytes: in the file store, the first is a file beside the directory of the others.
    List<String> keys = List.of(base + "a", base + "a".repeat(66), base + "ab", base + "b" + "c".repeat(200));
    for (String key : keys.reversed()) {
      store.put(key, bytes(key));
    }
    store.put(LONGEST_KEY, bytes(LONGEST_KEY));
    assertEquals(keys, store.list("p", 10));
    assertEquals(keys.subList(0, 3), store.list(base + "a", 10));
    assertEquals(keys.subList(1, 2), store.list(base + "aa", 10));
    assertEquals(keys.subList(3, 4), store.list(base + "b" + "c".repeat(100), 10));
    assertEquals(keys.subList(0, 2), store.list(base, 2));
    assertEquals(List.of(LONGEST_KEY), store.list(LONGEST_KEY, 10));
    assertEquals(LONGEST_KEY, text(store.get(LONGEST_KEY)));
    assertTrue(store.delete(base + "ab"));
    assertEquals(keys.subList(0, 2), store.list(base + "a", 10));
  }

  @Test
  void key_empty_refused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.put("", bytes("v")));
    assertContains(e.getMessage(), "key \"\"", "empty");
  }

  @Test
  void key_withNul_refusedOnEveryOperation() {
    String key = "a\0b";
    for (Executable call : List.<Executable>of(() -> store.put(key, bytes("v")), () -> store.get(key),
        () -> store.exists(key), () -> store.delete(key), () -> store.list(key, 1), () -> store.increment(key, 1),
        () -> store.compareAndSet(key, null, bytes("v")))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
      assertContains(e.getMessage(), "\"a\\u0000b\"", "NUL");
    }
  }

  @Test
  void key_unpairedSurrogate_refused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.put("a\uD800", bytes("v")));
    assertContains(e.getMessage(), "surrogate");
  }

  @Test
  void key_longest_accepted() {
    store.put(LONGEST_KEY, bytes("v"));
    assertEquals("v", text(store.get(LONGEST_KEY)));
  }

  @Test
  void key_oneByteTooLong_refusedNamingCutKeyAndLimit() {
    String key = LONGEST_KEY + "x";
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> store.put(key, bytes("v")));
    assertContains(e.getMessage(), "\"" + "é".repeat(Keys.QUOTED_CHARS) + "…\"", "513", "512", "MAX_KEY_BYTES");
    assertFalse(e.getMessage().contains("é".repeat(Keys.QUOTED_CHARS + 1)), e.getMessage());
  }

  @Test
  void close_twice_secondDoesNothing() {
    store.close();
    store.close();
  }

  @Test
  void close_thenUse_refused() {
    store.put("k", bytes("v"));
    store.close();
    for (Executable call : List.<Executable>of(() -> store.put("k", bytes("v")), () -> store.get("k"),
        () -> store.exists("k"), () -> store.delete("k"), () -> store.list("", 1), () -> store.increment("n", 1),
        () -> store.compareAndSet("k", bytes("v"), null))) {
      IllegalStateException e = assertThrows(IllegalStateException.class, call);
      assertContains(e.getMessage(), "closed");
    }
  }

  @Test
  void concurrentWriters_distinctAndSharedKeys_allWritesKept() throws Exception {
    int threads = 8;
    int writesPerThread = 40;
    List<Callable<Void>> writers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      writers.add(() -> {
        for (int i = 0; i < writesPerThread; i++) {
          store.put("own:" + thread + ":" + i, bytes(thread + "/" + i));
          store.put("shared:" + (i % 4), bytes("from " + thread));
          store.get("shared:" + (i % 4)).orElseThrow();
          store.list("shared:", 10);
          if (i % 5 == 0) {
            store.delete("own:" + thread + ":" + i);
          }
        }
        return null;
      });
    }
    try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
      for (Future<Void> done : pool.invokeAll(writers)) {
        done.get();
      }
    }
    for (int t = 0; t < threads; t++) {
      for (int i = 0; i < writesPerThread; i++) {
        String expected = i % 5 == 0 ? "<absent>" : t + "/" + i;
        assertEquals(expected, text(store.get("own:" + t + ":" + i)));
      }
    }
    assertEquals(List.of("shared:0", "shared:1", "shared:2", "shared:3"), store.list("shared:", 10));
    for (int s = 0; s < 4; s++) {
      assertTrue(text(store.get("shared:" + s)).startsWith("from "));
    }
    assertEquals(threads * writesPerThread * 4 / 5, store.list("own:", 1000).size());
  }

  // ---- time to live ----

  @Test
  void putWithTtl_longTtl_readListedAndExists() {
    store.put("k", bytes("v"), Duration.ofHours(1));
    assertEquals("v", text(store.get("k")));
    assertTrue(store.exists("k"));
    assertEquals(List.of("k"), store.list("", 10));
  }

  @Test
  void putWithTtl_afterExpiry_absentUnlistedAndNotDeletable() throws Exception {
    store.put("keep", bytes("1"), Duration.ofHours(1));
    store.put("gone", bytes("2"), shortTtl());
    expire(store, "gone");
    assertEquals("<absent>", text(store.get("gone")));
    assertFalse(store.exists("gone"));
    assertEquals(List.of("keep"), store.list("", 10));
    assertFalse(store.delete("gone"));
    assertEquals("1", text(store.get("keep")));
  }

  @Test
  void put_withoutTtlAfterPutWithTtl_keyStays() throws Exception {
    store.put("k", bytes("old"), shortTtl());
    store.put("k", bytes("new"));
    store.put("probe", bytes("p"), shortTtl()); // put last, gone last
    expire(store, "probe");
    assertEquals("new", text(store.get("k")));
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, -60_000})
  void putWithTtl_notPositive_refusedNamingKeyAndFix(long millis) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> store.put("k", bytes("v"), Duration.ofMillis(millis)));
    assertContains(e.getMessage(), "\"k\"", "not positive", "put(key, value)");
    assertFalse(store.exists("k"));
  }

  @Test
  void putWithTtl_underOneMillisecond_refusedNamingTheMinimum() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> store.put("k", bytes("v"), Duration.ofNanos(999_999)));
    assertContains(e.getMessage(), "\"k\"", "shorter than 1 ms", "at least 1 ms");
  }

  @Test
  void putWithTtl_overMaximum_refusedNamingLimit() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> store.put("k", bytes("v"), KeyValueStore.MAX_TTL.plusSeconds(1)));
    assertContains(e.getMessage(), "\"k\"", "36500 days", "KeyValueStore.MAX_TTL");
  }

  // ---- quotas ----

  @Test
  void quota_maxValueSize_refusedWith507NamingSetting() throws Exception {
    KeyValueStore kv = limited(StoreLimits.NONE.withMaxValueSize(DataSize.ofBytes(10)));
    kv.put("fits", new byte[10]);
    StoreQuotaExceededException e = assertThrows(StoreQuotaExceededException.class, () -> kv.put("big", new byte[11]));
    assertEquals(StoreQuotaExceededException.Limit.MAX_VALUE_SIZE, e.limit());
    assertEquals(507, e.httpStatus());
    assertContains(e.getMessage(), "\"big\"", "11 bytes", "max_value_size of 10", "StoreLimits.withMaxValueSize");
    assertFalse(kv.exists("big"));
  }

  @Test
  void quota_maxKeys_newKeyRefusedOverwriteAllowedDeleteFrees() throws Exception {
    KeyValueStore kv = limited(StoreLimits.NONE.withMaxKeys(3));
    for (String k : List.of("a", "b", "c")) {
      kv.put(k, bytes(k));
    }
    StoreQuotaExceededException e = assertThrows(StoreQuotaExceededException.class, () -> kv.put("d", bytes("d")));
    assertEquals(StoreQuotaExceededException.Limit.MAX_KEYS, e.limit());
    assertContains(e.getMessage(), "\"d\"", "holds 3 keys", "max_keys limit is 3", "max_keys in [store.NAME]");
    assertFalse(kv.exists("d"));
    kv.put("a", bytes("again"));
    assertTrue(kv.delete("b"));
    kv.put("d", bytes("d"));
    assertEquals(List.of("a", "c", "d"), kv.list("", 10));
  }

  @Test
  void quota_maxBytes_countsKeysAndValuesAndOverwritesShrink() throws Exception {
    KeyValueStore kv = limited(StoreLimits.NONE.withMaxBytes(DataSize.ofBytes(100)));
    kv.put("a", new byte[50]); // 51 bytes with its key
    kv.put("b", new byte[48]); // 49: 100 in all
    StoreQuotaExceededException e = assertThrows(StoreQuotaExceededException.class, () -> kv.put("c", new byte[0]));
    assertEquals(StoreQuotaExceededException.Limit.MAX_BYTES, e.limit());
    assertContains(e.getMessage(), "\"c\"", "holds 100 bytes", "max_bytes limit of 100", "StoreLimits.withMaxBytes");
    kv.put("a", new byte[10]); // frees 40
    kv.put("c", new byte[39]);
    assertThrows(StoreQuotaExceededException.class, () -> kv.put("b", new byte[49]));
    assertEquals(48, kv.get("b").orElseThrow().length);
  }

  @Test
  void quota_expiredKeysStopCounting() throws Exception {
    KeyValueStore kv = limited(StoreLimits.NONE.withMaxKeys(1));
    kv.put("brief", bytes("v"), shortTtl());
    expire(kv, "brief");
    kv.put("next", bytes("v"));
    assertEquals(List.of("next"), kv.list("", 10));
  }

  @Test
  void quota_concurrentWritersNeverPassTheLimitAndCountsReturnToZero() throws Exception {
    int maxKeys = 40;
    KeyValueStore kv = limited(StoreLimits.NONE.withMaxKeys(maxKeys).withMaxBytes(DataSize.ofBytes(maxKeys * 20L)));
    int threads = 6;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        results.add(pool.submit(() -> {
          int refused = 0;
          for (int i = 0; i < 30; i++) {
            String key = "k" + ((thread * 7 + i) % 60); // threads overlap on keys: overwrites and new keys
            try {
              kv.put(key, new byte[i % 17]);
            } catch (StoreQuotaExceededException full) {
              refused++;
            }
            if (i % 4 == 3) {
              kv.delete("k" + ((thread * 11 + i) % 60));
            }
          }
          return refused;
        }));
      }
      for (Future<Integer> f : results) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    List<String> keys = kv.list("", 1000);
    assertTrue(keys.size() <= maxKeys, keys.size() + " keys");
    for (String k : keys) {
      assertTrue(kv.delete(k));
    }
    // Every count went back to zero: the store takes its whole quota again.
    for (int i = 0; i < maxKeys; i++) {
      kv.put(String.format("z%02d", i), new byte[17]); // 3 + 17 = 20 bytes each: exactly max_bytes
    }
    assertThrows(StoreQuotaExceededException.class, () -> kv.put("one-more", new byte[0]));
  }

  // ---- atomic operations ----

  /** How many increments each of 8 threads makes in the concurrency tests. */
  int incrementsPerThread() {
    return 500;
  }

  @Test
  void increment_absentKey_countsFromZeroAndStoresAsciiDecimal() {
    assertEquals(5, store.increment("n", 5));
    assertEquals("5", text(store.get("n")));
    assertEquals(-2, store.increment("n", -7));
    assertEquals("-2", text(store.get("n")));
    assertEquals(-2, store.increment("n", 0));
    assertEquals(Long.MIN_VALUE, store.increment("min", Long.MIN_VALUE));
    assertEquals(Long.toString(Long.MIN_VALUE), text(store.get("min")));
    assertEquals(List.of("min", "n"), store.list("", 10));
  }

  @Test
  void increment_valuePutAsText_isIncremented() {
    store.put("n", bytes("41"));
    assertEquals(42, store.increment("n", 1));
    store.put("big", bytes(Long.toString(Long.MAX_VALUE - 1)));
    assertEquals(Long.MAX_VALUE, store.increment("big", 1));
    store.put("zero", bytes("0"));
    assertEquals(-1, store.increment("zero", -1));
  }

  @ParameterizedTest
  @ValueSource(strings = {"abc", "", " 5", "5 ", "+5", "007", "-0", "1.5", "1e3", "0x10", "--1", "-",
      "9223372036854775808", "-9223372036854775809", "99999999999999999999"})
  void increment_valueNotAnInteger_refusedQuotingKeyAndValue_nothingChanged(String stored) {
    store.put("k", bytes(stored), Duration.ofHours(1));
    NotAnIntegerException e = assertThrows(NotAnIntegerException.class, () -> store.increment("k", 1));
    assertContains(e.getMessage(), "\"k\"", "\"" + stored + "\"", "not a signed 64-bit decimal integer");
    assertFalse(e.reason().contains("\"k\""), e.reason());
    assertEquals(stored, text(store.get("k")));
  }

  @Test
  void increment_binaryValue_refusedShowingItsBytes() {
    store.put("k", new byte[] {1, 2, (byte) 0xff});
    NotAnIntegerException e = assertThrows(NotAnIntegerException.class, () -> store.increment("k", 1));
    assertContains(e.getMessage(), "\"k\"", "0x0102ff", "3 bytes");
    assertArrayEquals(new byte[] {1, 2, (byte) 0xff}, store.get("k").orElseThrow());
  }

  @Test
  void increment_overflow_refusedNamingValueAndDelta_nothingChanged() {
    store.put("max", bytes(Long.toString(Long.MAX_VALUE)));
    NotAnIntegerException up = assertThrows(NotAnIntegerException.class, () -> store.increment("max", 1));
    assertContains(up.getMessage(), "\"max\"", Long.toString(Long.MAX_VALUE), "adding 1", "overflow");
    assertEquals(Long.toString(Long.MAX_VALUE), text(store.get("max")));
    store.put("min", bytes("-2"));
    NotAnIntegerException down = assertThrows(NotAnIntegerException.class, () -> store.increment("min", Long.MIN_VALUE));
    assertContains(down.getMessage(), "\"min\"", "holds -2", "adding " + Long.MIN_VALUE, "overflow");
    assertEquals("-2", text(store.get("min")));
  }

  @Test
  void increment_keepsTimeToLive() throws Exception {
    store.put("k", bytes("1"), shortTtl());
    assertEquals(2, store.increment("k", 1));
    expire(store, "k"); // fails if the increment made the key permanent
    assertEquals("<absent>", text(store.get("k")));
    assertEquals(1, store.increment("k", 1), "an expired key counts as 0");
  }

  @Test
  void increment_absentKey_createdWithoutTimeToLive() throws Exception {
    store.increment("k", 3);
    store.put("probe", bytes("p"), shortTtl()); // put last, gone last
    expire(store, "probe");
    assertEquals("3", text(store.get("k")));
  }

  @Test
  void increment_concurrentThreads_noneLost() throws Exception {
    int threads = 8;
    int each = incrementsPerThread();
    List<Callable<Void>> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(() -> {
        for (int i = 0; i < each; i++) {
          store.increment("hits", 1);
          store.increment("down", -2);
        }
        return null;
      });
    }
    runAll(workers);
    assertEquals(Long.toString((long) threads * each), text(store.get("hits")));
    assertEquals(Long.toString(-2L * threads * each), text(store.get("down")));
  }

  @Test
  void compareAndSet_loopCounterOfConcurrentThreads_exact() throws Exception {
    int threads = 8;
    int each = Math.max(10, incrementsPerThread() / 10);
    List<Callable<Void>> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      workers.add(() -> {
        for (int i = 0; i < each; i++) {
          while (true) {
            byte[] seen = store.get("count").orElse(null);
            long n = seen == null ? 0 : Long.parseLong(new String(seen, UTF_8));
            if (store.compareAndSet("count", seen, bytes(Long.toString(n + 1)))) {
              break;
            }
          }
        }
        return null;
      });
    }
    runAll(workers);
    assertEquals(Long.toString((long) threads * each), text(store.get("count")));
  }

  private static void runAll(List<Callable<Void>> workers) throws Exception {
    try (ExecutorService pool = Executors.newFixedThreadPool(workers.size())) {
      for (Future<Void> done : pool.invokeAll(workers)) {
        done.get();
      }
    }
  }

  @Test
  void compareAndSet_absentExpected_createsOnlyIfAbsent() {
    assertTrue(store.compareAndSet("k", null, bytes("first")));
    assertFalse(store.compareAndSet("k", null, bytes("second")));
    assertEquals("first", text(store.get("k")));
  }

  @Test
  void compareAndSet_matchingValue_replaced_otherValue_unchanged() {
    store.put("k", bytes("one"));
    assertFalse(store.compareAndSet("k", bytes("two"), bytes("three")));
    assertFalse(store.compareAndSet("k", bytes("on"), bytes("three")));
    assertFalse(store.compareAndSet("k", new byte[0], bytes("three")));
    assertEquals("one", text(store.get("k")));
    assertTrue(store.compareAndSet("k", bytes("one"), bytes("two")));
    assertEquals("two", text(store.get("k")));
    assertFalse(store.compareAndSet("absent", bytes("one"), bytes("two")));
    assertFalse(store.exists("absent"));
  }

  @Test
  void compareAndSet_emptyAndBinaryValues_comparedByBytes() {
    store.put("k", new byte[0]);
    assertFalse(store.compareAndSet("k", null, bytes("x")), "empty is not absent");
    assertTrue(store.compareAndSet("k", new byte[0], new byte[] {0, (byte) 0xff}));
    assertFalse(store.compareAndSet("k", new byte[] {0, (byte) 0xfe}, new byte[0]));
    assertTrue(store.compareAndSet("k", new byte[] {0, (byte) 0xff}, new byte[0]));
    assertArrayEquals(new byte[0], store.get("k").orElseThrow());
  }

  @Test
  void compareAndSet_nullNewValue_deletesOnlyOnMatch() {
    store.put("k", bytes("v"));
    assertFalse(store.compareAndSet("k", bytes("w"), null));
    assertTrue(store.exists("k"));
    assertTrue(store.compareAndSet("k", bytes("v"), null));
    assertFalse(store.exists("k"));
    assertEquals(List.of(), store.list("", 10));
    assertTrue(store.compareAndSet("k", null, null), "absent was expected, and absent it stays");
    assertFalse(store.exists("k"));
  }

  @Test
  void compareAndSet_removesTimeToLive_asPut() throws Exception {
    store.put("k", bytes("old"), shortTtl());
    assertTrue(store.compareAndSet("k", bytes("old"), bytes("new")));
    store.put("probe", bytes("p"), shortTtl()); // put last, gone last
    expire(store, "probe");
    assertEquals("new", text(store.get("k")));
  }

  @Test
  void compareAndSet_expiredKey_isAbsent() throws Exception {
    store.put("k", bytes("v"), shortTtl());
    expire(store, "k");
    assertFalse(store.compareAndSet("k", bytes("v"), bytes("w")));
    assertTrue(store.compareAndSet("k", null, bytes("w")));
    assertEquals("w", text(store.get("k")));
  }

  @Test
  void compareAndSet_valueOverLimit_refused() {
    byte[] value = new byte[KeyValueStore.MAX_VALUE_BYTES + 1];
    assertThrows(IllegalArgumentException.class, () -> store.compareAndSet("k", null, value));
    assertThrows(IllegalArgumentException.class, () -> store.compareAndSet("k", value, null));
    assertFalse(store.exists("k"));
  }

  @Test
  void quota_increment_refusedOverEachLimit_valueKept() throws Exception {
    KeyValueStore size = limited(StoreLimits.NONE.withMaxValueSize(DataSize.ofBytes(1)));
    assertEquals(9, size.increment("n", 9));
    StoreQuotaExceededException tooLong = assertThrows(StoreQuotaExceededException.class, () -> size.increment("n", 1));
    assertEquals(StoreQuotaExceededException.Limit.MAX_VALUE_SIZE, tooLong.limit());
    assertContains(tooLong.getMessage(), "\"n\"", "2 bytes", "max_value_size of 1");
    assertEquals("9", text(size.get("n")));

    KeyValueStore keys = limited(StoreLimits.NONE.withMaxKeys(1));
    keys.increment("a", 1);
    StoreQuotaExceededException full = assertThrows(StoreQuotaExceededException.class, () -> keys.increment("b", 1));
    assertEquals(StoreQuotaExceededException.Limit.MAX_KEYS, full.limit());
    assertContains(full.getMessage(), "\"b\"", "holds 1 keys", "max_keys limit is 1");
    assertFalse(keys.exists("b"));
    assertEquals(2, keys.increment("a", 1), "an existing key still counts up");

    KeyValueStore bytes = limited(StoreLimits.NONE.withMaxBytes(DataSize.ofBytes(3)));
    assertEquals(10, bytes.increment("k", 10)); // "k" + "10": 3 bytes
    StoreQuotaExceededException over = assertThrows(StoreQuotaExceededException.class, () -> bytes.increment("k", 90));
    assertEquals(StoreQuotaExceededException.Limit.MAX_BYTES, over.limit());
    assertContains(over.getMessage(), "\"k\"", "holds 3 bytes", "max_bytes limit of 3");
    assertEquals("10", text(bytes.get("k")));
    assertEquals(-9, bytes.increment("k", -19), "a value that does not grow passes");
  }

  @Test
  void quota_increment_overLimitWithTimeToLive_keepsValueAndTimeToLive() throws Exception {
    KeyValueStore kv = limited(StoreLimits.NONE.withMaxBytes(DataSize.ofBytes(2)));
    kv.put("k", bytes("9"), shortTtl());
    assertThrows(StoreQuotaExceededException.class, () -> kv.increment("k", 1));
    assertEquals("9", text(kv.get("k")));
    expire(kv, "k");
    assertFalse(kv.exists("k"));
  }

  @Test
  void quota_compareAndSet_refusedLikePut() throws Exception {
    KeyValueStore kv = limited(StoreLimits.NONE.withMaxKeys(1).withMaxValueSize(DataSize.ofBytes(4)));
    assertTrue(kv.compareAndSet("a", null, bytes("1")));
    StoreQuotaExceededException full = assertThrows(StoreQuotaExceededException.class,
        () -> kv.compareAndSet("b", null, bytes("1")));
    assertEquals(StoreQuotaExceededException.Limit.MAX_KEYS, full.limit());
    assertFalse(kv.exists("b"));
    StoreQuotaExceededException big = assertThrows(StoreQuotaExceededException.class,
        () -> kv.compareAndSet("a", bytes("1"), bytes("12345")));
    assertEquals(StoreQuotaExceededException.Limit.MAX_VALUE_SIZE, big.limit());
    assertEquals("1", text(kv.get("a")));
    assertTrue(kv.compareAndSet("a", bytes("1"), null), "a delete frees the key");
    assertTrue(kv.compareAndSet("b", null, bytes("1")));
  }

  @Test
  void quota_countsStayExactThroughIncrementsAndCompareAndSet() throws Exception {
    KeyValueStore kv = limited(StoreLimits.NONE.withMaxKeys(2).withMaxBytes(DataSize.ofBytes(10)));
    kv.increment("a", 5); // "a5": 2 bytes
    kv.increment("a", 5); // "a10": 3
    assertTrue(kv.compareAndSet("b", null, bytes("xyz"))); // "bxyz": 4, 7 in all
    assertTrue(kv.compareAndSet("b", bytes("xyz"), null)); // 3
    kv.put("c", new byte[6]); // 7: 3 + 7 = 10, exactly max_bytes
    assertThrows(StoreQuotaExceededException.class, () -> kv.put("d", new byte[0]));
    assertThrows(StoreQuotaExceededException.class, () -> kv.increment("a", 90)); // "a100" would be 11
    assertThrows(StoreQuotaExceededException.class, () -> kv.increment("a", -100)); // "a-90" would be 11 too
    assertEquals(0, kv.increment("a", -10)); // "a0": 2 bytes, 9 in all
    kv.put("c", new byte[7]); // 10 again
    StoreQuotaExceededException keys = assertThrows(StoreQuotaExceededException.class, () -> kv.increment("d", 1));
    assertEquals(StoreQuotaExceededException.Limit.MAX_KEYS, keys.limit());
  }

  static void assertContains(String message, String... fragments) {
    for (String fragment : fragments) {
      assertTrue(message.contains(fragment), () -> "\"" + fragment + "\" not in: " + message);
    }
  }
}
