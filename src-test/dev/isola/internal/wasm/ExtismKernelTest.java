package dev.isola.internal.wasm;

import static com.dylibso.chicory.wasm.types.ValType.I32;
import static com.dylibso.chicory.wasm.types.ValType.I64;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.isola.CapabilityDeniedException;
import dev.isola.GuestException;
import dev.isola.LimitExceededException;
import dev.isola.LimitExceededException.Limit;
import dev.isola.internal.engine.GuestLog;
import java.io.Serial;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

class ExtismKernelTest {
  private static final String ROUTE = "POST /greet";
  private static final String PLUGIN = "greet.wasm";
  private static final long CAP = 1 << 20;
  private static final long MAX_OUTPUT = 1 << 10;

  /** Guest log lines as "LEVEL text", with every level enabled from {@code lowest} up. */
  static final class CapturingLogger extends LegacyAbstractLogger {
    @Serial private static final long serialVersionUID = 1L;
    final List<String> lines = new ArrayList<>();
    private final Level lowest;

    CapturingLogger(Level lowest) {
      this.name = "capture";
      this.lowest = lowest;
    }

    private boolean on(Level level) {
      return lowest != null && level.toInt() >= lowest.toInt();
    }

    @Override public boolean isTraceEnabled() {
      return on(Level.TRACE);
    }

    @Override public boolean isDebugEnabled() {
      return on(Level.DEBUG);
    }

    @Override public boolean isInfoEnabled() {
      return on(Level.INFO);
    }

    @Override public boolean isWarnEnabled() {
      return on(Level.WARN);
    }

    @Override public boolean isErrorEnabled() {
      return on(Level.ERROR);
    }

    @Override protected String getFullyQualifiedCallerName() {
      return null;
    }

    @Override protected void handleNormalizedLoggingCall(Level level, Marker marker, String message,
        Object[] args, Throwable thrown) {
      lines.add(level + " " + MessageFormatter.basicArrayFormat(message, args));
    }
  }

  private final CapturingLogger logger = new CapturingLogger(Level.TRACE);

  private ExtismKernel kernel(String input) {
    Map<String, byte[]> vars = new HashMap<>();
    vars.put("request.method", bytes("POST"));
    return new ExtismKernel(ROUTE, PLUGIN, bytes(input), Map.of("name", "World", "empty", ""), vars,
        CAP, MAX_OUTPUT, new GuestLog(logger, 100));
  }

  private ExtismKernel kernel() {
    return kernel("hello");
  }

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** A new block holding {@code text}, written the way PDKs write: u64 chunks, then bytes. */
  private static long put(ExtismKernel k, String text) {
    byte[] data = bytes(text);
    long offset = k.alloc(data.length);
    int i = 0;
    for (; i + 8 <= data.length; i += 8) {
      long chunk = 0;
      for (int j = 7; j >= 0; j--) {
        chunk = (chunk << 8) | (data[i + j] & 0xFF);
      }
      k.storeU64(offset + i, chunk);
    }
    for (; i < data.length; i++) {
      k.storeU8(offset + i, data[i]);
    }
    return offset;
  }

  /** The text of the block at {@code offset}, read back through load_u8. */
  private static String read(ExtismKernel k, long offset) {
    byte[] data = new byte[(int) k.length(offset)];
    for (int i = 0; i < data.length; i++) {
      data[i] = (byte) k.loadU8(offset + i);
    }
    return new String(data, StandardCharsets.UTF_8);
  }

  private static String guestError(Executable call, String... expected) {
    GuestException e = assertThrows(GuestException.class, call);
    assertContains(e.getMessage(), "route \"" + ROUTE + "\"", "plugin " + PLUGIN);
    assertContains(e.getMessage(), expected);
    return e.getMessage();
  }

  private static LimitExceededException limit(Limit limit, Executable call, String... expected) {
    LimitExceededException e = assertThrows(LimitExceededException.class, call);
    assertEquals(limit, e.limit());
    assertContains(e.getMessage(), "plugin " + PLUGIN);
    assertContains(e.getMessage(), expected);
    return e;
  }

