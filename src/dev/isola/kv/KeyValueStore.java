package dev.isola.kv;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A map from string keys to byte values: the storage behind the key-value capability, and the one
 * interface a storage backend implements. Make one with {@link KeyValueStores}:
 *
 * <pre>{@code
 * try (KeyValueStore store = KeyValueStores.file(Path.of("data/kv"))) {
 *   store.put("greeting", "hello".getBytes(StandardCharsets.UTF_8));
 *   Optional<byte[]> value = store.get("greeting");
 *   List<String> keys = store.list("greet", 100);
 * }
 * }</pre>
 *
 * <p><b>Keys</b> are non-empty strings of well-formed Unicode without NUL ({@code \0}), at most
 * {@value #MAX_KEY_BYTES} bytes in UTF-8. <b>Values</b> are byte arrays of at most
 * {@value #MAX_VALUE_BYTES} bytes (the capability layer applies smaller caps per route). A key or
 * value outside these rules is refused with an {@link IllegalArgumentException} that quotes the key
 * and names the limit, on every backend, so code tested against one backend behaves the same on
 * another.
 *
 * <p><b>Order</b>: {@link #list} returns keys in UTF-8 byte order, which is Unicode code point order
 * (it differs from {@link String#compareTo} only for characters above U+FFFF).
 *
 * <p><b>Contract for implementations</b>: all methods are thread-safe; values are copied in and out,
 * so a caller changing an array after {@link #put} or after {@link #get} does not change what is
 * stored; {@link #close} is idempotent, and every other method throws {@link IllegalStateException}
 * once the store is closed. A failure of the storage underneath (a disk error, a lost connection) is
 * an {@link java.io.UncheckedIOException} naming the store and the key; a value that failed its
 * integrity check is a {@link CorruptValueException}, never returned damaged. A {@code put} over the
 * store's {@link StoreLimits} is a {@link StoreQuotaExceededException}.
 *
 * <p><b>Atomic operations</b> for several threads, processes or nodes sharing one store: {@link
 * #increment} (a counter) and {@link #compareAndSet} (a write that happens only if the value is
 * still the one read). On the memory and file stores they are atomic within the process (the file
 * store admits one process at a time); on Redis they run on the server, atomic for every client.
 */
public interface KeyValueStore extends AutoCloseable {
  /** The longest key, in UTF-8 bytes: {@value}. */
  int MAX_KEY_BYTES = 512;

  /** The largest value, in bytes: {@value} (16 MiB). */
  int MAX_VALUE_BYTES = 16 * 1024 * 1024;

  /** The longest time to live {@link #put(String, byte[], Duration)} accepts: 100 years (36,500 days). */
  Duration MAX_TTL = Duration.ofDays(36_500);

  /**
   * The value stored under {@code key}, or empty if there is none.
   *
   * @throws IllegalArgumentException if {@code key} breaks the key rules above
   */
  Optional<byte[]> get(String key);

  /**
   * Stores {@code value} under {@code key}, replacing any previous value. When this method returns
   * on a durable store, the write survives a crash of the process (for Redis: as far as the
   * server's persistence settings promise).
   *
   * @throws IllegalArgumentException if {@code key} or the size of {@code value} breaks the rules
   */
  void put(String key, byte[] value);

  /**
   * Stores {@code value} under {@code key} for {@code ttl}: once that much time has passed (by the
   * store's clock; for Redis, the server's), the key reads as absent, is not listed and no longer
   * counts toward the store's {@link StoreLimits}. Otherwise as {@link #put(String, byte[])}; a
   * later {@code put} without a time to live makes the key permanent again.
   *
   * <p>The built-in stores implement it; this default refuses, for stores that cannot expire keys.
   *
   * @param ttl at least 1 ms, at most {@link #MAX_TTL}
   * @throws IllegalArgumentException if {@code key}, {@code value} or {@code ttl} breaks the rules
   * @throws UnsupportedOperationException if this store does not expire keys
   */
  default void put(String key, byte[] value, Duration ttl) {
    Keys.checkKey(key);
    Keys.checkTtl(key, ttl);
    throw new UnsupportedOperationException(this + " cannot expire keys, so it refuses a time to live for key "
        + Keys.quote(key) + ": store the value without one, or use a built-in store (KeyValueStores)");
  }

  /**
   * Adds {@code delta} to the integer stored under {@code key} and answers the sum, atomically: two
   * increments running at once both count. The value is read as a signed 64-bit decimal integer in
   * ASCII ({@code "-12"}: an optional minus sign, then digits without a leading zero; what Redis's
   * {@code INCRBY} takes); an absent key counts as 0. The sum is stored the same way, so {@link #get}
   * reads it as text. A key put with a time to live keeps it (as {@code INCRBY} does); an absent key
   * is created without one. Durable as {@link #put(String, byte[])}, and counted against the store's
   * {@link StoreLimits} the same way.
   *
   * <p>The built-in stores implement it; this default refuses, for stores that cannot.
   *
   * @param delta any value, negative to count down
   * @return the value stored now
   * @throws NotAnIntegerException (an {@link IllegalArgumentException}) if the stored value is not
   *     such an integer or the sum overflows a {@code long}; nothing is changed
   * @throws IllegalArgumentException if {@code key} breaks the key rules
   * @throws StoreQuotaExceededException if the new value would cross the store's limits; nothing is changed
   * @throws UnsupportedOperationException if this store has no atomic increment
   */
  default long increment(String key, long delta) {
    Keys.checkKey(key);
    throw new UnsupportedOperationException(this + " has no atomic increment, so it refuses to increment key "
        + Keys.quote(key) + ": implement KeyValueStore.increment in this store, or use a built-in store (KeyValueStores)");
  }

  /**
   * Stores {@code newValue} under {@code key} if, and only if, the value stored now equals {@code
   * expected}, atomically: of several writers that read the same value and race to replace it, one
   * wins. {@code expected == null} means "only if the key is absent"; {@code newValue == null}
   * deletes the key. A value stored by this method has no time to live, as with {@link
   * #put(String, byte[])}; durable and counted against the store's {@link StoreLimits} like a put.
   *
   * <p>The built-in stores implement it; this default refuses, for stores that cannot.
   *
   * @return true if the value was {@code expected} and is now {@code newValue}; false, with nothing
   *     changed, if it was something else
   * @throws IllegalArgumentException if {@code key}, {@code expected} or {@code newValue} breaks the rules
   * @throws StoreQuotaExceededException if storing {@code newValue} would cross the store's limits
   *     (a value over max_value_size is refused even when the value does not match); nothing is changed
   * @throws UnsupportedOperationException if this store has no atomic compare-and-set
   */
  default boolean compareAndSet(String key, byte @Nullable [] expected, byte @Nullable [] newValue) {
    Keys.checkKey(key);
    throw new UnsupportedOperationException(this + " has no atomic compare-and-set, so it refuses one on key "
        + Keys.quote(key) + ": implement KeyValueStore.compareAndSet in this store, or use a built-in store"
        + " (KeyValueStores)");
  }

  /**
   * Removes {@code key}, durably on a durable store.
   *
   * @return whether the key existed
   * @throws IllegalArgumentException if {@code key} breaks the key rules
   */
  boolean delete(String key);

  /**
   * Whether a value is stored under {@code key}.
   *
   * @throws IllegalArgumentException if {@code key} breaks the key rules
   */
  boolean exists(String key);

  /**
   * The keys starting with {@code prefix}, in UTF-8 byte order: the first {@code limit} of them.
   *
   * @param prefix empty for all keys; otherwise it follows the key rules (no NUL, well-formed,
   *     at most {@value #MAX_KEY_BYTES} UTF-8 bytes)
   * @param limit at most this many keys; zero gives an empty list
   * @throws IllegalArgumentException if {@code prefix} breaks the rules or {@code limit} is negative
   */
  List<String> list(String prefix, int limit);

  /** Releases what the store holds (files, locks, connections). Calling it again does nothing. */
  @Override
  void close();
}
