package dev.isola.internal.wasm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.CapabilityDeniedException;
import dev.isola.GuestException;
import dev.isola.LimitExceededException;
import dev.isola.LimitExceededException.Limit;
import dev.isola.internal.engine.GuestLog;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.slf4j.helpers.NOPLogger;

/**
 * Random programs of Extism calls against the kernel, with arguments biased to the places where
 * bounds checks go wrong: block starts and ends, one past, one before, 0, -1, and the extremes of
 * {@code long}. A reference model, written from the ABI's rules and not from the code, says what
 * each call must do. jqwik's own edge cases are off: they would spend the tries on near-empty
 * programs, and the arguments are already chosen for their edges.
 */
class ExtismKernelProperties {
  private static final String ROUTE = "GET /p";
  private static final byte[] INPUT = bytes("0123456789");
  private static final int ANCHORS = 20;

  enum Kind {
    ALLOC, PUT_KEY, FREE, LENGTH, LOAD_U8, LOAD_U64, STORE_U8, STORE_U64, INPUT_LOAD_U8,
    INPUT_LOAD_U64, INPUT_SET, OUTPUT_SET, ERROR_SET, ERROR_GET, CONFIG_GET, VAR_GET, VAR_SET, LOG,
    RESET, HTTP
  }

  /**
   * One call of a program. The numbers become arguments only when the call runs, against the
   * blocks that exist then: {@code anchor} picks an offset kind, {@code index} a known block,
   * {@code size} a length kind, {@code delta} a small step, {@code raw} and {@code value} anything.
   */
  record Op(Kind kind, int anchor, int index, int delta, int size, long raw, int value) {}

  private static Arbitrary<List<Op>> programsOf(Kind... kinds) {
    return Combinators.combine(
            Arbitraries.of(kinds),
            Arbitraries.integers().between(0, ANCHORS - 1),
            Arbitraries.integers().between(0, 63),
            Arbitraries.integers().between(-9, 9),
            Arbitraries.integers().between(0, 10),
            Arbitraries.longs(),
            Arbitraries.integers())
        .as(Op::new)
        .list()
        .ofMaxSize(80);
  }

  @Provide
  Arbitrary<List<Op>> anyCalls() {
    return programsOf(Kind.values());
  }

  @Provide
  Arbitrary<List<Op>> memoryCalls() {
    return programsOf(Kind.ALLOC, Kind.ALLOC, Kind.PUT_KEY, Kind.FREE, Kind.LENGTH, Kind.LOAD_U8,
        Kind.LOAD_U64, Kind.STORE_U8, Kind.STORE_U64, Kind.CONFIG_GET, Kind.RESET);
  }

  @Provide
  Arbitrary<List<Op>> resultCalls() {
    return programsOf(Kind.PUT_KEY, Kind.ALLOC, Kind.STORE_U8, Kind.FREE, Kind.OUTPUT_SET,
        Kind.OUTPUT_SET, Kind.ERROR_SET, Kind.ERROR_SET, Kind.ERROR_GET, Kind.VAR_SET, Kind.VAR_SET,
        Kind.VAR_GET, Kind.RESET);
  }

  // ---- the properties ----

  @Property(tries = 300, edgeCases = EdgeCasesMode.NONE)
  void anyCalls_onlyIsolaExceptions_andStoresReadBack(@ForAll("anyCalls") List<Op> program) {
    ExtismKernel k = kernel(4096, 512);
    List<long[]> known = new ArrayList<>(List.of(new long[] {k.inputOffset(), INPUT.length}));
    for (Op op : program) {
      try {
        step(k, op, known);
      } catch (GuestException | LimitExceededException | CapabilityDeniedException expected) {
        // the three ways a call may fail; anything else fails the property
      }
      assertTrue(k.memoryBytes() <= 4096, "memory_bytes " + k.memoryBytes());
    }
  }

