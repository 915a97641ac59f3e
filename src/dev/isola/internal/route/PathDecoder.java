package dev.isola.internal.route;

import static dev.isola.internal.route.Text.quote;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;

/**
 * Splits a raw request path into percent-decoded segments, or refuses it.
 *
 * <p>Refused: a path not starting with {@code /}; an empty segment ({@code //}); a {@code .} or
 * {@code ..} segment, raw or encoded; an encoded {@code /} or {@code \} ({@code %2F}, {@code
 * %5C}) and a raw {@code \}; malformed percent-encoding; bytes that are not UTF-8 after decoding
 * (overlong forms such as {@code %C0%AE} included); control characters after decoding. These are
 * the shapes that make a path mean one thing to the router and another to whatever reads it next
 * (a file system, a proxy, a guest's own router), so they never reach a route. A single trailing
 * {@code /} is dropped: {@code /a/} is {@code /a}. {@code +} is not a space in a path and stays
 * {@code +}.
 */
final class PathDecoder {
  private static final Decoded ROOT = new Decoded(new String[0], "/");

  private PathDecoder() {}

  /** What {@link #decode} returns. */
  sealed interface Result permits Decoded, Rejected {}

  /**
   * The decoded segments and the decoded path they spell ({@code "/" + join("/", segments)}), the
   * key of exact routes. The array is never changed after decoding.
   */
  record Decoded(String[] segments, String key) implements Result {}

  /** The path is refused; {@code reason} quotes the offending part. */
  record Rejected(String reason) implements Result {}

  /** Thrown inside the decoder only; no stack trace, so refusing hostile paths stays cheap. */
  private static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;

    Refusal(String reason) {
      super(reason, null, false, false);
    }
  }

  /** Splits and decodes {@code rawPath}, the path as sent (no query string). */
  static Result decode(String rawPath) {
    try {
      return split(rawPath);
    } catch (Refusal refusal) {
      return new Rejected(refusal.getMessage());
    }
  }

  private static Decoded split(String rawPath) throws Refusal {
    if (rawPath.isEmpty() || rawPath.charAt(0) != '/') {
      throw new Refusal("path " + quote(rawPath) + " must start with '/'");
    }
    int end = rawPath.length();
    if (end == 1) {
      return ROOT;
    }
    boolean trailingSlash = rawPath.charAt(end - 1) == '/';
    if (trailingSlash) {
      end--;
    }
    String[] segments = new String[countSlashes(rawPath, end)];
    boolean changed = trailingSlash;
    int start = 1;
    for (int i = 0; i < segments.length; i++) {
      int stop = rawPath.indexOf('/', start);
      if (stop < 0 || stop > end) {
        stop = end;
      }
      String raw = rawPath.substring(start, stop);
      segments[i] = decodeSegment(raw);
      changed |= raw.indexOf('%') >= 0;
      start = stop + 1;
    }
    return new Decoded(segments, changed ? "/" + String.join("/", segments) : rawPath);
  }

  /** The number of segments in {@code rawPath[0, end)}: one per '/'. */
  private static int countSlashes(String rawPath, int end) {
    int count = 0;
    for (int i = 0; i < end; i++) {
      if (rawPath.charAt(i) == '/') {
        count++;
      }
    }
    return count;
  }

  /** The decoded segment, or a refusal naming what is wrong with it. */
  private static String decodeSegment(String raw) throws Refusal {
    if (raw.isEmpty()) {
      throw new Refusal("an empty path segment (\"//\") is not allowed");
    }
    boolean escaped = false;
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        escaped = true;
      } else if (c == '\\') {
        throw new Refusal("path segment " + quote(raw) + " contains '\\', which is not allowed");
      } else if (Text.isControl(c)) {
        throw controlCharacter(raw, c);
      }
    }
    if (!escaped) {
      if (isDotSegment(raw)) {
        throw new Refusal("path segment " + quote(raw) + " is not allowed");
      }
      return raw;
    }
    String decoded = percentDecode(raw);
    for (int i = 0; i < decoded.length(); i++) {
      if (Text.isControl(decoded.charAt(i))) {
        throw controlCharacter(raw, decoded.charAt(i));
      }
    }
    if (isDotSegment(decoded)) {
      throw new Refusal("path segment " + quote(raw) + " decodes to " + quote(decoded)
          + ", which is not allowed");
    }
    return decoded;
  }

  private static String percentDecode(String raw) throws Refusal {
    checkEscapes(raw);
    // '%' and hex digits are ASCII, so they keep their places in the UTF-8 bytes of raw.
    byte[] bytes = raw.getBytes(StandardCharsets.UTF_8);
    int length = 0;
    for (int i = 0; i < bytes.length; i++) {
      if (bytes[i] == '%') {
        bytes[length++] = (byte) (hex(bytes[i + 1]) << 4 | hex(bytes[i + 2]));
        i += 2;
      } else {
        bytes[length++] = bytes[i];
      }
    }
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .decode(ByteBuffer.wrap(bytes, 0, length))
          .toString();
    } catch (CharacterCodingException e) {
      throw new Refusal(
          "path segment " + quote(raw) + " is not valid UTF-8 after percent-decoding");
    }
  }

  /** Checks that every '%' starts a two-hex-digit escape that is not a slash or backslash. */
  private static void checkEscapes(String raw) throws Refusal {
    for (int i = raw.indexOf('%'); i >= 0; i = raw.indexOf('%', i + 1)) {
      if (i + 2 >= raw.length() || hex(raw.charAt(i + 1)) < 0 || hex(raw.charAt(i + 2)) < 0) {
        String escape = raw.substring(i, Math.min(i + 3, raw.length()));
        throw new Refusal("path segment " + quote(raw) + " has malformed percent-encoding "
            + quote(escape) + "; '%' must be followed by two hex digits");
      }
      int value = hex(raw.charAt(i + 1)) << 4 | hex(raw.charAt(i + 2));
      if (value == '/' || value == '\\') {
        throw new Refusal("path segment " + quote(raw) + " contains an encoded '" + (char) value
            + "' (" + raw.substring(i, i + 3) + "), which is not allowed");
      }
    }
  }

  private static Refusal controlCharacter(String raw, char c) {
    return new Refusal("path segment " + quote(raw) + " contains a control character ("
        + String.format("0x%02X", (int) c) + "), which is not allowed");
  }

  private static boolean isDotSegment(String segment) {
    return segment.equals(".") || segment.equals("..");
  }

  private static int hex(int c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    return -1;
  }
}
