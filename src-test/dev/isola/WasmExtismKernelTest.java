package dev.isola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The rules of the Extism kernel and runtime as a plugin sees them, one export of
 * {@code extism-kernel.wasm} each, end to end: where Isola answers as Extism does, and where it
 * deliberately fails the call instead (reads and writes outside any block).
 */
class WasmExtismKernelTest {
  private static final Path WASM = WasmWagiTest.WASM;
  /** The Extism runtime's default max_var_bytes, and what it adds per var (a String and a Vec). */
  private static final int MAX_VAR_BYTES = 1 << 20;
  private static final int VAR_OVERHEAD = 48;

  private static Isola isola;

  @BeforeAll
  static void build() {
    // One route per export: a handler runs one export.
    Isola.Builder b = Isola.newBuilder();
    for (String fn : new String[] {"output_then_write", "output_then_free", "output_sub_range",
        "output_zero_zero", "output_empty", "output_across_blocks", "input_reads", "input_chunks",
        "error_return_zero", "error_freed", "error_set_ignored", "error_get_offset", "memory_rules",
        "load_u64_short_block", "var_rules", "var_set_size", "var_replace", "var_key_not_utf8",
        "config_rules", "log_level", "log_below_level_bad_offset", "log_error_bad_offset"}) {
      b.route("/" + fn, Handler.wasm(WASM.resolve("extism-kernel.wasm")).export(fn)
          .config(Map.of("greeting", "Hi")));
    }
    for (String fn : new String[] {"error_exit_zero", "error_exit_three"}) {
      b.route("/" + fn, Handler.wasm(WASM.resolve("extism-exit.wasm")).export(fn));
    }
    isola = b.build();
  }

  @AfterAll
  static void close() {
    isola.close();
  }

  private static Response call(String fn, byte[] body) {
    return isola.handle(Request.newBuilder().method("POST").target("/" + fn).body(body).build());
  }

  private static byte[] body(String fn, String input) {
    Response r = call(fn, input.getBytes(StandardCharsets.UTF_8));
    assertEquals(200, r.status(), fn);
    return r.bodyBytes();
  }

  private static String text(String fn) {
    return new String(body(fn, ""), StandardCharsets.UTF_8);
  }

  private static GuestException fails(String fn, byte[] input, String... expected) {
    GuestException e = assertThrows(GuestException.class, () -> call(fn, input));
    for (String part : expected) {
      assertTrue(e.getMessage().contains(part), () -> "\"" + part + "\" not in: " + e.getMessage());
    }
    assertEquals(500, e.httpStatus());
    return e;
  }

  private static byte[] u64(long value) {
    return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
  }

  // ---- output: read after the call ----

  @Test
  void outputSet_thenWrite_bodyIsWhatWasWrittenAfter() {
    assertEquals("ABCDEFGH", text("output_then_write"));
  }

  @Test
  void outputSet_thenFree_bodyIsWhatTheBlockHeldWhenFreed() {
    assertEquals("abcdefgh", text("output_then_free"));
  }

  @Test
  void outputSet_rangeInsideABlock_bodyIsThatRange() {
    assertEquals("World", text("output_sub_range"));
  }

  @Test
  void outputSet_zeroZero_ignoredAsByTheKernel() {
    assertEquals("abc", text("output_zero_zero"));
  }

  @Test
  void outputSet_blockAndZeroLength_emptyBody() {
    assertEquals("", text("output_empty"));
  }

  @Test
  void outputSet_rangeRunningIntoTheNextBlock_failsNamingTheBlock() {
    fails("output_across_blocks", new byte[0], "output_set at offset", "24 bytes from there run past the end of");
  }

  // ---- input: 0 past the end ----

  @Test
  void inputLoads_pastTheEnd_areZero_andPartialU64ChunksToo() {
    byte[] shortInput = body("input_reads", "abc");
    byte[] expected = new byte[27];
    expected[26] = 'a';
    assertArrayEquals(expected, shortInput, "every read past the end of 3 bytes is 0");

    byte[] longer = body("input_reads", "abcdefghij");
    ByteBuffer b = ByteBuffer.allocate(27);
    b.put("abcdefgh".getBytes(StandardCharsets.US_ASCII)).put("cdefghij".getBytes(StandardCharsets.US_ASCII))
        .put(new byte[8]).put((byte) 0).put((byte) 0).put((byte) 'a');
    assertArrayEquals(b.array(), longer);
  }