  @Property(tries = 300, edgeCases = EdgeCasesMode.NONE)
  void memoryCalls_matchModel_blocksApartAndWithinCap(@ForAll("memoryCalls") List<Op> program) {
    long cap = 2048;
    ExtismKernel k = kernel(cap, 512);
    Model model = new Model(cap);
    model.added(k.inputOffset(), INPUT.clone());
    for (Op op : program) {
      long offset = offset(op, op.anchor(), model.known);
      switch (op.kind()) {
        case ALLOC -> alloc(k, model, size(op, model.known));
        case PUT_KEY -> putKey(k, model);
        case FREE -> {
          k.free(offset);
          model.blocks.remove(offset);
        }
        case LENGTH -> assertEquals(model.length(offset), k.length(offset));
        case LOAD_U8 -> {
          if (model.inside(offset, 1)) {
            assertEquals(model.load(offset, 1), k.loadU8(offset));
          } else {
            assertThrows(GuestException.class, () -> k.loadU8(offset));
          }
        }
        case LOAD_U64 -> {
          if (model.inside(offset, 8)) {
            assertEquals(model.load(offset, 8), k.loadU64(offset));
          } else {
            assertThrows(GuestException.class, () -> k.loadU64(offset));
          }
        }
        case STORE_U8 -> {
          if (model.inside(offset, 1)) {
            k.storeU8(offset, op.value());
            model.store(offset, op.value(), 1);
          } else {
            assertThrows(GuestException.class, () -> k.storeU8(offset, op.value()));
          }
        }
        case STORE_U64 -> {
          if (model.inside(offset, 8)) {
            k.storeU64(offset, op.raw());
            model.store(offset, op.raw(), 8);
          } else {
            assertThrows(GuestException.class, () -> k.storeU64(offset, op.raw()));
          }
        }
        case CONFIG_GET -> configGet(k, model, offset);
        case RESET -> {
          k.reset();
          model.blocks.clear();
        }
        default -> throw new AssertionError(op);
      }
      model.check(k);
    }
    model.blocks.forEach((start, data) -> {
      for (int i = 0; i < data.length; i++) {
        assertEquals(data[i] & 0xFF, k.loadU8(start + i));
      }
    });
  }

