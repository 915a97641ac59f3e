package dev.isola.kv;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * When the keys with a time to live expire, in epoch milliseconds, ordered by time so the due ones
 * are found without a scan. Thread-safe; the store decides what expiring means.
 */
final class Expiries {
  private record Due(long at, String key) {}

  private final TreeSet<Due> byTime = new TreeSet<>((a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : a.key.compareTo(b.key));
  private final Map<String, Long> byKey = new HashMap<>();

  /** Records that {@code key} expires at {@code at}, or never if {@code at} is 0. */
  synchronized void set(String key, long at) {
    Long old = at == 0 ? byKey.remove(key) : byKey.put(key, at);
    if (old != null) {
      byTime.remove(new Due(old, key));
    }
    if (at != 0) {
      byTime.add(new Due(at, key));
    }
  }

  /** When {@code key} expires, 0 for never. */
  synchronized long at(String key) {
    Long at = byKey.get(key);
    return at == null ? 0 : at;
  }

  /** Whether {@code key} has expired at {@code now}. */
  synchronized boolean expired(String key, long now) {
    Long at = byKey.get(key);
    return at != null && at <= now;
  }

  /** The keys that have expired at {@code now}, oldest first. They stay recorded until {@link #set} removes them. */
  synchronized List<String> due(long now) {
    List<String> keys = new ArrayList<>();
    for (Due d : byTime) {
      if (d.at > now) {
        break;
      }
      keys.add(d.key);
    }
    return keys;
  }
}