  @Test
  void inputRead8BytesAtATime_worksOnShortInputs_partialChunkReadsAsZeros() {
    assertArrayEquals(new byte[3], body("input_chunks", "abc"));
    assertArrayEquals("abcdefgh\0\0".getBytes(StandardCharsets.US_ASCII), body("input_chunks", "abcdefghij"));
    assertArrayEquals("0123456789abcdef".getBytes(StandardCharsets.US_ASCII), body("input_chunks", "0123456789abcdef"));
    assertArrayEquals(new byte[0], body("input_chunks", ""));
  }

  // ---- error ----

  @Test
  void errorSet_thenReturnZero_failsTheCallWithTheMessage() {
    GuestException e = fails("error_return_zero", new byte[0], "failed: bad", "returns 0");
    assertFalse(e.getMessage().contains("ok"), e.getMessage());
  }

  @Test
  void errorSet_blockFreedBeforeTheEnd_noMessage_onlyTheReturnCode() {
    fails("error_freed", new byte[0], "returned 1 without setting an error message", "no live block starts");
  }

  @Test
  void errorSet_offsetNeverHandedOut_ignored_earlierErrorStays() {
    fails("error_set_ignored", new byte[0], "failed: bad");
  }

  @Test
  void errorSet_thenProcExit_failsWithTheMessage_whateverTheStatus() {
    fails("error_exit_zero", new byte[0], "failed: bad");
    fails("error_exit_three", new byte[0], "failed: bad", "exited with status 3");
  }

  @Test
  void errorGet_answersTheOffsetErrorSetWasGiven_andZeroOnceCleared() {
    assertArrayEquals(new byte[] {1, 1}, body("error_get_offset", ""));
  }

  // ---- memory ----

  @Test
  void allocFreeLength_answerAsTheKernel() {
    assertArrayEquals(new byte[] {1, 1, 1, 1, 1, 1}, body("memory_rules", ""));
  }

  @Test
  void loadU64_pastTheEndOfABlock_failsTheCall_whereTheKernelWouldReadItsBookkeeping() {
    fails("load_u64_short_block", new byte[0], "load_u64 at offset", "8 bytes from there run past the end");
  }

  // ---- vars and config ----

  @Test
  void vars_missingIsZero_setIsReadable_zeroValueRemoves() {
    assertArrayEquals(new byte[] {1, 2, 1}, body("var_rules", ""));
  }

  @Test
  void varSet_countsAsTheRuntime_48BytesMorePerVar() {
    int fits = MAX_VAR_BYTES - VAR_OVERHEAD - 1; // key "k"
    assertEquals(200, call("var_set_size", u64(fits)).status());
    fails("var_set_size", u64(fits + 1), "var_set of \"k\"", "over the " + MAX_VAR_BYTES + " bytes");
  }

  @Test
  void varSet_replacing_stillCountsTheOldValue() {
    assertEquals(200, call("var_replace", u64(1000)).status());
    fails("var_replace", u64(MAX_VAR_BYTES - VAR_OVERHEAD - 1), "var_set of \"k\" to 1 bytes", "the one replaced");
  }

  @Test
  void varGet_keyNotUtf8_failsTheCall() {
    fails("var_key_not_utf8", new byte[0], "var_get at offset", "not UTF-8");
  }

  @Test
  void configGet_missingIsZero_presentIsANewBlock() {
    assertArrayEquals(new byte[] {1, 2}, body("config_rules", ""));
  }

  // ---- logs (the test JVM's guest loggers are at WARN) ----

  @Test
  void getLogLevel_isTheRouteLoggersLevel() {
    assertArrayEquals(new byte[] {3}, body("log_level", ""), "warn is 3");
  }

  @Test
  void logBelowTheLevel_droppedUnread_evenWithABadOffset() {
    assertEquals("ok", text("log_below_level_bad_offset"));
  }

  @Test
  void logAtTheLevel_badOffsetFailsTheCall() {
    fails("log_error_bad_offset", new byte[0], "log_error at offset 999999");
  }
}