  @Property(tries = 300, edgeCases = EdgeCasesMode.NONE)
  void resultCalls_outputErrorAndVars_likeReference(@ForAll("resultCalls") List<Op> program) {
    long maxOutput = 16;
    ExtismKernel k = kernel(1 << 20, maxOutput);
    Model model = new Model(1 << 20);
    model.added(k.inputOffset(), INPUT.clone());
    // The output is a range, read when the call ends (or kept as it was if its block is freed).
    long outOffset = 0;
    int outLength = 0;
    Long outBlock = null;
    byte[] outKept = null;
    // The error is an offset: the text of the live block starting there, if any, when the call ends.
    long errorOffset = 0;
    Map<String, byte[]> vars = new HashMap<>(Map.of("a", bytes("1")));
    for (Op op : program) {
      long offset = offset(op, op.anchor(), model.known);
      switch (op.kind()) {
        case PUT_KEY -> putKey(k, model);
        case ALLOC -> alloc(k, model, 1 + Math.floorMod(op.value(), 40));
        case STORE_U8 -> {
          if (model.inside(offset, 1)) {
            k.storeU8(offset, op.value());
            model.store(offset, op.value(), 1);
          }
        }
        case FREE -> {
          if (outBlock != null && outBlock == offset) {
            outKept = model.bytes(outOffset, outLength);
            outBlock = null;
          }
          k.free(offset);
          model.blocks.remove(offset);
        }
        case OUTPUT_SET -> {
          long length = size(op, model.known);
          if (offset == 0 && length == 0) {
            k.outputSet(0, 0); // ignored, as by the kernel's bounds check
          } else if (length == 0) {
            k.outputSet(offset, 0);
            outLength = 0;
            outBlock = null;
            outKept = null;
          } else if (!model.inside(offset, length)) {
            assertThrows(GuestException.class, () -> k.outputSet(offset, length));
          } else if (length > maxOutput) {
            LimitExceededException e = assertThrows(LimitExceededException.class,
                () -> k.outputSet(offset, length));
            assertEquals(Limit.RESPONSE_BODY, e.limit());
          } else {
            k.outputSet(offset, length);
            outOffset = offset;
            outLength = (int) length;
            outBlock = model.blocks.floorKey(offset);
            outKept = null;
          }
        }
        case ERROR_SET -> {
          k.errorSet(offset);
          if (offset == 0 || model.inside(offset, 1) || model.below(offset)) {
            errorOffset = offset; // 0 clears; an offset in or below handed-out memory is kept
          } else if (offset < ExtismMemory.BASE || Long.compareUnsigned(offset, 1L << 53) >= 0) {
            assertEquals(errorOffset, k.errorGet(), "an offset never handed out is ignored");
          } else {
            assertTrue(k.errorGet() == offset || k.errorGet() == errorOffset);
            errorOffset = k.errorGet(); // in the gap after the newest block: either is right
          }
        }
        case ERROR_GET -> assertEquals(errorOffset, k.errorGet());
        case VAR_SET -> {
          String key = List.of("a", "b", "c").get(Math.floorMod(op.value(), 3));
          long keyOffset = putText(k, model, key);
          long valueOffset = offset(op, (op.anchor() + 5) % ANCHORS, model.known);
          if (valueOffset == 0) {
            k.varSet(keyOffset, 0);
            vars.remove(key);
          } else if (model.blocks.containsKey(valueOffset)) {
            k.varSet(keyOffset, valueOffset);
            vars.put(key, model.blocks.get(valueOffset).clone());
          } else {
            assertThrows(GuestException.class, () -> k.varSet(keyOffset, valueOffset));
          }
          k.free(keyOffset);
          model.blocks.remove(keyOffset);
        }
        case VAR_GET -> {
          String key = List.of("a", "b", "c").get(Math.floorMod(op.value(), 3));
          long keyOffset = putText(k, model, key);
          long got = k.varGet(keyOffset);
          if (vars.containsKey(key)) {
            model.added(got, vars.get(key).clone());
          } else {
            assertEquals(0, got);
          }
        }
        case RESET -> {
          k.reset();
          model.blocks.clear();
          outLength = 0;
          outBlock = null;
          outKept = null;
          errorOffset = 0;
        }
        default -> throw new AssertionError(op);
      }
      model.check(k);
      byte[] output = outLength == 0 ? new byte[0] : outKept != null ? outKept : model.bytes(outOffset, outLength);
      assertArrayEquals(output, k.output());
      byte[] error = model.blocks.get(errorOffset);
      assertEquals(error == null ? Optional.empty() : Optional.of(text(error)), k.error());
      assertEquals(vars.keySet(), k.vars().keySet());
      vars.forEach((key, value) -> assertArrayEquals(value, k.vars().get(key), key));
    }
  }

  // ---- running one call of the first property ----

  private static void step(ExtismKernel k, Op op, List<long[]> known) {
    long offset = offset(op, op.anchor(), known);
    long other = offset(op, (op.anchor() + 5) % ANCHORS, known);
    long size = size(op, known);
    switch (op.kind()) {
      case ALLOC -> remember(k, k.alloc(size), known);
      case PUT_KEY -> remember(k, k.alloc(1), known);
      case FREE -> k.free(offset);
      case LENGTH -> assertEquals(k.length(offset), k.lengthUnsafe(offset));
      case LOAD_U8 -> {
        int value = k.loadU8(offset);
        assertTrue(value >= 0 && value <= 255, "load_u8 gave " + value);
      }
      case LOAD_U64 -> k.loadU64(offset);
      case STORE_U8 -> {
        k.storeU8(offset, op.value());
        assertEquals(op.value() & 0xFF, k.loadU8(offset));
      }
      case STORE_U64 -> {
        k.storeU64(offset, op.raw());
        assertEquals(op.raw(), k.loadU64(offset));
      }
      case INPUT_LOAD_U8 -> k.inputLoadU8(size);
      case INPUT_LOAD_U64 -> k.inputLoadU64(size);
      case INPUT_SET -> k.inputSet(offset, size);
      case OUTPUT_SET -> {
        k.outputSet(offset, size);
        if (offset != 0 || size != 0) {
          assertEquals(size, k.output().length);
        }
      }
      case ERROR_SET -> k.errorSet(offset);
      case ERROR_GET -> remember(k, k.errorGet(), known);
      case CONFIG_GET -> remember(k, k.configGet(offset), known);
      case VAR_GET -> remember(k, k.varGet(offset), known);
      case VAR_SET -> k.varSet(offset, other);
      case LOG -> {
        switch (Math.floorMod(op.value(), 5)) {
          case 0 -> k.logTrace(offset);
          case 1 -> k.logDebug(offset);
          case 2 -> k.logInfo(offset);
          case 3 -> k.logWarn(offset);
          default -> k.logError(offset);
        }
      }
      case RESET -> k.reset();
      case HTTP -> {
        assertEquals(0, k.httpStatusCode());
        assertEquals(0, k.httpHeaders());
        k.httpRequest(offset, other);
      }
    }
  }

