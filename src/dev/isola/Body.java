package dev.isola;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Shared immutable byte storage for request and response bodies. */
final class Body {
  static final byte[] EMPTY = new byte[0];

  private Body() {}

  static ByteBuffer view(byte[] bytes) {
    return ByteBuffer.wrap(bytes).asReadOnlyBuffer();
  }

  static byte[] copy(byte[] bytes) {
    return bytes.length == 0 ? EMPTY : Arrays.copyOf(bytes, bytes.length);
  }

  static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] bytes) {
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