  private static void assertContains(String text, String... parts) {
    for (String part : parts) {
      assertTrue(text.contains(part), () -> "\"" + part + "\" not in: " + text);
    }
  }

  // ---- alloc, free, length ----

  @Test
  void alloc_someBytes_givesZeroedBlockOfThatLength() {
    ExtismKernel k = kernel();
    long offset = k.alloc(10);

    assertNotEquals(0, offset);
    assertEquals(10, k.length(offset));
    for (int i = 0; i < 10; i++) {
      assertEquals(0, k.loadU8(offset + i));
    }
  }

  @Test
  void alloc_zero_givesNullOffset() {
    ExtismKernel k = kernel();
    long before = k.memoryBytes();

    assertEquals(0, k.alloc(0));
    assertEquals(before, k.memoryBytes());
  }

  @Test
  void alloc_twice_blocksApartAndNeverReused() {
    ExtismKernel k = kernel();
    long a = k.alloc(10);
    k.free(a);
    long b = k.alloc(10);

    assertTrue(b >= a + 10 + 1, a + " then " + b);
    guestError(() -> k.loadU8(a + 10), "load_u8", "not inside any live block");
  }

  @Test
  void alloc_overMemoryLimit_memoryLimitNamingSizeCapAndFix() {
    ExtismKernel k = kernel();

    limit(Limit.MEMORY, () -> k.alloc(CAP), "alloc needs a block of " + CAP + " bytes",
        "of the " + CAP + " bytes", "raise the route's memory limit");
  }

  @Test
  void alloc_negative_memoryLimitForHugeUnsignedSize() {
    ExtismKernel k = kernel();

    limit(Limit.MEMORY, () -> k.alloc(-1), "alloc needs a block of 18446744073709551615 bytes");
    limit(Limit.MEMORY, () -> k.alloc(Long.MIN_VALUE), "9223372036854775808 bytes");
  }

  @Test
  void alloc_afterFree_memoryComesBack() {
    ExtismKernel k = kernel();
    long half = CAP / 2;
    long a = k.alloc(half);
    limit(Limit.MEMORY, () -> k.alloc(half), "alloc");

    k.free(a);

    assertEquals(half, k.length(k.alloc(half)));
  }

  @Test
  void free_nullUnknownInteriorAndTwice_ignored() {
    ExtismKernel k = kernel();
    long a = k.alloc(10);

    k.free(0);
    k.free(a + 1);
    k.free(-1);
    k.free(Long.MAX_VALUE);
    assertEquals(10, k.length(a));
    k.free(a);
    k.free(a);

    assertEquals(0, k.length(a));
  }

  @Test
  void free_thenLoad_guestErrorSaysFreed() {
    ExtismKernel k = kernel();
    long a = k.alloc(10);
    k.free(a);

    guestError(() -> k.loadU8(a + 3), "load_u8 at offset " + (a + 3), "0x" + Long.toHexString(a + 3),
        "block of 10 bytes at offset " + a, "was freed");
  }

  @Test
  void length_anythingButBlockStart_zero() {
    ExtismKernel k = kernel();
    long a = k.alloc(10);

    assertEquals(10, k.length(a));
    assertEquals(10, k.lengthUnsafe(a));
    for (long offset : new long[] {0, a + 1, a + 10, -1, Long.MIN_VALUE, Long.MAX_VALUE, 1}) {
      assertEquals(0, k.length(offset), "length(" + offset + ")");
      assertEquals(0, k.lengthUnsafe(offset), "length_unsafe(" + offset + ")");
    }
  }

  @Test
  void memoryBytes_countsLiveBlockBytes() {
    ExtismKernel k = kernel("12345");
    assertEquals(5, k.memoryBytes());
    long a = k.alloc(100);
    assertEquals(105, k.memoryBytes());
    k.free(a);
    assertEquals(5, k.memoryBytes());
  }

  // ---- load and store ----

  @Test
  void storeU8_thenLoadU8_readsLow8Bits() {
    ExtismKernel k = kernel();
    long a = k.alloc(2);

    k.storeU8(a, 0x41);
    k.storeU8(a + 1, 0x1FF);

    assertEquals(0x41, k.loadU8(a));
    assertEquals(0xFF, k.loadU8(a + 1));
  }

