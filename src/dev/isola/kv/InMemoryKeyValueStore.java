package dev.isola.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * {@link KeyValueStore} in a {@link ConcurrentSkipListMap}, ordered by UTF-8 bytes. Not durable:
 * for tests, development and caches. Every value is copied on the way in and out.
 */
final class InMemoryKeyValueStore implements KeyValueStore {
  private final ConcurrentNavigableMap<String, byte[]> entries = new ConcurrentSkipListMap<>(Keys.UTF8_ORDER);
  private volatile boolean closed;

  @Override
  public Optional<byte[]> get(String key) {
    Keys.checkKey(key);
    checkOpen();
    byte[] value = entries.get(key);
    return value == null ? Optional.empty() : Optional.of(value.clone());
  }

  @Override
  public void put(String key, byte[] value) {
    Keys.checkKey(key);
    Keys.checkValue(key, value);
    checkOpen();
    entries.put(key, value.clone());
  }

  @Override
  public boolean delete(String key) {
    Keys.checkKey(key);
    checkOpen();
    return entries.remove(key) != null;
  }

  @Override
  public boolean exists(String key) {
    Keys.checkKey(key);
    checkOpen();
    return entries.containsKey(key);
  }

  @Override
  public List<String> list(String prefix, int limit) {
    Keys.checkPrefix(prefix);
    Keys.checkLimit(limit);
    checkOpen();
    List<String> keys = new ArrayList<>(Math.min(limit, 64));
    // The keys starting with a prefix are one run in code point order, beginning at the prefix.
    for (String key : entries.tailMap(prefix, true).keySet()) {
      if (keys.size() == limit || !key.startsWith(prefix)) {
        break;
      }
      keys.add(key);
    }
    return List.copyOf(keys);
  }

  @Override
  public void close() {
    closed = true;
    entries.clear();
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
