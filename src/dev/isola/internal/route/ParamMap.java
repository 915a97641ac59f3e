package dev.isola.internal.route;

import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * An immutable map of path parameters in declaration order, backed by two arrays. A route holds
 * the names once; a match only fills the values, so {@link Lookup.Found} costs one small array.
 */
final class ParamMap extends AbstractMap<String, String> {
  private static final ParamMap EMPTY = new ParamMap(new String[0], new String[0]);

  private final String[] names;
  private final String[] values;

  /** Takes ownership of both arrays: callers must not change them afterwards. */
  private ParamMap(String[] names, String[] values) {
    this.names = names;
    this.values = values;
  }

  /** A map over {@code names} (shared, never changed) and {@code values} (owned by the map). */
  static ParamMap of(String[] names, String[] values) {
    return names.length == 0 ? EMPTY : new ParamMap(names, values);
  }

  /** {@code params} itself if it is already a ParamMap, otherwise an ordered immutable copy. */
  static ParamMap copyOf(Map<String, String> params) {
    if (params instanceof ParamMap map) {
      return map;
    }
    if (params.isEmpty()) {
      return EMPTY;
    }
    String[] names = new String[params.size()];
    String[] values = new String[params.size()];
    int i = 0;
    for (Map.Entry<String, String> entry : params.entrySet()) {
      names[i] = Objects.requireNonNull(entry.getKey(), "parameter name");
      values[i] = Objects.requireNonNull(entry.getValue(), "parameter value");
      i++;
    }
    return new ParamMap(names, values);
  }

  @Override
  public int size() {
    return names.length;
  }

  @Override
  public boolean containsKey(@Nullable Object key) {
    return indexOf(key) >= 0;
  }

  @Override
  public @Nullable String get(@Nullable Object key) {
    int i = indexOf(key);
    return i < 0 ? null : values[i];
  }

  private int indexOf(@Nullable Object key) {
    for (int i = 0; i < names.length; i++) {
      if (names[i].equals(key)) {
        return i;
      }
    }
    return -1;
  }

  @Override
  public Set<Map.Entry<String, String>> entrySet() {
    return new AbstractSet<>() {
      @Override
      public int size() {
        return names.length;
      }

      @Override
      public Iterator<Map.Entry<String, String>> iterator() {
        return new Iterator<>() {
          private int next;

          @Override
          public boolean hasNext() {
            return next < names.length;
          }

          @Override
          public Map.Entry<String, String> next() {
            if (next >= names.length) {
              throw new NoSuchElementException();
            }
            int i = next++;
            return Map.entry(names[i], values[i]);
          }
        };
      }
    };
  }
}