  @Test
  void storeU64_thenLoads_littleEndian() {
    ExtismKernel k = kernel();
    long a = k.alloc(9);

    k.storeU64(a + 1, 0x8877665544332211L);

    assertEquals(0x8877665544332211L, k.loadU64(a + 1));
    assertEquals(0x11, k.loadU8(a + 1));
    assertEquals(0x88, k.loadU8(a + 8));
    assertEquals(0, k.loadU8(a));
  }

  @Test
  void loadU8_atBlockEnd_guestErrorNamesBlock() {
    ExtismKernel k = kernel();
    long a = k.alloc(10);

    guestError(() -> k.loadU8(a + 10), "load_u8 at offset " + (a + 10));
    guestError(() -> k.storeU8(a + 10, 1), "store_u8 at offset " + (a + 10));
  }

  @Test
  void loadU64_straddlingBlockEnd_guestErrorSaysRunsPastEnd() {
    ExtismKernel k = kernel();
    long a = k.alloc(10);

    guestError(() -> k.loadU64(a + 3), "load_u64 at offset " + (a + 3),
        "8 bytes from there run past the end of the block of 10 bytes at offset " + a);
    guestError(() -> k.storeU64(a + 3, 1), "store_u64", "run past the end");
  }

  @Test
  void load_nullOffset_guestErrorSaysNull() {
    ExtismKernel k = kernel();

    guestError(() -> k.loadU8(0), "load_u8 at offset 0 (0x0)", "null offset");
    guestError(() -> k.storeU64(0, 0), "store_u64 at offset 0 (0x0)", "null offset");
  }

  @Test
  void load_beyondEveryBlock_guestErrorSaysNeverAllocated() {
    ExtismKernel k = kernel();

    guestError(() -> k.loadU64(1L << 40), "load_u64 at offset 1099511627776 (0x10000000000)",
        "never allocated");
  }

  @Test
  void load_negativeOffset_guestErrorShowsUnsignedValue() {
    ExtismKernel k = kernel();

    guestError(() -> k.loadU8(-1), "load_u8 at offset 18446744073709551615 (0xffffffffffffffff)",
        "never allocated");
    guestError(() -> k.storeU64(Long.MAX_VALUE - 3, 0), "store_u64 at offset 9223372036854775804");
  }

  @Test
  void load_belowFirstBlock_guestErrorSaysNotInBlock() {
    ExtismKernel k = kernel();
    k.alloc(10);

    guestError(() -> k.loadU8(1), "load_u8 at offset 1 (0x1)", "not inside any live block");
  }

  // ---- input ----

  @Test
  void input_requestBody_readableByIndexAndAsBlock() {
    ExtismKernel k = kernel("hello, plugin");

    assertEquals(13, k.inputLength());
    assertEquals('h', k.inputLoadU8(0));
    assertEquals('n', k.inputLoadU8(12));
    assertEquals(0x70202c6f6c6c6568L, k.inputLoadU64(0)); // "hello, p", little-endian
    assertEquals("hello, plugin", read(k, k.inputOffset()));
  }

  @Test
  void input_empty_zeroOffsetAndLength() {
    ExtismKernel k = kernel("");

    assertEquals(0, k.inputOffset());
    assertEquals(0, k.inputLength());
    assertEquals(0, k.inputLoadU8(0));
    assertEquals(0, k.inputLoadU64(0));
  }

  @Test
  void inputLoad_pastEnd_zeroAsInTheKernel() {
    ExtismKernel k = kernel("hello, plugin");

    assertEquals(0, k.inputLoadU8(13));
    assertEquals(0, k.inputLoadU8(-1));
    assertEquals(0, k.inputLoadU64(6), "8 bytes from 6 run past the 13-byte input: 0, not the tail");
    assertEquals(0, k.inputLoadU64(13));
    assertEquals(0, k.inputLoadU64(-1));
    assertEquals(0, k.inputLoadU64(-8));
    assertEquals(0x6e6967756c70202cL, k.inputLoadU64(5), "the last 8 bytes");
    assertEquals('n', k.inputLoadU8(12));
  }

