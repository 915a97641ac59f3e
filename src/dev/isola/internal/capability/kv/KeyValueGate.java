package dev.isola.internal.capability.kv;

import dev.isola.internal.capability.CallCapabilities;
import dev.isola.internal.capability.GuestError;
import dev.isola.internal.capability.RouteCapabilities;
import dev.isola.kv.KeyValueStore;
import dev.isola.kv.NotAnIntegerException;
import dev.isola.kv.StoreQuotaExceededException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Key-value for one call, behind {@link CallCapabilities}: the granted store by name (a denial
 * otherwise), the call's key prefix prepended and checked against the store's key rules, values
 * bounded, quotas turned into a {@link StoreFullError} the guest may handle.
 */
public final class KeyValueGate {
  private KeyValueGate() {}


  private static KeyValueStore store(CallCapabilities call, String store) {
    KeyValueStore kv = call.route().stores().get(store);
    if (kv == null && call.audit() != null) {
      kv = call.audit().ungrantedStore(store);
    }
    if (kv == null) {
      String shown = CallCapabilities.escaped(store);
      throw call.deny("the key-value store \"" + shown + "\"", "the handler used key-value store \"" + shown + "\"",
          "key_value = [\"" + shown + "\"]", "Grants.keyValue(\"" + shown + "\")");
    }
    dev.isola.kv.PendingWrites pending = call.pendingWrites();
    return pending == null ? kv : pending.view(kv);
  }

  /** A write refused because the call's transaction keeps no more, for the guest; else {@code e} as it is. */
  private static RuntimeException refused(CallCapabilities call, IllegalStateException e) {
    return call.pendingWrites() == null ? e : new GuestError(e.getMessage());
  }

  private static String key(CallCapabilities call, String key) {
    if (key.isEmpty()) {
      throw new GuestError("a key-value key must not be empty");
    }
    return prefixed(call, "key", key);
  }

  /** The full key of {@code key} (see {@link #key}), told to the audit if there is one. */
  private static String checked(CallCapabilities call, String store, String key) {
    String full = key(call, key);
    if (call.audit() != null) {
      call.audit().key(store, key);
    }
    return full;
  }