  private static void remember(ExtismKernel k, long offset, List<long[]> known) {
    if (offset != 0) {
      known.add(new long[] {offset, k.length(offset)});
    }
  }

  // ---- arguments: near-valid values, and the extremes ----

  /**
   * An offset of the kind {@code anchor} (0 to {@value #ANCHORS} - 1) picks: a quarter are 0, -1,
   * the extremes or anything; the rest are relative to a known block (live or freed), most often
   * its start, else its end, last byte, last 8 bytes or a few bytes either side of its start.
   */
  private static long offset(Op op, int anchor, List<long[]> known) {
    if (anchor < 5) {
      return new long[] {0, -1, Long.MIN_VALUE, Long.MAX_VALUE, op.raw()}[anchor];
    }
    if (known.isEmpty()) {
      return ExtismMemory.BASE + op.delta();
    }
    long[] block = known.get(op.index() % known.size());
    long start = block[0];
    long end = block[0] + block[1];
    return switch (anchor) {
      case 12 -> end;
      case 13 -> end - 1;
      case 14 -> end - 8 + op.delta() % 2;
      case 15, 16, 17 -> start + op.delta();
      default -> start;
    };
  }

  /** A length: 0, 1, 8, small, medium, a known block's length ±1, or an extreme. */
  private static long size(Op op, List<long[]> known) {
    return switch (op.size()) {
      case 0 -> 0;
      case 1 -> 1;
      case 2 -> 8;
      case 3 -> Math.floorMod(op.value(), 64);
      case 4 -> Math.floorMod(op.value(), 1500);
      case 5 -> -1;
      case 6 -> Long.MAX_VALUE;
      case 7 -> Long.MIN_VALUE;
      case 8 -> op.raw();
      default -> known.isEmpty() ? 1 : known.get(op.index() % known.size())[1] + op.delta() % 2;
    };
  }

  // ---- the reference ----

  /**
   * What Extism memory must hold: the live blocks (offset to bytes), every block ever handed out,
   * and the memory limit, with each block costing {@link ExtismMemory#BLOCK_OVERHEAD} more.
   */
  static final class Model {
    final TreeMap<Long, byte[]> blocks = new TreeMap<>();
    final List<long[]> known = new ArrayList<>();
    final long cap;

    Model(long cap) {
      this.cap = cap;
    }

    long charged() {
      return blocks.values().stream().mapToLong(b -> b.length + ExtismMemory.BLOCK_OVERHEAD).sum();
    }

    boolean fits(long n) {
      return u(n).add(BigInteger.valueOf(charged() + ExtismMemory.BLOCK_OVERHEAD))
          .compareTo(BigInteger.valueOf(cap)) <= 0;
    }

    /** Records a new block, first checking that it is non-null and overlaps no block ever given. */
    void added(long offset, byte[] data) {
      assertNotEquals(0, offset);
      for (long[] old : known) {
        assertTrue(offset + data.length <= old[0] || old[0] + old[1] <= offset,
            "block at " + offset + " overlaps the one at " + old[0]);
      }
      known.add(new long[] {offset, data.length});
      blocks.put(offset, data);
    }

    /** True if a block ever handed out starts above {@code offset} (and offset is not below the first). */
    boolean below(long offset) {
      return offset >= ExtismMemory.BASE && known.stream().anyMatch(b -> b[0] > offset);
    }

    long length(long offset) {
      byte[] data = blocks.get(offset);
      return data == null ? 0 : data.length;
    }

