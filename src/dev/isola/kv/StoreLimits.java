package dev.isola.kv;

import dev.isola.DataSize;
import java.util.Objects;

/**
 * The quotas of one {@link KeyValueStore}: the largest value, the most keys and the most bytes it
 * holds. A {@code put} that would cross one is refused with {@link StoreQuotaExceededException}
 * (HTTP 507 Insufficient Storage), naming the limit and the setting that raises it; nothing is
 * written. A store's bytes are, for every key, the length of the key in UTF-8 plus the length of
 * its value: what the handler stored, not the backend's own overhead (file system blocks, Redis
 * object headers).
 *
 * <pre>{@code
 * KeyValueStore sessions = KeyValueStores.inMemory(StoreLimits.MEMORY_DEFAULTS
 *     .withMaxKeys(50_000)
 *     .withMaxBytes(DataSize.ofMiB(256)));
 * }</pre>
 *
 * <p>In {@code isola.toml}: {@code max_value_size = "1MiB"}, {@code max_keys = 10000} and {@code
 * max_bytes = "64MiB"} in a {@code [store.NAME]} table.
 *
 * @param maxValueSize the largest value in bytes, from 0 to {@link KeyValueStore#MAX_VALUE_BYTES}
 * @param maxKeys the most keys the store holds, 0 or more
 * @param maxBytes the most bytes (keys and values) the store holds, 0 or more
 */
public record StoreLimits(long maxValueSize, long maxKeys, long maxBytes) {
  /**
   * No quota beyond {@link KeyValueStore#MAX_VALUE_BYTES} per value: the default of the file and
   * Redis stores, whose data is on disk or on another server.
   */
  public static final StoreLimits NONE = new StoreLimits(KeyValueStore.MAX_VALUE_BYTES, Long.MAX_VALUE, Long.MAX_VALUE);

  /**
   * The default of {@link KeyValueStores#inMemory()}, which holds its data on the JVM's heap: values
   * of at most 1 MiB, at most 10,000 keys and at most 64 MiB in all, so a handler storing in a loop
   * cannot take the heap.
   */
  public static final StoreLimits MEMORY_DEFAULTS = new StoreLimits(1024 * 1024, 10_000, 64L * 1024 * 1024);

  /** Checks the ranges above. */
  public StoreLimits {
    if (maxValueSize < 0 || maxValueSize > KeyValueStore.MAX_VALUE_BYTES) {
      throw new IllegalArgumentException("max_value_size " + maxValueSize + " bytes is out of range:"
          + " pass 0 to " + KeyValueStore.MAX_VALUE_BYTES + " (16MiB, KeyValueStore.MAX_VALUE_BYTES)");
    }
    if (maxKeys < 0) {
      throw new IllegalArgumentException("max_keys " + maxKeys + " is negative: pass 0 or more");
    }
    if (maxBytes < 0) {
      throw new IllegalArgumentException("max_bytes " + maxBytes + " is negative: pass 0 or more");
    }
  }

  /** These limits with {@code maxValueSize} as the largest value. */
  public StoreLimits withMaxValueSize(DataSize maxValueSize) {
    return new StoreLimits(Objects.requireNonNull(maxValueSize, "maxValueSize").bytes(), maxKeys, maxBytes);
  }

  /** These limits with at most {@code maxKeys} keys. */
  public StoreLimits withMaxKeys(long maxKeys) {
    return new StoreLimits(maxValueSize, maxKeys, maxBytes);
  }

  /** These limits with at most {@code maxBytes} of keys and values in all. */
  public StoreLimits withMaxBytes(DataSize maxBytes) {
    return new StoreLimits(maxValueSize, maxKeys, Objects.requireNonNull(maxBytes, "maxBytes").bytes());
  }

  /** The bytes a key and its value count for: the key's UTF-8 length plus the value's length. */
  static long footprint(String key, long valueLength) {
    return Keys.utf8Length(key) + valueLength;
  }

  /**
   * Refuses a value larger than {@link #maxValueSize} (after {@link Keys#checkValue} refused one
   * beyond the hard limit).
   */
  void checkValueSize(Object store, String key, int length) {
    if (length > maxValueSize) {
      throw new StoreQuotaExceededException(StoreQuotaExceededException.Limit.MAX_VALUE_SIZE, store + ": value for key "
          + Keys.quote(key) + " is " + length + " bytes, more than the store's max_value_size of " + maxValueSize
          + " bytes", maxValueSize);
    }
  }

  /**
   * Refuses a write that would take the store from {@code keys} keys and {@code bytes} bytes to
   * {@code keys + addedKeys} and {@code bytes + addedBytes}.
   */
  void checkGrowth(Object store, String key, long keys, long addedKeys, long bytes, long addedBytes) {
    if (addedKeys > 0 && keys + addedKeys > maxKeys) {
      throw new StoreQuotaExceededException(StoreQuotaExceededException.Limit.MAX_KEYS, store + ": cannot add key "
          + Keys.quote(key) + ": the store holds " + keys + " keys, its max_keys limit is " + maxKeys, maxKeys);
    }
    if (addedBytes > 0 && bytes + addedBytes > maxBytes) {
      throw new StoreQuotaExceededException(StoreQuotaExceededException.Limit.MAX_BYTES, store + ": cannot store key "
          + Keys.quote(key) + ": the store holds " + bytes + " bytes and this write adds " + addedBytes
          + ", over its max_bytes limit of " + maxBytes, maxBytes);
    }
  }
}
