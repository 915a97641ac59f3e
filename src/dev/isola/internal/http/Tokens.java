package dev.isola.internal.http;

/** RFC 9110 tokens (section 5.6.2): header names, methods, transfer codings. */
public final class Tokens {
  private Tokens() {}

  /** Whether {@code c} is a {@code tchar}: an ASCII letter or digit, or one of {@code !#$%&'*+-.^_`|~}. */
  public static boolean isTokenChar(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || (c < 0x80 && "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
  }

  /** Whether {@code text} is a token: one or more {@code tchar}s. */
  public static boolean isToken(CharSequence text) {
    return !text.isEmpty() && text.chars().allMatch(Tokens::isTokenChar);
  }
}