  @Test
  void inputLoadU64_inputShorterThan8_zero() {
    ExtismKernel k = kernel("abc");

    assertEquals(0, k.inputLoadU64(0));
    assertEquals('c', k.inputLoadU8(2));
  }

  @Test
  void input_freed_emptyFromThenOn() {
    ExtismKernel k = kernel("hello");

    k.free(k.inputOffset());

    assertEquals(0, k.inputLength());
    assertEquals(0, k.inputLoadU8(0));
  }

  @Test
  void input_largerThanMemoryLimit_memoryLimitNamingRequestBody() {
    byte[] body = new byte[(int) CAP];

    LimitExceededException e = assertThrows(LimitExceededException.class, () -> new ExtismKernel(ROUTE,
        PLUGIN, body, Map.of(), Map.of(), CAP, MAX_OUTPUT, new GuestLog(logger, 10)));
    assertEquals(Limit.MEMORY, e.limit());
    assertContains(e.getMessage(), "the request body needs a block of " + CAP + " bytes");
  }

  @Test
  void inputSet_block_becomesInput() {
    ExtismKernel k = kernel();
    long other = put(k, "other input");

    k.inputSet(other, 5);

    assertEquals(other, k.inputOffset());
    assertEquals(5, k.inputLength());
    assertEquals('o', k.inputLoadU8(0));
    assertEquals(0, k.inputLoadU8(5));
    guestError(() -> k.inputSet(other, 12), "input_set at offset " + other, "12 bytes from there run past");
    guestError(() -> k.inputSet(0, 1), "input_set at offset 0", "null offset");

    k.inputSet(0, 0); // ignored, as the kernel's bounds check ignores it
    assertEquals(5, k.inputLength());

    k.inputSet(other + 6, 5);
    assertEquals('i', k.inputLoadU8(0), "a range inside a block");
    k.free(other);
    assertEquals(0, k.inputLength(), "its block freed, the input is empty");
    assertEquals(0, k.inputLoadU8(0));
  }

  // ---- output ----

  @Test
  void output_neverSet_empty() {
    assertArrayEquals(new byte[0], kernel().output());
  }

  @Test
  void outputSet_range_readAfterTheCallNotWhenSet() {
    ExtismKernel k = kernel();
    long a = k.alloc(8);

    k.outputSet(a, 8);
    k.storeU64(a, 0x4847464544434241L);

    assertEquals("ABCDEFGH", new String(k.output(), StandardCharsets.UTF_8));
    assertEquals(a, k.outputOffset());
    assertEquals(8, k.outputLength());
  }

  @Test
  void outputSet_thenFree_keepsTheBytesTheBlockHeldWhenFreed() {
    ExtismKernel k = kernel();
    long a = put(k, "Hello, World!");

    k.outputSet(a + 7, 5);
    k.storeU8(a + 7, 'w');
    k.free(a);

    assertEquals("world", new String(k.output(), StandardCharsets.UTF_8));
    guestError(() -> k.storeU8(a + 7, 'X'), "store_u8", "was freed");
    assertEquals("world", new String(k.output(), StandardCharsets.UTF_8));
    assertEquals(a + 7, k.outputOffset());
    assertEquals(5, k.outputLength());
  }

  @Test
  void outputSet_thenFreeOfAHugeBlock_keepsAtMostMaxOutput_andItsMemoryComesBack() {
    ExtismKernel k = kernel("");
    long big = k.alloc(CAP - ExtismMemory.BLOCK_OVERHEAD);
    k.storeU8(big + 3, 'z');

    k.outputSet(big + 3, MAX_OUTPUT);
    k.free(big);

    assertEquals(MAX_OUTPUT, k.output().length);
    assertEquals('z', k.output()[0]);
    assertEquals(0, k.memoryBytes());
    assertNotEquals(0, k.alloc(CAP - ExtismMemory.BLOCK_OVERHEAD), "the freed block's memory is free again");
    limit(Limit.MEMORY, () -> k.alloc(1), "alloc");
  }

