package dev.isola.internal.route;

/** Message helpers shared by the parser and the path decoder. */
final class Text {
  /** Longest value quoted in full; longer ones are cut so a hostile path cannot flood a log. */
  private static final int MAX_QUOTED = 200;

  private Text() {}

  /**
   * Quotes {@code value} for an error message: in double quotes, control characters written as
   * {@code %XX} (so a message never carries a raw newline), cut after {@value #MAX_QUOTED} chars.
   */
  static String quote(String value) {
    StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_QUOTED) + 8).append('"');
    int end = Math.min(value.length(), MAX_QUOTED);
    for (int i = 0; i < end; i++) {
      char c = value.charAt(i);
      if (isControl(c)) {
        out.append('%').append(String.format("%02X", (int) c));
      } else {
        out.append(c);
      }
    }
    if (end < value.length()) {
      out.append("...(").append(value.length()).append(" chars)");
    }
    return out.append('"').toString();
  }

  /** C0 controls and DEL: never allowed in a decoded path segment. */
  static boolean isControl(char c) {
    return c < 0x20 || c == 0x7f;
  }
}
