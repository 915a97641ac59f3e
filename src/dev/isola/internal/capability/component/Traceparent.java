package dev.isola.internal.capability.component;

import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * A W3C Trace Context {@code traceparent} (version {@code 00}): {@code
 * 00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>}, lower-case, neither id all zeros.
 *
 * @param traceId 32 lower-case hex digits
 * @param spanId 16 lower-case hex digits: the span of whoever sends this header
 * @param flags 2 lower-case hex digits ({@code 01}: sampled)
 */
public record Traceparent(String traceId, String spanId, String flags) {
  /** The header's name. */
  public static final String HEADER = "traceparent";

  private static final HexFormat HEX = HexFormat.of();

  /** {@code header} if it is a valid version-00 traceparent, else null (a new trace starts). */
  public static @Nullable Traceparent parse(@Nullable String header) {
    if (header == null || header.length() != 55 || header.charAt(2) != '-' || header.charAt(35) != '-'
        || header.charAt(52) != '-' || !header.startsWith("00")) {
      return null;
    }
    String trace = header.substring(3, 35);
    String span = header.substring(36, 52);
    String flags = header.substring(53, 55);
    if (!hex(trace) || !hex(span) || !hex(flags) || zeros(trace) || zeros(span)) {
      return null;
    }
    return new Traceparent(trace, span, flags);
  }

  /** A new trace, sampled, with a random trace id and span id. */
  public static Traceparent root() {
    return new Traceparent(randomHex(16), randomHex(8), "01");
  }

  /** The same trace with a new span id: what a call made by this span sends. */
  public Traceparent child() {
    return new Traceparent(traceId, randomHex(8), flags);
  }

  /** The header's value. */
  @Override
  public String toString() {
    return "00-" + traceId + "-" + spanId + "-" + flags;
  }

  private static String randomHex(int bytes) {
    byte[] b = new byte[bytes];
    do {
      ThreadLocalRandom.current().nextBytes(b);
    } while (java.util.Arrays.equals(b, new byte[bytes])); // all zeros is not a valid id
    return HEX.formatHex(b);
  }

  private static boolean hex(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }

  private static boolean zeros(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) != '0') {
        return false;
      }
    }
    return true;
  }
}