    /** True if {@code [offset, offset + n)}, unsigned and without overflow, lies in one block. */
    boolean inside(long offset, long n) {
      BigInteger from = u(offset);
      BigInteger to = from.add(u(n));
      return blocks.entrySet().stream().anyMatch(b -> from.compareTo(u(b.getKey())) >= 0
          && to.compareTo(u(b.getKey()).add(BigInteger.valueOf(b.getValue().length))) <= 0);
    }

    long load(long offset, int n) {
      long value = 0;
      for (int i = n - 1; i >= 0; i--) {
        value = (value << 8) | (byteAt(offset + i) & 0xFF);
      }
      return value;
    }

    void store(long offset, long value, int n) {
      for (int i = 0; i < n; i++) {
        var block = blocks.floorEntry(offset + i);
        block.getValue()[(int) (offset + i - block.getKey())] = (byte) (value >>> (8 * i));
      }
    }

    byte[] bytes(long offset, int n) {
      byte[] out = new byte[n];
      for (int i = 0; i < n; i++) {
        out[i] = byteAt(offset + i);
      }
      return out;
    }

    private byte byteAt(long offset) {
      var block = blocks.floorEntry(offset);
      return block.getValue()[(int) (offset - block.getKey())];
    }

    /** The kernel agrees on every live block, and the blocks are apart and within the limit. */
    void check(ExtismKernel k) {
      long end = 0;
      long sum = 0;
      for (var block : blocks.entrySet()) {
        assertTrue(block.getKey() > end, "block at " + block.getKey() + " starts before " + end);
        end = block.getKey() + block.getValue().length;
        sum += block.getValue().length;
        assertEquals(block.getValue().length, k.length(block.getKey()));
      }
      assertEquals(sum, k.memoryBytes());
      assertTrue(charged() <= cap, "charged " + charged() + " over " + cap);
    }
  }

  /** alloc(n) as the model says it must go: 0 for 0, a fresh block if it fits, else MEMORY. */
  private static void alloc(ExtismKernel k, Model model, long n) {
    if (n == 0) {
      assertEquals(0, k.alloc(0));
    } else if (model.fits(n)) {
      model.added(k.alloc(n), new byte[(int) n]);
    } else {
      LimitExceededException e = assertThrows(LimitExceededException.class, () -> k.alloc(n));
      assertEquals(Limit.MEMORY, e.limit());
    }
  }

  private static void putKey(ExtismKernel k, Model model) {
    if (model.fits(1)) {
      putText(k, model, "k");
    }
  }

  private static long putText(ExtismKernel k, Model model, String text) {
    byte[] data = bytes(text);
    long offset = k.alloc(data.length);
    for (int i = 0; i < data.length; i++) {
      k.storeU8(offset + i, data[i]);
    }
    model.added(offset, data);
    return offset;
  }

  private static void configGet(ExtismKernel k, Model model, long keyOffset) {
    if (keyOffset != 0 && (!model.blocks.containsKey(keyOffset) || !utf8(model.blocks.get(keyOffset)))) {
      assertThrows(GuestException.class, () -> k.configGet(keyOffset)); // no key block, or not UTF-8
      return;
    }
    String key = keyOffset == 0 ? "" : text(model.blocks.get(keyOffset));
    byte[] value = bytes(CONFIG.getOrDefault(key, ""));
    if (value.length == 0) {
      assertEquals(0, k.configGet(keyOffset));
    } else if (model.fits(value.length)) {
      model.added(k.configGet(keyOffset), value);
    } else {
      LimitExceededException e = assertThrows(LimitExceededException.class, () -> k.configGet(keyOffset));
      assertEquals(Limit.MEMORY, e.limit());
    }
  }

  // ---- setup ----

  private static final Map<String, String> CONFIG = Map.of("k", "the value of k", "", "empty key");

  private static ExtismKernel kernel(long cap, long maxOutput) {
    return new ExtismKernel(ROUTE, "p.wasm", INPUT, CONFIG, Map.of("a", bytes("1")), cap, maxOutput,
        new GuestLog(NOPLogger.NOP_LOGGER, 1_000_000));
  }

  private static BigInteger u(long value) {
    return new BigInteger(Long.toUnsignedString(value));
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static boolean utf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes));
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  private static String text(byte[] utf8) {
    return new String(utf8, StandardCharsets.UTF_8);
  }
}
