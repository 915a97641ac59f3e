package dev.isola.kv;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;
import org.jspecify.annotations.Nullable;

/**
 * Model-based checking of a {@link KeyValueStore}: random sequences of operations run against the
 * store and against a {@link TreeMap} ordered by UTF-8 bytes, which must agree after every step.
 */
final class StoreModel {
  /**
   * Few characters, so keys collide and prefix each other; among them glob characters (Redis
   * {@code SCAN MATCH}), characters of 2, 3 and 4 UTF-8 bytes, and U+E000 and U+1D11E, whose order
   * differs between UTF-16 and UTF-8.
   */
  private static final List<String> ALPHABET = List.of("a", "b", ":", "*", "?", "[", "\\", "é", "\uE000", "𝄞");

  sealed interface Op {}

  record Put(String key, byte[] value) implements Op {
    @Override
    public String toString() {
      return "put(" + key + ", " + Arrays.toString(value) + ")";
    }
  }

  record Delete(String key) implements Op {}

  record Get(String key) implements Op {}

  record Exists(String key) implements Op {}

  record ListKeys(String prefix, int limit) implements Op {}

  record Increment(String key, long delta) implements Op {}

  /** Expects the model's current value if {@code expectCurrent}, else {@code expected} (null: absent). */
  record CompareAndSet(String key, boolean expectCurrent, byte @Nullable [] expected, byte @Nullable [] newValue)
      implements Op {
    @Override
    public String toString() {
      return "compareAndSet(" + key + ", " + (expectCurrent ? "current" : Arrays.toString(expected)) + ", "
          + Arrays.toString(newValue) + ")";
    }
  }

  private final TreeMap<String, byte[]> model =
      new TreeMap<>((a, b) -> Arrays.compareUnsigned(a.getBytes(UTF_8), b.getBytes(UTF_8)));

  private StoreModel() {}

  /** Runs {@code ops} on {@code store} (empty at first) and on the model, comparing every answer. */
  static void check(KeyValueStore store, List<Op> ops) {
    StoreModel m = new StoreModel();
    for (Op op : ops) {
      m.apply(store, op);
    }
    assertEquals(List.copyOf(m.model.keySet()), store.list("", Integer.MAX_VALUE), "all keys at the end");
  }

  private void apply(KeyValueStore store, Op op) {
    switch (op) {
      case Put(String key, byte[] value) -> {
        store.put(key, value);
        model.put(key, value.clone());
      }
      case Delete(String key) -> assertEquals(model.remove(key) != null, store.delete(key), op::toString);
      case Get(String key) -> {
        Optional<byte[]> actual = store.get(key);
        assertEquals(model.containsKey(key), actual.isPresent(), op::toString);
        actual.ifPresent(value -> assertArrayEquals(model.get(key), value, op::toString));
      }
      case Exists(String key) -> assertEquals(model.containsKey(key), store.exists(key), op::toString);
      case Increment(String key, long delta) -> {
        byte[] old = model.get(key);
        Long sum = null;
        try {
          sum = Math.addExact(old == null ? 0 : integer(old), delta);
        } catch (NumberFormatException | ArithmeticException refused) {
          // the store must refuse too
        }
        if (sum == null) {
          assertThrows(NotAnIntegerException.class, () -> store.increment(key, delta), op::toString);
        } else {
          assertEquals(sum, store.increment(key, delta), op::toString);
          model.put(key, Long.toString(sum).getBytes(UTF_8));
        }
      }
      case CompareAndSet(String key, boolean current, byte[] expected, byte[] newValue) -> {
        byte[] expect = current ? model.get(key) : expected;
        byte[] old = model.get(key);
        boolean matches = old == null ? expect == null : expect != null && Arrays.equals(old, expect);
        assertEquals(matches, store.compareAndSet(key, expect, newValue), op::toString);
        if (matches && newValue == null) {
          model.remove(key);
        } else if (matches) {
          model.put(key, newValue.clone());
        }
      }
      case ListKeys(String prefix, int limit) -> {
        List<String> expected = model.tailMap(prefix, true).keySet().stream()
            .takeWhile(k -> k.startsWith(prefix)).limit(limit).toList();
        assertEquals(expected, store.list(prefix, limit), op::toString);
      }
    }
  }

  /** The model's reading of an integer value: decimal ASCII without a plus sign or leading zeros. */
  private static long integer(byte[] value) {
    String text = new String(value, UTF_8);
    long n = Long.parseLong(text);
    if (!Long.toString(n).equals(text) || text.startsWith("+")) {
      throw new NumberFormatException(text);
    }
    return n;
  }

  /** Sequences of up to 40 operations, writes and reads in about equal measure. */
  static Arbitrary<List<Op>> ops() {
    Arbitrary<String> key = text(1, 4);
    Arbitrary<byte[]> value = Arbitraries.frequencyOf(
        Tuple.of(3, Arbitraries.bytes().array(byte[].class).ofMaxSize(8)),
        Tuple.of(1, Arbitraries.of("0", "-1", "41", "007", "+5", "-0", "9223372036854775807", "-9223372036854775808")
            .map(text -> text.getBytes(UTF_8))));
    Arbitrary<Op> op = Arbitraries.frequencyOf(
        Tuple.of(4, Combinators.combine(key, value).as(Put::new)),
        Tuple.of(2, key.map(Delete::new)),
        Tuple.of(2, key.map(Get::new)),
        Tuple.of(1, key.map(Exists::new)),
        Tuple.of(2, Combinators.combine(text(0, 3), Arbitraries.integers().between(0, 6)).as(ListKeys::new)),
        Tuple.of(2, Combinators.combine(key, Arbitraries.oneOf(Arbitraries.longs().between(-3, 3), Arbitraries.longs()))
            .as(Increment::new)),
        Tuple.of(2, Combinators.combine(key, Arbitraries.of(true, false), value.injectNull(0.3), value.injectNull(0.3))
            .as(CompareAndSet::new)));
    return op.list().ofMaxSize(40);
  }

  private static Arbitrary<String> text(int minChars, int maxChars) {
    return Arbitraries.of(ALPHABET).list().ofMinSize(minChars).ofMaxSize(maxChars).map(parts -> String.join("", parts));
  }
}