  @Test
  void outputSet_zeroZero_ignored_blockAndZero_emptyBody() {
    ExtismKernel k = kernel();
    long a = put(k, "x");
    k.outputSet(a, 1);

    k.outputSet(0, 0);
    assertEquals("x", new String(k.output(), StandardCharsets.UTF_8), "(0, 0) is ignored, as in the kernel");
    assertEquals(a, k.outputOffset());

    k.outputSet(a, 0);
    assertArrayEquals(new byte[0], k.output());
    assertEquals(0, k.outputLength());
  }

  @Test
  void outputSet_pastBlockEnd_guestError() {
    ExtismKernel k = kernel();
    long a = put(k, "Hello");

    guestError(() -> k.outputSet(a, 6), "output_set at offset " + a, "6 bytes from there run past");
    guestError(() -> k.outputSet(a, -1), "output_set", "18446744073709551615 bytes from there");
    guestError(() -> k.outputSet(0, 1), "output_set at offset 0", "null offset");
  }

  @Test
  void outputSet_overMaxResponseBody_responseBodyLimit() {
    ExtismKernel k = kernel();
    long a = k.alloc(MAX_OUTPUT + 1);

    k.outputSet(a, MAX_OUTPUT);
    limit(Limit.RESPONSE_BODY, () -> k.outputSet(a, MAX_OUTPUT + 1), "output_set",
        (MAX_OUTPUT + 1) + " bytes", "max_response_body");
  }

  // ---- error ----

  @Test
  void errorSet_block_errorIsItsTextWhenRead_errorGetIsTheOffset() {
    ExtismKernel k = kernel();
    long a = put(k, "name missing");

    k.errorSet(a);
    k.storeU8(a, 'N');

    assertEquals(a, k.errorGet());
    assertEquals(Optional.of("Name missing"), k.error());
  }

  @Test
  void errorSet_blockFreed_noError() {
    ExtismKernel k = kernel();
    long a = put(k, "name missing");

    k.errorSet(a);
    k.free(a);

    assertEquals(Optional.empty(), k.error(), "a freed block's length is 0: no error, as in the runtime");
    assertEquals(a, k.errorGet());
    assertEquals(a, k.errorOffset());
  }

  @Test
  void errorSet_zero_clears() {
    ExtismKernel k = kernel();
    k.errorSet(put(k, "oops"));

    k.errorSet(0);

    assertEquals(Optional.empty(), k.error());
    assertEquals(0, k.errorGet());
  }

  @Test
  void errorSet_notBlockStart_keptButNoError_neverHandedOut_ignored() {
    ExtismKernel k = kernel();
    long a = put(k, "oops");

    k.errorSet(a);
    k.errorSet(-8);
    k.errorSet(a + 1_000_000);
    assertEquals(Optional.of("oops"), k.error(), "offsets never handed out are ignored, as the kernel does");

    k.errorSet(a + 2);
    assertEquals(a + 2, k.errorGet());
    assertEquals(Optional.empty(), k.error(), "no block starts there: length 0, no error");
  }

  // ---- config and vars ----

  @Test
  void configGet_present_newBlockWithValue() {
    ExtismKernel k = kernel();

    assertEquals("World", read(k, k.configGet(put(k, "name"))));
  }

  @Test
  void configGet_absentOrEmpty_zero() {
    ExtismKernel k = kernel();

    assertEquals(0, k.configGet(put(k, "missing")));
    assertEquals(0, k.configGet(put(k, "empty")));
    assertEquals(0, k.configGet(0));
  }

  @Test
  void configGet_keyNotBlockStart_guestError() {
    ExtismKernel k = kernel();
    long key = put(k, "xname");

    guestError(() -> k.configGet(key + 1), "config_get at offset " + (key + 1), "1 byte into");
  }

  @Test
  void configGet_valueOverMemoryLimit_memoryLimitNamingConfigGet() {
    String big = "v".repeat((int) CAP / 2);
    ExtismKernel k = new ExtismKernel(ROUTE, PLUGIN, new byte[0], Map.of("big", big), Map.of(), CAP,
        MAX_OUTPUT, new GuestLog(logger, 10));
    long key = put(k, "big");
    k.configGet(key);

    limit(Limit.MEMORY, () -> k.configGet(key), "config_get needs a block of " + big.length());
  }

