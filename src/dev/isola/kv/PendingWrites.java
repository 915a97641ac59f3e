package dev.isola.kv;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The key-value writes of calls made inside a transaction (see {@link KeyValueTransactions}), kept
 * until the transaction ends: {@link #apply()} writes them to their stores in the order they were
 * made, {@link #discard()} drops them. Meanwhile {@link #view} is each store as those calls see it:
 * their own writes over what the store holds.
 *
 * <p>What changes inside a transaction, and why:
 *
 * <ul>
 *   <li>Writes are checked against the key and value rules when made, but against a store's {@link
 *       StoreLimits} only when applied: a write refused then is logged at ERROR and skipped, for the
 *       transaction has already committed. So is an {@code increment}, {@code compareAndSet} or
 *       time to live that a store of one's own does not support (the built-in stores support them
 *       all).
 *   <li>{@code increment} answers from the view, and adds the same delta to the store when applied,
 *       atomically: concurrent increments of other nodes are never lost, though the stored sum may
 *       then differ from the one the guest saw.
 *   <li>{@code compareAndSet} compares with the view, and compares again when applied; if the
 *       store changed in between, it is not applied, and a WARN line says so.
 *   <li>A time to live runs from when the write is applied.
 *   <li>At most {@value #MAX_WRITES} writes and {@value #MAX_BYTES} bytes of keys and values wait in
 *       one transaction; past either, a write is refused with an {@link IllegalStateException}.
 * </ul>
 *
 * <p>Thread-safe. Writes of components called on other nodes are not part of the transaction.
 */
public final class PendingWrites {
  private static final Logger log = LoggerFactory.getLogger(PendingWrites.class);

  /** The most writes one transaction keeps. */
  public static final int MAX_WRITES = 10_000;
  /** The most bytes of keys and values one transaction keeps (16 MiB). */
  public static final long MAX_BYTES = 16L << 20;

  private sealed interface Write {
    KeyValueStore store();

    String key();
  }

  private record Put(KeyValueStore store, String key, byte[] value, @Nullable Duration ttl) implements Write {}

  private record Delete(KeyValueStore store, String key) implements Write {}

  private record Increment(KeyValueStore store, String key, long delta) implements Write {}

  private record CompareAndSet(KeyValueStore store, String key, byte @Nullable [] expected,
      byte @Nullable [] value) implements Write {}

  /** A write, its size as counted against {@link #MAX_BYTES}, and what its key holds after it (null: absent). */
  private record Pending(Write write, long size, byte @Nullable [] after) {}

  private final List<Pending> writes = new ArrayList<>();
  /** Per store, what its keys hold after the writes so far: a value, or null for absent. */
  private final Map<KeyValueStore, TreeMap<String, byte @Nullable []>> overlay = new IdentityHashMap<>();
  private long bytes;
  private boolean ended;

  /** An empty set of writes. */
  public PendingWrites() {}

  /** How many writes wait. */
  public synchronized int size() {
    return writes.size();
  }

  /**
   * Applies the writes to their stores, in order, once; a write a store refuses is logged and
   * skipped, and the rest are still applied.
   */
  public void apply() {
    List<Write> todo;
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      todo = writes.stream().map(Pending::write).toList();
      writes.clear();
      overlay.clear();
    }
    for (Write w : todo) {
      try {
        switch (w) {
          case Put p when p.ttl() == null -> p.store().put(p.key(), p.value());
          case Put p -> p.store().put(p.key(), p.value(), p.ttl());
          case Delete d -> d.store().delete(d.key());
          case Increment i -> i.store().increment(i.key(), i.delta());
          case CompareAndSet c -> {
            if (!c.store().compareAndSet(c.key(), c.expected(), c.value())) {
              log.warn("a compare-and-set of key {} in {}, made inside a transaction, no longer held when the"
                  + " transaction committed: the store changed in between, and it was not applied", Keys.quote(c.key()),
                  c.store());
            }
          }
        }
      } catch (RuntimeException e) {
        log.error("a key-value write of key {} in {}, made inside a transaction that committed, was refused when"
            + " applied; the writes after it are still applied", Keys.quote(w.key()), w.store(), e);
      }
    }
  }

  /** Drops the writes, once: the transaction rolled back. */
  public synchronized void discard() {
    if (!ended) {
      ended = true;
      if (!writes.isEmpty()) {
        log.debug("dropped {} key-value writes of a transaction that rolled back", writes.size());
      }
      writes.clear();
      overlay.clear();
    }
  }

  /**
   * A point the transaction may roll back to (a savepoint): the writes kept so far. {@link
   * #rollBackTo} drops the writes made after it.
   */
  public synchronized int mark() {
    return writes.size();
  }

  /**
   * Drops the writes made after {@code mark} (from {@link #mark()}; 0 drops them all): the
   * transaction rolled back to a savepoint taken then, and its calls no longer see those writes.
   *
   * @throws IllegalArgumentException if {@code mark} is negative
   */
  public synchronized void rollBackTo(int mark) {
    if (mark < 0) {
      throw new IllegalArgumentException("mark " + mark + " is negative: pass what mark() answered");
    }
    if (ended || mark >= writes.size()) {
      return;
    }
    writes.subList(mark, writes.size()).clear();
    overlay.clear();
    bytes = 0;
    for (Pending p : writes) {
      bytes += p.size();
      keep(p);
    }
  }

  private void keep(Pending p) {
    overlay.computeIfAbsent(p.write().store(), s -> new TreeMap<>(Keys.UTF8_ORDER)).put(p.write().key(), p.after());
  }

  /** {@code store} as the transaction's calls see it: their writes over its content; writes wait here. */
  public KeyValueStore view(KeyValueStore store) {
    return new View(store);
  }

  private synchronized void add(Write write, long size, byte @Nullable [] after) {
    if (ended) {
      throw new IllegalStateException("the transaction this call's key-value writes belong to has already ended:"
          + " its writes can no longer be kept");
    }
    if (writes.size() >= MAX_WRITES || bytes + size > MAX_BYTES) {
      throw new IllegalStateException("a transaction keeps at most " + MAX_WRITES + " key-value writes and "
          + (MAX_BYTES >> 20) + " MiB of keys and values until it commits, and this write would pass that: write less"
          + " in one transaction");
    }
    Pending p = new Pending(write, size, after);
    writes.add(p);
    bytes += size;
    keep(p);
  }

  /** What the overlay says of {@code key}: present (null inside for absent), or null when it says nothing. */
  private synchronized @Nullable Optional<byte[]> seen(KeyValueStore store, String key) {
    TreeMap<String, byte @Nullable []> keys = overlay.get(store);
    if (keys == null || !keys.containsKey(key)) {
      return null;
    }
    byte[] value = keys.get(key);
    return value == null ? Optional.empty() : Optional.of(value);
  }

  private static long size(String key, byte @Nullable [] value) {
    return Keys.utf8Length(key) + (value == null ? 0 : value.length);
  }

  /** A store seen through the pending writes. */
  private final class View implements KeyValueStore {
    private final KeyValueStore store;

    View(KeyValueStore store) {
      this.store = store;
    }

    @Override
    public Optional<byte[]> get(String key) {
      Keys.checkKey(key);
      synchronized (PendingWrites.this) {
        Optional<byte[]> seen = seen(store, key);
        if (seen != null) {
          return seen.map(byte[]::clone);
        }
      }
      return store.get(key);
    }

    @Override
    public void put(String key, byte[] value) {
      Keys.checkKey(key);
      Keys.checkValue(key, value);
      byte[] copy = value.clone();
      add(new Put(store, key, copy, null), size(key, copy), copy);
    }

    @Override
    public void put(String key, byte[] value, Duration ttl) {
      Keys.checkKey(key);
      Keys.checkValue(key, value);
      Keys.checkTtl(key, ttl);
      byte[] copy = value.clone();
      add(new Put(store, key, copy, ttl), size(key, copy), copy);
    }

    @Override
    public boolean delete(String key) {
      synchronized (PendingWrites.this) {
        boolean existed = get(key).isPresent();
        add(new Delete(store, key), size(key, null), null);
        return existed;
      }
    }

    @Override
    public boolean exists(String key) {
      return get(key).isPresent();
    }

    @Override
    public long increment(String key, long delta) {
      synchronized (PendingWrites.this) {
        byte[] sum = Counters.increment(key, get(key), delta);
        add(new Increment(store, key, delta), size(key, sum), sum);
        return Long.parseLong(new String(sum, StandardCharsets.US_ASCII));
      }
    }

    @Override
    public boolean compareAndSet(String key, byte @Nullable [] expected, byte @Nullable [] newValue) {
      if (newValue != null) {
        Keys.checkValue(key, newValue);
      }
      synchronized (PendingWrites.this) {
        Optional<byte[]> now = get(key);
        boolean holds = expected == null ? now.isEmpty() : now.isPresent() && Arrays.equals(now.get(), expected);
        if (!holds) {
          return false;
        }
        byte[] copy = newValue == null ? null : newValue.clone();
        add(new CompareAndSet(store, key, expected == null ? null : expected.clone(), copy),
            size(key, copy) + (expected == null ? 0 : expected.length), copy);
        return true;
      }
    }

    @Override
    public List<String> list(String prefix, int limit) {
      Keys.checkPrefix(prefix);
      Keys.checkLimit(limit);
      TreeMap<String, byte @Nullable []> pending;
      synchronized (PendingWrites.this) {
        TreeMap<String, byte @Nullable []> keys = overlay.get(store);
        pending = keys == null ? new TreeMap<>(Keys.UTF8_ORDER) : new TreeMap<>(keys);
      }
      long deleted = pending.values().stream().filter(v -> v == null).count();
      TreeSet<String> merged = new TreeSet<>(Keys.UTF8_ORDER);
      merged.addAll(store.list(prefix, (int) Math.min(Integer.MAX_VALUE, limit + deleted)));
      pending.forEach((key, value) -> {
        if (key.startsWith(prefix)) {
          if (value == null) {
            merged.remove(key);
          } else {
            merged.add(key);
          }
        }
      });
      return merged.stream().limit(limit).toList();
    }

    @Override
    public void close() {
      // The store is its owner's; the view holds nothing.
    }

    @Override
    public String toString() {
      return store + " (writes waiting for a transaction)";
    }
  }
}