  /** The call's prefix and {@code part} (a key or a list prefix), checked against the store's key rules. */
  private static String prefixed(CallCapabilities call, String what, String part) {
    String full = call.keyPrefix() + part;
    int bytes = full.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > KeyValueStore.MAX_KEY_BYTES || full.indexOf('\0') >= 0) {
      throw new GuestError("key-value " + what + " " + CallCapabilities.cut(part) + " is too long (" + bytes + " bytes with the call's"
          + " prefix; at most " + KeyValueStore.MAX_KEY_BYTES + ") or contains NUL");
    }
    return full;
  }

  public static Optional<byte[]> get(CallCapabilities call, String store, String key) {
    KeyValueStore kv = store(call, store);
    String full = checked(call, store, key);
    return kv.get(full);
  }

  /**
   * Puts {@code value}, expiring after {@code ttl} if it is not null. A put over the store's quota
   * throws {@link StoreFullError} for the guest and is kept for {@link CallCapabilities#firstStoreFull}.
   */
  public static void put(CallCapabilities call, String store, String key, byte[] value, java.time.@Nullable Duration ttl) {
    KeyValueStore kv = store(call, store);
    String full = checked(call, store, key);
    if (value.length > RouteCapabilities.MAX_VALUE_BYTES) {
      throw new GuestError("key-value value for " + CallCapabilities.cut(key) + " is " + value.length + " bytes; at most "
          + RouteCapabilities.MAX_VALUE_BYTES + " bytes are stored per key");
    }
    try {
      if (ttl == null) {
        kv.put(full, value);
      } else {
        kv.put(full, value, ttl);
      }
    } catch (StoreQuotaExceededException e) {
      throw full(call, store, key, value.length, e);
    } catch (IllegalStateException e) {
      throw refused(call, e);
    } catch (UnsupportedOperationException e) {
      throw new GuestError("key-value store \"" + store + "\" cannot expire keys: put " + CallCapabilities.cut(key)
          + " without expirationTtl or expiration, or back the store with one of KeyValueStores");
    }
  }

  /**
   * The guest's error for a write over the store's quota ({@code length}: the value's bytes), after
   * keeping the store's own exception for {@link CallCapabilities#firstStoreFull}.
   */
  private static StoreFullError full(CallCapabilities call, String store, String key, int length,
      StoreQuotaExceededException e) {
    StoreQuotaExceededException named = new StoreQuotaExceededException("route \"" + call.route().route() + "\"", store, e);
    call.storeFull(named);
    String problem = switch (e.limit()) {
      case MAX_VALUE_SIZE -> "the value for " + CallCapabilities.cut(key) + (length < 0 ? " would be more than"
          : " is " + length + " bytes, more than") + " its max_value_size of " + e.allowed() + " bytes";
      case MAX_KEYS -> "it holds its max_keys limit of " + e.allowed() + " keys, so " + CallCapabilities.cut(key) + " cannot be added";
      case MAX_BYTES -> "storing " + CallCapabilities.cut(key) + " would take it over its max_bytes limit of " + e.allowed() + " bytes";
    };
    return new StoreFullError("key-value store \"" + store + "\" is full: " + problem + "; delete keys, let them"
        + " expire, or raise " + e.limit().key() + " in [store." + store + "] of isola.toml");
  }

  /**
   * Adds {@code delta} to the integer under {@code key} (see {@link KeyValueStore#increment}): a
   * write, counted against the quota like a put. A value that is not an integer, or an overflow, is
   * a {@link GuestError} naming the guest's key (never the call's prefix); nothing is changed.
   */
  public static long increment(CallCapabilities call, String store, String key, long delta) {
    KeyValueStore kv = store(call, store);
    String full = checked(call, store, key);
    try {
      return kv.increment(full, delta);
    } catch (NotAnIntegerException e) {
      throw new GuestError("cannot increment key-value key " + CallCapabilities.cut(key) + ": it " + e.reason());
    } catch (StoreQuotaExceededException e) {
      throw full(call, store, key, -1, e);
    } catch (IllegalStateException e) {
      throw refused(call, e);
    } catch (UnsupportedOperationException e) {
      throw new GuestError("key-value store \"" + store + "\" cannot increment atomically: back it with one of"
          + " KeyValueStores, or read and put " + CallCapabilities.cut(key) + " instead");
    }
  }

  /**
   * Stores {@code newValue} (null: deletes) only if the value is {@code expected} (null: absent),
   * atomically (see {@link KeyValueStore#compareAndSet}): a write, counted against the quota like a put.
   */
  public static boolean compareAndSet(CallCapabilities call, String store, String key, byte @Nullable [] expected,
      byte @Nullable [] newValue) {
    KeyValueStore kv = store(call, store);
    String full = checked(call, store, key);
    for (byte[] value : new byte[][] {expected, newValue}) {
      if (value != null && value.length > RouteCapabilities.MAX_VALUE_BYTES) {
        throw new GuestError("key-value " + (value == expected ? "expected" : "new") + " value for "
            + CallCapabilities.cut(key) + " is " + value.length + " bytes; at most " + RouteCapabilities.MAX_VALUE_BYTES
            + " bytes are stored per key");
      }
    }
    try {
      return kv.compareAndSet(full, expected, newValue);
    } catch (StoreQuotaExceededException e) {
      throw full(call, store, key, newValue == null ? 0 : newValue.length, e);
    } catch (IllegalStateException e) {
      throw refused(call, e);
    } catch (UnsupportedOperationException e) {
      throw new GuestError("key-value store \"" + store + "\" cannot compare and set atomically: back it with one"
          + " of KeyValueStores");
    }
  }

  public static boolean delete(CallCapabilities call, String store, String key) {
    KeyValueStore kv = store(call, store);
    String full = checked(call, store, key);
    try {
      return kv.delete(full);
    } catch (IllegalStateException e) {
      throw refused(call, e);
    }
  }

  public static boolean exists(CallCapabilities call, String store, String key) {
    KeyValueStore kv = store(call, store);
    String full = checked(call, store, key);
    return kv.exists(full);
  }

  /** Keys under {@code prefix}, without the call's own prefix, sorted, at most {@code limit} (1..1000). */
  public static List<String> list(CallCapabilities call, String store, String prefix, int limit) {
    KeyValueStore kv = store(call, store);
    int n = Math.max(1, Math.min(limit, RouteCapabilities.MAX_LIST));
    String full = prefixed(call, "prefix", prefix);
    if (call.audit() != null) {
      call.audit().prefix(store, prefix);
    }
    List<String> keys = new ArrayList<>();
    for (String k : kv.list(full, n)) {
      if (k.startsWith(full)) { // a custom store might answer more than asked: never past the call's prefix
        keys.add(k.substring(call.keyPrefix().length()));
      }
    }
    return keys;
  }
}