  @Test
  void varGet_initialVar_newBlockWithValue() {
    ExtismKernel k = kernel();

    assertEquals("POST", read(k, k.varGet(put(k, "request.method"))));
    assertEquals(0, k.varGet(put(k, "nothing")));
  }

  @Test
  void varSet_value_storedCopyReadable() {
    ExtismKernel k = kernel();
    long value = put(k, "42");

    k.varSet(put(k, "count"), value);
    k.storeU8(value, '9');

    assertEquals("42", read(k, k.varGet(put(k, "count"))));
    assertArrayEquals(bytes("42"), k.vars().get("count"));
    assertArrayEquals(bytes("POST"), k.vars().get("request.method"));
  }

  @Test
  void varSet_zeroValue_removes() {
    ExtismKernel k = kernel();

    k.varSet(put(k, "request.method"), 0);

    assertEquals(0, k.varGet(put(k, "request.method")));
    assertEquals(Map.of(), k.vars());
  }

  @Test
  void varSet_doesNotChangeCallersMap() {
    Map<String, byte[]> start = new HashMap<>(Map.of("a", bytes("1")));
    ExtismKernel k = new ExtismKernel(ROUTE, PLUGIN, new byte[0], Map.of(), start, CAP, MAX_OUTPUT,
        new GuestLog(logger, 10));

    k.varSet(put(k, "a"), 0);

    assertEquals(1, start.size());
  }

  @Test
  void varSet_valueNotBlockStart_guestError() {
    ExtismKernel k = kernel();
    long value = put(k, "value");

    guestError(() -> k.varSet(put(k, "key"), value + 1), "var_set at offset " + (value + 1),
        "expected the start of a block");
    guestError(() -> k.varSet(value + 2, value), "var_set at offset " + (value + 2));
  }

  @Test
  void varSet_overMaxVarBytes_guestErrorNamingCap() {
    ExtismKernel k = new ExtismKernel(ROUTE, PLUGIN, new byte[0], Map.of(), Map.of(), 8L << 20, MAX_OUTPUT,
        new GuestLog(logger, 10));
    int half = ExtismKernel.MAX_VAR_BYTES / 2 - ExtismKernel.VAR_ENTRY_OVERHEAD - 1; // with key "a": half the cap
    long value = k.alloc(half);
    k.varSet(put(k, "a"), value);
    k.varSet(put(k, "a"), value); // the one replaced counts, as in the runtime: exactly the cap

    guestError(() -> k.varSet(put(k, "a"), k.alloc(half + 1)), "var_set of \"a\"", "max_var_bytes",
        String.valueOf(ExtismKernel.MAX_VAR_BYTES), "the one replaced still counted");
    k.varSet(put(k, "b"), value); // "a" and "b": exactly the cap
    guestError(() -> k.varSet(put(k, "c"), k.alloc(1)), "var_set of \"c\"", "max_var_bytes");
    k.varSet(put(k, "a"), 0);
    k.varSet(put(k, "c"), k.alloc(half));
    assertEquals(2, k.vars().size());
  }

  @Test
  void varSet_requestVars_notCounted() {
    Map<String, byte[]> start = Map.of("request.header.big", new byte[ExtismKernel.MAX_VAR_BYTES]);
    ExtismKernel k = new ExtismKernel(ROUTE, PLUGIN, new byte[0], Map.of(), start, 4L << 20, MAX_OUTPUT,
        new GuestLog(logger, 10));

    k.varSet(put(k, "a"), k.alloc(ExtismKernel.MAX_VAR_BYTES - ExtismKernel.VAR_ENTRY_OVERHEAD - 1));

    assertEquals(2, k.vars().size());
  }

  @Test
  void keys_notUtf8_guestError() {
    ExtismKernel k = kernel();
    long key = k.alloc(2);
    k.storeU8(key, 0xC3); // a lead byte without its continuation
    k.storeU8(key + 1, 'x');

    guestError(() -> k.varGet(key), "var_get at offset " + key, "not UTF-8");
    guestError(() -> k.configGet(key), "config_get at offset " + key, "not UTF-8");
    guestError(() -> k.varSet(key, put(k, "v")), "var_set at offset " + key, "not UTF-8");
  }

