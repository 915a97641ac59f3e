package dev.isola.kv;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Where {@link FileKeyValueStore} keeps a key: the lowercase hex of its UTF-8 bytes, cut into
 * segments of {@value #SEGMENT_CHARS} characters; all segments but the last are directories, the
 * last is the file name with suffix {@value #VALUE_SUFFIX}. Key {@code "a/b"} lives in
 * {@code 612f62.kv}; a 100-byte key in {@code <128 hex chars>/<72 hex chars>.kv}. Files in the
 * format before checksums ({@link ValueFile}) had suffix {@value #LEGACY_SUFFIX}; opening the store
 * rewrites them.
 *
 * <p>Why hex: it is reversible, uses only {@code [0-9a-f]} (safe on every file system, including
 * case-insensitive ones, where base64 would let two keys share a file), and sorts in the same order
 * as the UTF-8 bytes, so a directory listing sorted by name is in key order. Why segments: file
 * names are limited to 255 bytes and a key may take 1024 hex characters. The suffix keeps a file
 * ({@code <seg>.kv}) from colliding with a directory of the same segment ({@code <seg>/}).
 */
final class FileNames {
  static final int SEGMENT_CHARS = 128;
  static final String VALUE_SUFFIX = ".kv";
  static final String LEGACY_SUFFIX = ".v";

  private static final HexFormat HEX = HexFormat.of();

  private FileNames() {}

  /** The hex form of UTF-8 bytes, which is also the order-preserving form of the key. */
  static String hex(byte[] utf8) {
    return HEX.formatHex(utf8);
  }

  /** The file holding the key with hex form {@code hex}, under {@code root}. */
  static Path file(Path root, String hex) {
    Path path = root;
    int start = 0;
    while (hex.length() - start > SEGMENT_CHARS) {
      path = path.resolve(hex.substring(start, start + SEGMENT_CHARS));
      start += SEGMENT_CHARS;
    }
    return path.resolve(hex.substring(start) + VALUE_SUFFIX);
  }

  /**
   * The directory under {@code root} below which every key starting with the hex prefix {@code
   * hexPrefix} lives: the full segments of the prefix that some longer part still follows.
   */
  static Path searchRoot(Path root, String hexPrefix) {
    Path path = root;
    for (int end = SEGMENT_CHARS; end < hexPrefix.length(); end += SEGMENT_CHARS) {
      path = path.resolve(hexPrefix.substring(end - SEGMENT_CHARS, end));
    }
    return path;
  }

  /** Whether {@code name} can be a directory segment (anything else in the tree is not ours). */
  static boolean isSegment(String name) {
    return name.length() == SEGMENT_CHARS && isHex(name);
  }

  /** The last hex segment in file name {@code name}, if it is one of ours. */
  static Optional<String> lastSegment(String name) {
    return lastSegment(name, VALUE_SUFFIX);
  }

  /** The last hex segment in file name {@code name} ending with {@code suffix}, if it is one of ours. */
  static Optional<String> lastSegment(String name, String suffix) {
    if (!name.endsWith(suffix)) {
      return Optional.empty();
    }
    String hex = name.substring(0, name.length() - suffix.length());
    boolean valid = !hex.isEmpty() && hex.length() <= SEGMENT_CHARS && hex.length() % 2 == 0 && isHex(hex);
    return valid ? Optional.of(hex) : Optional.empty();
  }

  /** The key whose hex form is the concatenation of {@code segments}, if it is a valid key. */
  static Optional<String> key(List<String> segments) {
    return Keys.decode(HEX.parseHex(String.join("", segments)));
  }

  private static boolean isHex(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
        return false;
      }
    }
    return true;
  }
}
