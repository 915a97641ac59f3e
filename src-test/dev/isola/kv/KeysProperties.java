package dev.isola.kv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The key rules, the UTF-8 order and the file names of keys, for keys of any Unicode text. */
class KeysProperties {
  private static final Path ROOT = Path.of("/store/data");

  /** Well-formed text of 1 to 300 code points, from ASCII to above U+FFFF, sometimes with NUL. */
  @Provide
  Arbitrary<String> texts() {
    Arbitrary<Integer> codePoint = Arbitraries.oneOf(
        Arbitraries.integers().between(0, 0x7F),
        Arbitraries.integers().between(0x80, 0xD7FF),
        Arbitraries.integers().between(0xE000, 0xFFFF),
        Arbitraries.integers().between(0x10000, 0x10FFFF));
    return codePoint.list().ofMinSize(1).ofMaxSize(300).map(points -> {
      StringBuilder text = new StringBuilder();
      points.forEach(text::appendCodePoint);
      return text.toString();
    });
  }

  @Property(tries = 300)
  void checkKey_acceptsExactlyTheDocumentedKeys(@ForAll("texts") String text) {
    boolean valid = text.indexOf('\0') < 0 && text.getBytes(UTF_8).length <= KeyValueStore.MAX_KEY_BYTES;
    if (valid) {
      assertEquals(List.of(text), List.of(new String(Keys.checkKey(text), UTF_8)));
    } else {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Keys.checkKey(text));
      assertTrue(e.getMessage().startsWith("key \""), e.getMessage());
    }
  }

  @Property(tries = 300)
  void utf8Order_agreesWithUnsignedBytes(@ForAll("texts") String a, @ForAll("texts") String b) {
    int bytes = Integer.signum(Arrays.compareUnsigned(a.getBytes(UTF_8), b.getBytes(UTF_8)));
    assertEquals(bytes, Integer.signum(Keys.UTF8_ORDER.compare(a, b)), () -> a + " vs " + b);
  }

  @Property(tries = 300)
  void fileNames_roundTripWithShortNamesAndKeepOrder(@ForAll("texts") String a, @ForAll("texts") String b) {
    for (String key : List.of(a, b)) {
      if (Keys.decode(key.getBytes(UTF_8)).isEmpty()) {
        continue;
      }
      Path file = FileNames.file(ROOT, FileNames.hex(key.getBytes(UTF_8)));
      List<String> segments = new ArrayList<>();
      for (Path part : ROOT.relativize(file)) {
        segments.add(part.toString());
        assertTrue(part.toString().length() <= FileNames.SEGMENT_CHARS + FileNames.VALUE_SUFFIX.length(), part::toString);
      }
      String last = segments.removeLast();
      segments.forEach(segment -> assertTrue(FileNames.isSegment(segment), segment));
      segments.add(FileNames.lastSegment(last).orElseThrow());
      assertEquals(Optional.of(key), FileNames.key(segments));
    }
    int byHex = Integer.signum(FileNames.hex(a.getBytes(UTF_8)).compareTo(FileNames.hex(b.getBytes(UTF_8))));
    assertEquals(Integer.signum(Keys.UTF8_ORDER.compare(a, b)), byHex);
  }
}
