package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HeadersTest {
  @Test
  void first_anyCase_findsValue() {
    Headers h = Headers.of("Content-Type", "text/plain");
    assertEquals(Optional.of("text/plain"), h.first("content-TYPE"));
    assertTrue(h.contains("CONTENT-type"));
  }

  @Test
  void all_repeatedName_keepsEveryValueInOrder() {
    Headers h = Headers.of("Set-Cookie", "a=1", "set-cookie", "b=2");
    assertEquals(List.of("a=1", "b=2"), h.all("SET-COOKIE"));
    assertEquals(1, h.size());
    assertEquals(List.of("Set-Cookie"), List.copyOf(h.names()));
  }

  @Test
  void set_existingName_replacesAllValues() {
    Headers h = Headers.of("X-A", "1", "x-a", "2").toBuilder().set("X-a", "3").build();
    assertEquals(List.of("3"), h.all("x-a"));
  }

  @Test
  void equals_differentCase_equal() {
    assertEquals(Headers.of("X-A", "1"), Headers.of("x-a", "1"));
  }

  @Test
  void toMap_isImmutable() {
    assertThrows(UnsupportedOperationException.class, () -> Headers.of("a", "1").toMap().put("b", List.of()));
    assertThrows(UnsupportedOperationException.class, () -> Headers.of("a", "1").all("a").add("2"));
  }

  @Test
  void add_valueWithNewline_refused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Headers.of("X-A", "1\r\nSet-Cookie: x"));
    assertTrue(e.getMessage().contains("X-A"), e.getMessage());
  }

  @Test
  void add_nameWithSpace_refusedNamingIt() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Headers.of("Bad Name", "1"));
    assertTrue(e.getMessage().contains("Bad Name"), e.getMessage());
  }

  @Test
  void of_oddArguments_refused() {
    assertThrows(IllegalArgumentException.class, () -> Headers.of("a"));
  }

  @Test
  void empty_hasNothing() {
    assertTrue(Headers.empty().isEmpty());
    assertFalse(Headers.empty().first("a").isPresent());
  }
}
