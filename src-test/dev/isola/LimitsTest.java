package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LimitsTest {
  @ParameterizedTest
  @CsvSource({"512,512", "64KiB,65536", "32MiB,33554432", "1GiB,1073741824", "2mb,2097152", "3 K,3072"})
  void parse_validSizes_givesBytes(String text, long bytes) {
    assertEquals(bytes, DataSize.parse(text).bytes());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "MiB", "-1", "1.5MiB", "12 parsecs", "99999999999999999999"})
  void parse_invalidSizes_refusedNamingText(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DataSize.parse(text));
    assertTrue(e.getMessage().contains("\"" + text + "\""), e.getMessage());
  }

  @Test
  void toString_usesLargestExactUnit() {
    assertEquals("32MiB", DataSize.ofMiB(32).toString());
    assertEquals("1500B", DataSize.ofBytes(1500).toString());
    assertEquals(DataSize.ofKiB(3), DataSize.parse(DataSize.ofKiB(3).toString()));
  }

  @Test
  void builder_overridesOnlyWhatIsSet() {
    Limits l = Limits.newBuilder().timeout(Duration.ofSeconds(2)).build();
    assertEquals(Duration.ofSeconds(2), l.timeout());
    assertEquals(Limits.defaults().memory(), l.memory());
    assertEquals(l, l.toBuilder().build());
  }

  @Test
  void builder_zeroTimeout_refused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Limits.newBuilder().timeout(Duration.ZERO));
    assertTrue(e.getMessage().contains("PT0S"), e.getMessage());
  }

  @Test
  void builder_tinyMemory_refused() {
    assertThrows(IllegalArgumentException.class, () -> Limits.newBuilder().memory(DataSize.ofKiB(10)));
  }

  @Test
  void builder_hugeBody_refused() {
    assertThrows(IllegalArgumentException.class, () -> Limits.newBuilder().maxRequestBody(DataSize.ofGiB(3)));
  }
}
