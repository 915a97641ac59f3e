package dev.isola.kv;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * {@link KeyValueStore} in a {@link ConcurrentSkipListMap}, ordered by UTF-8 bytes. Not durable:
 * for tests, development and caches. Every value is copied on the way in and out.
 *
 * <p>Quotas: writes (put, delete, increment, compare-and-set, and the removal of expired keys) run
 * one at a time under a lock, which makes increment and compare-and-set atomic and keeps the key
 * and byte counts exact; reads take no lock. An expired key reads as absent at
 * once and is removed (and stops counting) at the next write.
 */
final class InMemoryKeyValueStore implements KeyValueStore {
  private record Entry(byte[] value, long expiresAt) {
    boolean expired(long now) {
      return expiresAt != 0 && expiresAt <= now;
    }
  }

  private final ConcurrentNavigableMap<String, Entry> entries = new ConcurrentSkipListMap<>(Keys.UTF8_ORDER);
  private final StoreLimits limits;
  private final Clock clock;
  private final ReentrantLock writes = new ReentrantLock();
  private final Expiries expiries = new Expiries();
  /** Guarded by {@link #writes}. */
  private long keys;
  /** Guarded by {@link #writes}. */
  private long bytes;
  private volatile boolean closed;

  InMemoryKeyValueStore(StoreLimits limits, Clock clock) {
    this.limits = limits;
    this.clock = clock;
  }

  @Override
  public Optional<byte[]> get(String key) {
    Keys.checkKey(key);
    checkOpen();
    Entry entry = entries.get(key);
    return entry == null || entry.expired(clock.millis()) ? Optional.empty() : Optional.of(entry.value.clone());
  }

  @Override
  public void put(String key, byte[] value) {
    Keys.checkKey(key);
    Keys.checkValue(key, value);
    write(key, value, 0);
  }

  @Override
  public void put(String key, byte[] value, Duration ttl) {
    Keys.checkKey(key);
    Keys.checkValue(key, value);
    long millis = Keys.checkTtl(key, ttl);
    write(key, value, Math.addExact(clock.millis(), millis));
  }

  private void write(String key, byte[] value, long expiresAt) {
    limits.checkValueSize(this, key, value.length);
    byte[] copy = value.clone();
    writes.lock();
    try {
      checkOpen();
      removeExpired();
      store(key, copy, expiresAt);
    } finally {
      writes.unlock();
    }
  }

  /** Stores {@code value} (already copied) with its accounting, or refuses over the limits. Under {@link #writes}. */
  private void store(String key, byte[] value, long expiresAt) {
    Entry old = entries.get(key);
    long addedKeys = old == null ? 1 : 0;
    long addedBytes = StoreLimits.footprint(key, value.length) - (old == null ? 0 : StoreLimits.footprint(key, old.value.length));
    limits.checkGrowth(this, key, keys, addedKeys, bytes, addedBytes);
    entries.put(key, new Entry(value, expiresAt));
    expiries.set(key, expiresAt);
    keys += addedKeys;
    bytes += addedBytes;
  }

  /** Under {@link #writes}, so no other write of the key runs between the read and the write. */
  @Override
  public long increment(String key, long delta) {
    Keys.checkKey(key);
    writes.lock();
    try {
      checkOpen();
      removeExpired(); // an expired key is gone now: it counts as 0 and the sum has no time to live
      Entry old = entries.get(key);
      byte[] sum = Counters.increment(key, Optional.ofNullable(old).map(Entry::value), delta);
      limits.checkValueSize(this, key, sum.length);
      store(key, sum, old == null ? 0 : old.expiresAt);
      return Long.parseLong(new String(sum, java.nio.charset.StandardCharsets.US_ASCII));
    } finally {
      writes.unlock();
    }
  }

  @Override
  public boolean compareAndSet(String key, byte @Nullable [] expected, byte @Nullable [] newValue) {
    Keys.checkKey(key);
    if (expected != null) {
      Keys.checkValue(key, expected);
    }
    byte[] copy = null;
    if (newValue != null) {
      Keys.checkValue(key, newValue);
      limits.checkValueSize(this, key, newValue.length);
      copy = newValue.clone();
    }
    writes.lock();
    try {
      checkOpen();
      removeExpired();
      Entry old = entries.get(key);
      if (old == null ? expected != null : expected == null || !Arrays.equals(old.value, expected)) {
        return false;
      }
      if (copy == null) {
        remove(key);
      } else {
        store(key, copy, 0);
      }
      return true;
    } finally {
      writes.unlock();
    }
  }

  @Override
  public boolean delete(String key) {
    Keys.checkKey(key);
    writes.lock();
    try {
      checkOpen();
      removeExpired();
      Entry old = remove(key);
      return old != null;
    } finally {
      writes.unlock();
    }
  }

  @Override
  public boolean exists(String key) {
    Keys.checkKey(key);
    checkOpen();
    Entry entry = entries.get(key);
    return entry != null && !entry.expired(clock.millis());
  }

  @Override
  public List<String> list(String prefix, int limit) {
    Keys.checkPrefix(prefix);
    Keys.checkLimit(limit);
    checkOpen();
    long now = clock.millis();
    List<String> found = new ArrayList<>(Math.min(limit, 64));
    // The keys starting with a prefix are one run in code point order, beginning at the prefix.
    for (var e : entries.tailMap(prefix, true).entrySet()) {
      if (found.size() == limit || !e.getKey().startsWith(prefix)) {
        break;
      }
      if (!e.getValue().expired(now)) {
        found.add(e.getKey());
      }
    }
    return List.copyOf(found);
  }

  @Override
  public void close() {
    writes.lock();
    try {
      closed = true;
      entries.clear();
      keys = 0;
      bytes = 0;
    } finally {
      writes.unlock();
    }
  }

  /** The keys and bytes this store counts toward its limits (for tests). */
  long[] usage() {
    writes.lock();
    try {
      return new long[] {keys, bytes};
    } finally {
      writes.unlock();
    }
  }

  /** Removes the keys whose time has come, so they stop counting. Under {@link #writes}. */
  private void removeExpired() {
    long now = clock.millis();
    for (String key : expiries.due(now)) {
      Entry entry = entries.get(key);
      if (entry != null && entry.expired(now)) {
        remove(key);
      }
    }
  }

  /** Removes {@code key} and its accounting. Under {@link #writes}. */
  private Entry remove(String key) {
    Entry old = entries.remove(key);
    if (old != null) {
      keys--;
      bytes -= StoreLimits.footprint(key, old.value.length);
      expiries.set(key, 0);
    }
    return old;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("in-memory key-value store is closed: open a new one with KeyValueStores.inMemory()");
    }
  }

  @Override
  public String toString() {
    return "KeyValueStores.inMemory()";
  }
}
