package dev.isola;

import dev.isola.kv.KeyValueStore;
import dev.isola.kv.KeyValueStores;
import java.util.List;
import java.util.Optional;

/**
 * An in-memory key-value store that runs a probe on the reading thread before every {@code get}: a
 * test's view of what a call sees while it runs (a metric, the thread's MDC).
 */
public final class ObservedStore implements KeyValueStore {
  private final KeyValueStore store = KeyValueStores.inMemory();
  private final Runnable probe;

  public ObservedStore(Runnable probe) {
    this.probe = probe;
  }

  @Override
  public Optional<byte[]> get(String key) {
    probe.run();
    return store.get(key);
  }

  @Override
  public void put(String key, byte[] value) {
    store.put(key, value);
  }

  @Override
  public boolean delete(String key) {
    return store.delete(key);
  }

  @Override
  public boolean exists(String key) {
    return store.exists(key);
  }

  @Override
  public List<String> list(String prefix, int limit) {
    return store.list(prefix, limit);
  }

  @Override
  public void close() {
    store.close();
  }
}
