package dev.isola;

import dev.isola.internal.http.Tokens;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * HTTP header fields: immutable, case-insensitive names, several values per name, in the order they
 * were added. Names are validated as RFC 9110 tokens and values as RFC 9110 field content (tab,
 * printable ASCII, U+0080 to U+00FF), so a header built here can never split a response, even
 * through an adapter that writes each character as one byte.
 *
 * <pre>{@code
 * Headers h = Headers.of("Content-Type", "text/plain", "Set-Cookie", "a=1", "Set-Cookie", "b=2");
 * h.first("content-type");   // Optional[text/plain]
 * h.all("set-cookie");       // [a=1, b=2]
 * }</pre>
 */
public final class Headers {
  private static final Headers EMPTY = new Headers(Map.of());

  /** Lower-cased name to the entry holding the name as first written and its values. */
  private final Map<String, Entry> entries;

  private record Entry(String name, List<String> values) {}

  private Headers(Map<String, Entry> entries) {
    this.entries = entries;
  }

  /** No headers. */
  public static Headers empty() {
    return EMPTY;
  }

  /**
   * Headers from alternating names and values: {@code of("Accept", "text/html", "X-Id", "7")}.
   *
   * @throws IllegalArgumentException for an odd number of arguments or an invalid name or value
   */
  public static Headers of(String... namesAndValues) {
    if (namesAndValues.length % 2 != 0) {
      throw new IllegalArgumentException(
          "Headers.of takes names and values in pairs, got " + namesAndValues.length + " arguments");
    }
    Builder b = newBuilder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      b.add(namesAndValues[i], namesAndValues[i + 1]);
    }
    return b.build();
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  /** A builder holding these headers, to add or replace some. */
  public Builder toBuilder() {
    Builder b = new Builder();
    entries.forEach((key, e) -> b.entries.put(key, new Entry(e.name, new ArrayList<>(e.values))));
    return b;
  }

  /** The first value of {@code name} (any case), if present. */
  public Optional<String> first(String name) {
    Entry e = entries.get(key(name));
    return e == null ? Optional.empty() : Optional.of(e.values.get(0));
  }

  /** Every value of {@code name} (any case) in the order added; empty if absent. */
  public List<String> all(String name) {
    Entry e = entries.get(key(name));
    return e == null ? List.of() : e.values;
  }

  public boolean contains(String name) {
    return entries.containsKey(key(name));
  }

  /** The names as first written, in the order first added. */
  public Set<String> names() {
    Set<String> names = new java.util.LinkedHashSet<>();
    entries.values().forEach(e -> names.add(e.name));
    return Collections.unmodifiableSet(names);
  }

  /** Calls {@code action} once per value, with the name as first written. */
  public void forEach(BiConsumer<String, String> action) {
    entries.values().forEach(e -> e.values.forEach(v -> action.accept(e.name, v)));
  }

  /** Number of distinct names. */
  public int size() {
    return entries.size();
  }

  public boolean isEmpty() {
    return entries.isEmpty();
  }

  /** Names as first written to their values; an immutable copy. */
  public Map<String, List<String>> toMap() {
    Map<String, List<String>> map = new LinkedHashMap<>();
    entries.values().forEach(e -> map.put(e.name, e.values));
    return Collections.unmodifiableMap(map);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Headers other && lowerCased().equals(other.lowerCased());
  }

  private Map<String, List<String>> lowerCased() {
    Map<String, List<String>> map = new LinkedHashMap<>();
    entries.forEach((k, e) -> map.put(k, e.values));
    return map;
  }

  @Override
  public int hashCode() {
    return lowerCased().hashCode();
  }

  @Override
  public String toString() {
    return toMap().toString();
  }

  private static String key(String name) {
    return name.toLowerCase(Locale.ROOT);
  }

  /** Builds {@link Headers}; not thread-safe. */
  public static final class Builder {
    private final Map<String, Entry> entries = new LinkedHashMap<>();

    private Builder() {}

    /** Adds a value, keeping any values already present for {@code name}. */
    public Builder add(String name, String value) {
      checkName(name);
      checkValue(name, value);
      entries.computeIfAbsent(key(name), k -> new Entry(name, new ArrayList<>())).values.add(value);
      return this;
    }

    /** Replaces every value of {@code name} with {@code value}. */
    public Builder set(String name, String value) {
      remove(name);
      return add(name, value);
    }

    /** Removes every value of {@code name}. */
    public Builder remove(String name) {
      entries.remove(key(Objects.requireNonNull(name, "name")));
      return this;
    }

    public Headers build() {
      if (entries.isEmpty()) {
        return EMPTY;
      }
      Map<String, Entry> copy = new LinkedHashMap<>();
      entries.forEach((k, e) -> copy.put(k, new Entry(e.name, List.copyOf(e.values))));
      return new Headers(Collections.unmodifiableMap(copy));
    }

    private static void checkName(String name) {
      Objects.requireNonNull(name, "header name");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("header name must not be empty");
      }
      for (int i = 0; i < name.length(); i++) {
        if (!Tokens.isTokenChar(name.charAt(i))) {
          throw new IllegalArgumentException(
              "header name \"" + printable(name) + "\" has the character " + describe(name.charAt(i))
                  + " at index " + i + ": names may only hold letters, digits and !#$%&'*+-.^_`|~");
        }
      }
    }

    private static void checkValue(String name, String value) {
      Objects.requireNonNull(value, () -> "value of header " + name);
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if ((c < 0x20 && c != '\t') || c == 0x7f || c > 0xff) {
          throw new IllegalArgumentException(
              "value of header \"" + name + "\" has " + describe(c) + " at index " + i
                  + ": header values may hold only tab, printable ASCII and U+0080 to U+00FF"
                  + " (percent-encode or RFC 8187-encode anything else)");
        }
      }
    }

    private static String describe(char c) {
      return String.format("U+%04X", (int) c);
    }

    private static String printable(String s) {
      StringBuilder b = new StringBuilder();
      s.codePoints().limit(64).forEach(cp -> {
        if (cp < 0x20 || cp == 0x7f) {
          b.append(String.format("\\u%04x", cp));
        } else {
          b.appendCodePoint(cp);
        }
      });
      return b.toString();
    }
  }
}