  // ---- logging ----

  /** A kernel whose guest log has a sink, as dev.isola.testing sets: every level is written. */
  private ExtismKernel capturingAll() {
    return new ExtismKernel(ROUTE, PLUGIN, new byte[0], Map.of(), Map.of(), CAP, MAX_OUTPUT,
        new GuestLog(logger, 100, ROUTE, (route, level, text) -> {}));
  }

  @Test
  void log_eachLevel_reachesGuestLogTraceAsDebug() {
    ExtismKernel k = capturingAll();

    k.logTrace(put(k, "t"));
    k.logDebug(put(k, "d"));
    k.logInfo(put(k, "i"));
    k.logWarn(put(k, "w"));
    k.logError(put(k, "e"));
    k.logInfo(0);

    assertEquals(ExtismKernel.LEVEL_TRACE, k.getLogLevel());
    assertEquals(List.of("DEBUG t", "DEBUG d", "INFO i", "WARN w", "ERROR e", "INFO "), logger.lines);
  }

  @Test
  void log_belowTheLevel_droppedUnread() {
    ExtismKernel k = kernel(); // the route's SLF4J logger: WARN in the test JVM
    assertEquals(ExtismKernel.LEVEL_WARN, k.getLogLevel());

    k.logTrace(put(k, "t"));
    k.logDebug(999_999);
    k.logInfo(-1);
    k.logWarn(put(k, "w"));
    k.logError(put(k, "e"));

    assertEquals(List.of("WARN w", "ERROR e"), logger.lines);
    guestError(() -> k.logWarn(999_999), "log_warn at offset 999999");
  }

  @Test
  void log_notUtf8_errorLineSaysSo() {
    ExtismKernel k = capturingAll();
    long line = k.alloc(1);
    k.storeU8(line, 0xFF);

    k.logInfo(line);

    assertEquals(List.of("ERROR plugin " + PLUGIN + ": log_info was given 1 bytes that are not UTF-8; the line is"
        + " dropped"), logger.lines);
  }

  @Test
  void log_freedBlock_guestErrorNamingFunction() {
    ExtismKernel k = kernel();
    long a = put(k, "gone");
    k.free(a);

    guestError(() -> k.logWarn(a), "log_warn at offset " + a, "was freed");
  }

  @ParameterizedTest
  @CsvSource({"TRACE,0", "DEBUG,0", "INFO,2", "WARN,3", "ERROR,4", ",2147483647"})
  void logLevelFor_loggerLevel_extismNumber(Level lowest, int expected) {
    assertEquals(expected, ExtismKernel.logLevelFor(new CapturingLogger(lowest)));
  }

  @Test
  void getLogLevel_followsRouteGuestLogger() {
    assertEquals(ExtismKernel.logLevelFor(GuestLog.loggerFor(ROUTE)), kernel().getLogLevel());
  }

  // ---- outbound HTTP ----

