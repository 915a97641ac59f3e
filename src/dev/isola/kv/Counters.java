package dev.isola.kv;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The integer rules of {@link KeyValueStore#increment}, shared by the stores that increment in
 * Java: the same values Redis's {@code INCRBY} takes (an optional minus sign, then digits without a
 * leading zero, or {@code 0}; no plus sign, no spaces; within a signed 64-bit integer).
 */
final class Counters {
  /** How many bytes of a value that is not an integer an error message shows. */
  private static final int SHOWN_BYTES = 24;

  private Counters() {}

  /** {@code old} (absent is 0) plus {@code delta}, as the ASCII bytes to store; refuses as {@link NotAnIntegerException}. */
  static byte[] increment(String key, Optional<byte[]> old, long delta) {
    long current = old.isEmpty() ? 0 : parse(key, old.get());
    long sum;
    try {
      sum = Math.addExact(current, delta);
    } catch (ArithmeticException overflow) {
      throw overflow(key, current, delta);
    }
    return Long.toString(sum).getBytes(StandardCharsets.US_ASCII);
  }

  /** The value of {@code stored}, a signed 64-bit decimal integer in ASCII, or {@link NotAnIntegerException}. */
  static long parse(String key, byte[] stored) {
    if (stored.length > 0 && stored.length <= 20) {
      String text = new String(stored, StandardCharsets.ISO_8859_1);
      boolean digits = true;
      for (int i = text.startsWith("-") ? 1 : 0; i < text.length(); i++) {
        digits &= text.charAt(i) >= '0' && text.charAt(i) <= '9';
      }
      if (digits) {
        try {
          long n = Long.parseLong(text);
          if (Long.toString(n).equals(text)) { // no leading zeros, no "-0"
            return n;
          }
        } catch (NumberFormatException outOfRange) {
          // falls through to the refusal
        }
      }
    }
    throw notAnInteger(key, stored);
  }

  static NotAnIntegerException notAnInteger(String key, byte[] stored) {
    return new NotAnIntegerException(key, "holds " + shown(stored) + ", not a signed 64-bit decimal integer"
        + " (digits, an optional leading minus, no leading zeros); put a number such as \"0\" first, or use another key");
  }

  static NotAnIntegerException overflow(String key, long current, long delta) {
    return new NotAnIntegerException(key, "holds " + current + ", and adding " + delta
        + " would overflow a signed 64-bit integer (" + Long.MIN_VALUE + " to " + Long.MAX_VALUE + ")");
  }

  /** {@code stored} for a message: quoted if it is printable ASCII, else its bytes in hex; cut, with its length. */
  static String shown(byte[] stored) {
    int n = Math.min(stored.length, SHOWN_BYTES);
    boolean printable = true;
    for (int i = 0; i < n; i++) {
      printable &= stored[i] >= 0x20 && stored[i] < 0x7f;
    }
    StringBuilder s = new StringBuilder();
    if (printable) {
      s.append('"');
      for (int i = 0; i < n; i++) {
        char c = (char) stored[i];
        s.append(c == '"' || c == '\\' ? "\\" + c : String.valueOf(c));
      }
      s.append(stored.length > n ? "…\"" : "\"");
    } else {
      s.append("bytes 0x");
      for (int i = 0; i < n; i++) {
        s.append(String.format("%02x", stored[i] & 0xff));
      }
      s.append(stored.length > n ? "…" : "");
    }
    return s + " (" + stored.length + (stored.length == 1 ? " byte)" : " bytes)");
  }
}
