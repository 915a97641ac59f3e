package dev.isola.kv;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Objects;
import java.util.Optional;

/** The key, prefix, value and limit rules of {@link KeyValueStore}, shared by every backend. */
final class Keys {
  /** How much of a key an error message quotes. */
  static final int QUOTED_CHARS = 60;

  /**
   * UTF-8 byte order without encoding: it is Unicode code point order. {@link String#compareTo}
   * compares UTF-16 units instead and puts U+10000 and above before U+E000..U+FFFF.
   */
  static final Comparator<String> UTF8_ORDER = Keys::compareCodePoints;

  private Keys() {}

  /** Checks {@code key} against the key rules and returns its UTF-8 bytes. */
  static byte[] checkKey(String key) {
    Objects.requireNonNull(key, "key");
    if (key.isEmpty()) {
      throw new IllegalArgumentException("key \"\" is empty: a key needs at least one character");
    }
    return checkText("key", key);
  }

  /** Checks a {@link KeyValueStore#list} prefix: empty, or a valid key. Returns its UTF-8 bytes. */
  static byte[] checkPrefix(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    return checkText("prefix", prefix);
  }

  /**
   * The key whose UTF-8 form is {@code utf8}, or empty if those bytes are not a valid key: for
   * keys read back from storage that others may have written to.
   */
  static Optional<String> decode(byte[] utf8) {
    try {
      String key = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(utf8))
          .toString();
      checkKey(key);
      return Optional.of(key);
    } catch (CharacterCodingException | IllegalArgumentException notAKey) {
      return Optional.empty();
    }
  }

  static void checkValue(String key, byte[] value) {
    Objects.requireNonNull(value, () -> "value for key " + quote(key) + " is null: store an empty array instead");
    if (value.length > KeyValueStore.MAX_VALUE_BYTES) {
      throw new IllegalArgumentException("value for key " + quote(key) + " is " + value.length
          + " bytes, more than the limit of " + KeyValueStore.MAX_VALUE_BYTES
          + " (KeyValueStore.MAX_VALUE_BYTES): split it over several keys or store it elsewhere");
    }
  }

  /** The length of {@code text} in UTF-8, without encoding it. */
  static long utf8Length(String text) {
    long n = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < 0x80) {
        n += 1;
      } else if (c < 0x800) {
        n += 2;
      } else if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
        n += 4;
        i++;
      } else {
        n += 3;
      }
    }
    return n;
  }

  /** Checks a time to live for {@code key}: positive and at most {@link KeyValueStore#MAX_TTL}. */
  static long checkTtl(String key, java.time.Duration ttl) {
    Objects.requireNonNull(ttl, () -> "time to live for key " + quote(key) + " is null: call put(key, value) for a value that does not expire");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("time to live " + ttl + " for key " + quote(key)
          + " is not positive: pass at least 1 ms, or call put(key, value) for a value that does not expire");
    }
    if (ttl.compareTo(java.time.Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException("time to live " + ttl + " for key " + quote(key)
          + " is shorter than 1 ms, the finest time stores keep: pass at least 1 ms");
    }
    if (ttl.compareTo(KeyValueStore.MAX_TTL) > 0) {
      throw new IllegalArgumentException("time to live " + ttl + " for key " + quote(key) + " is longer than "
          + KeyValueStore.MAX_TTL.toDays() + " days (KeyValueStore.MAX_TTL): pass a shorter one, or call put(key, value)"
          + " for a value that does not expire");
    }
    return ttl.toMillis();
  }

  static void checkLimit(int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("list limit " + limit + " is negative: pass 0 or more");
    }
  }

  private static byte[] checkText(String what, String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\0') {
        throw new IllegalArgumentException(what + " " + quote(text) + " contains NUL (\\0) at index " + i
            + ": remove it or encode the " + what + ", e.g. as hex");
      }
      if (Character.isSurrogate(c)) {
        boolean paired = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
        if (!paired) {
          throw new IllegalArgumentException(what + " " + quote(text) + " has an unpaired surrogate at index " + i
              + ", which UTF-8 cannot encode: pass well-formed Unicode");
        }
        i++;
      }
    }
    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
    if (utf8.length > KeyValueStore.MAX_KEY_BYTES) {
      throw new IllegalArgumentException(what + " " + quote(text) + " is " + utf8.length
          + " UTF-8 bytes, more than the limit of " + KeyValueStore.MAX_KEY_BYTES
          + " (KeyValueStore.MAX_KEY_BYTES): use a shorter " + what + ", e.g. a hash of the long part");
    }
    return utf8;
  }

  /**
   * {@code key} in quotes for a message: at most {@value #QUOTED_CHARS} characters (never half a
   * surrogate pair) with an ellipsis when cut, control characters escaped.
   */
  static String quote(String key) {
    StringBuilder out = new StringBuilder(QUOTED_CHARS + 8).append('"');
    int end = key.length() <= QUOTED_CHARS ? key.length() : cutPoint(key);
    for (int i = 0; i < end; i++) {
      char c = key.charAt(i);
      switch (c) {
        case '"', '\\' -> out.append('\\').append(c);
        default -> {
          if (Character.isISOControl(c)) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    if (end < key.length()) {
      out.append('…');
    }
    return out.append('"').toString();
  }

  private static int cutPoint(String key) {
    int end = QUOTED_CHARS;
    return Character.isLowSurrogate(key.charAt(end)) && Character.isHighSurrogate(key.charAt(end - 1)) ? end - 1 : end;
  }

  private static int compareCodePoints(String a, String b) {
    int n = Math.min(a.length(), b.length());
    for (int i = 0; i < n; i++) {
      char x = a.charAt(i);
      char y = b.charAt(i);
      if (x != y) {
        // Only surrogates (code points above U+FFFF) sort differently by code unit than by code point.
        if (Character.isSurrogate(x) != Character.isSurrogate(y)) {
          return Character.isSurrogate(x) ? 1 : -1;
        }
        return Character.compare(x, y);
      }
    }
    return Integer.compare(a.length(), b.length());
  }
}