  @Test
  void httpRequest_any_capabilityDeniedNamingRouteAndCapability() {
    ExtismKernel k = kernel();

    CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class,
        () -> k.httpRequest(put(k, "{\"url\":\"https://example.com\"}"), 0));
    assertContains(e.getMessage(), "route \"" + ROUTE + "\"", "plugin " + PLUGIN, "http_request",
        "outbound HTTP is not granted");
    assertEquals(0, k.httpStatusCode());
    assertEquals(0, k.httpHeaders());
  }

  // ---- reset ----

  @Test
  void reset_freesBlocksAndClearsInputOutputErrorKeepsVars() {
    ExtismKernel k = kernel("hello");
    long a = put(k, "text");
    k.outputSet(a, 4);
    k.errorSet(a);

    k.reset();

    assertEquals(0, k.length(a));
    assertEquals(0, k.memoryBytes());
    assertEquals(0, k.inputLength());
    assertEquals(0, k.inputOffset());
    assertArrayEquals(new byte[0], k.output());
    assertEquals(Optional.empty(), k.error());
    assertArrayEquals(bytes("POST"), k.vars().get("request.method"));
    guestError(() -> k.loadU8(a), "load_u8", "was freed");
    assertTrue(k.alloc(4) > a);
  }

  // ---- the imports ----

  /** The signatures as documented on ExtismKernel; written out again so a change shows up here. */
  private static final Map<String, String> DOCUMENTED = documented();

  private static Map<String, String> documented() {
    Map<String, String> t = new LinkedHashMap<>();
    t.put("alloc", "i64 -> i64");
    t.put("free", "i64 ->");
    t.put("length", "i64 -> i64");
    t.put("length_unsafe", "i64 -> i64");
    t.put("load_u8", "i64 -> i32");
    t.put("load_u64", "i64 -> i64");
    t.put("store_u8", "i64 i32 ->");
    t.put("store_u64", "i64 i64 ->");
    t.put("input_length", "-> i64");
    t.put("input_offset", "-> i64");
    t.put("input_load_u8", "i64 -> i32");
    t.put("input_load_u64", "i64 -> i64");
    t.put("input_set", "i64 i64 ->");
    t.put("output_set", "i64 i64 ->");
    t.put("output_length", "-> i64");
    t.put("output_offset", "-> i64");
    t.put("error_set", "i64 ->");
    t.put("error_get", "-> i64");
    t.put("config_get", "i64 -> i64");
    t.put("var_get", "i64 -> i64");
    t.put("var_set", "i64 i64 ->");
    t.put("log_trace", "i64 ->");
    t.put("log_debug", "i64 ->");
    t.put("log_info", "i64 ->");
    t.put("log_warn", "i64 ->");
    t.put("log_error", "i64 ->");
    t.put("get_log_level", "-> i32");
    t.put("http_request", "i64 i64 -> i64");
    t.put("http_status_code", "-> i32");
    t.put("http_headers", "-> i64");
    t.put("reset", "->");
    t.put("memory_bytes", "-> i64");
    return t;
  }

  private static String show(FunctionType type) {
    Function<List<ValType>, String> names = types -> types.stream()
        .map(t -> t.equals(I64) ? "i64" : t.equals(I32) ? "i32" : t.toString())
        .collect(Collectors.joining(" "));
    return (names.apply(type.params()) + " -> " + names.apply(type.returns())).trim();
  }

  @Test
  void hostFunctions_all_uniqueNamesOneModuleDocumentedSignatures() {
    List<HostFunction> functions = kernel().hostFunctions();

    Map<String, String> actual = new LinkedHashMap<>();
    for (HostFunction f : functions) {
      assertEquals(ExtismKernel.MODULE, f.module(), f.name());
      assertEquals("extism:host/env", f.module());
      assertEquals(null, actual.put(f.name(), show(f.functionType())), "twice: " + f.name());
    }
    assertEquals(DOCUMENTED, actual);
    assertEquals(DOCUMENTED.keySet(), ExtismKernel.names());
    ExtismKernel.signatures().forEach((name, type) -> assertEquals(DOCUMENTED.get(name), show(type)));
  }

  @Test
  void hostFunctions_handles_callTheKernel() {
    ExtismKernel k = kernel("hi");
    Map<String, HostFunction> byName = k.hostFunctions().stream()
        .collect(Collectors.toMap(HostFunction::name, f -> f));

    long offset = byName.get("alloc").handle().apply(null, 3)[0];
    byName.get("store_u8").handle().apply(null, offset, 0x7A);
    byName.get("output_set").handle().apply(null, offset, 1);

    assertEquals(0x7A, byName.get("load_u8").handle().apply(null, offset)[0]);
    assertEquals(3, byName.get("length").handle().apply(null, offset)[0]);
    assertEquals(2, byName.get("input_length").handle().apply(null)[0]);
    assertEquals('h', byName.get("input_load_u8").handle().apply(null, 0)[0]);
    assertEquals("z", new String(k.output(), StandardCharsets.UTF_8));
    assertEquals(0, byName.get("http_status_code").handle().apply(null)[0]);
    assertEquals(0, byName.get("free").handle().apply(null, offset).length);
    assertThrows(CapabilityDeniedException.class,
        () -> byName.get("http_request").handle().apply(null, 0, 0));
    guestError(() -> byName.get("load_u64").handle().apply(null, offset), "load_u64");
  }
}
