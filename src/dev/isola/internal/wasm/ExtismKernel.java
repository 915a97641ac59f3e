package dev.isola.internal.wasm;

import dev.isola.internal.json.Json;

import static com.dylibso.chicory.wasm.types.ValType.I32;
import static com.dylibso.chicory.wasm.types.ValType.I64;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.isola.CapabilityDeniedException;
import dev.isola.GuestException;
import dev.isola.LimitExceededException;
import dev.isola.LimitExceededException.Limit;
import dev.isola.internal.capability.CallCapabilities;
import dev.isola.internal.capability.http.HttpCall;
import dev.isola.internal.capability.http.HttpResult;
import dev.isola.internal.capability.http.OutboundHttpException;
import dev.isola.internal.engine.GuestLog;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The host side of one Extism plugin call: what the Extism kernel and runtime give a plugin through
 * the imports of module {@value #MODULE}, written in Java. A new kernel serves each call, on one
 * thread; {@link #hostFunctions()} are the imports to instantiate the plugin with, and after the
 * call {@link #output()}, {@link #error()} and {@link #vars()} hold what the plugin left.
 *
 * <p><b>Memory.</b> Extism memory is not the plugin's linear memory: it is a set of blocks the host
 * keeps (an {@link ExtismMemory}), each named by the i64 offset of its first byte. A plugin copies
 * bytes in and out with {@code store_*} and {@code load_*}, one byte or eight (little-endian) at a
 * time. Offset 0 is null: {@code alloc(0)} returns it, and where a function reads a whole block
 * (keys, log lines) 0 stands for an empty one. The request body is the call's input, placed in a
 * block of its own before the call ({@code input_offset}); the response body is what
 * {@code output_set} points at, read when the call is over (as the Extism runtime reads it), so a
 * plugin may fill the range after pointing at it. The error works the same way: {@code error_set}
 * keeps an offset, and the block there when the call ends is the error. All live blocks, including
 * those the host makes for {@code config_get} and {@code var_get} answers and the input, count
 * against the route's memory limit.
 *
 * <p><b>Checks.</b> Every offset and length is an unsigned 64-bit value and is checked: a read or
 * write must lie inside one live block. A plugin that breaks a rule gets a {@link GuestException}
 * naming the plugin, the function, the offset (decimal and hex) and the reason; a plugin that asks
 * for too much gets a {@link LimitExceededException}; an {@code http_request} its route was not
 * granted gets a {@link CapabilityDeniedException}. No other exception leaves any method, whatever
 * the arguments (outbound HTTP aside, whose capability layer documents its own).
 * Where the Extism kernel answers softly, so does this one: {@code length} of anything but a block
 * start is 0, {@code free} of 0 or of anything but a live block start does nothing, input reads past
 * the input's end are 0, {@code output_set}/{@code input_set} of (0, 0) and {@code error_set} of an
 * offset never handed out are ignored, log lines below the log level are dropped unread.
 * Where the kernel would read or write bytes outside any block (its allocator's bookkeeping, freed
 * or never-allocated memory), this one fails the call instead: {@code load_*}, {@code store_*},
 * {@code output_set} and {@code input_set} take only ranges inside one live block.
 *
 * <p><b>Imports served.</b> Every function the Extism kernel exports and every host function the
 * Extism runtime defines. Signatures checked against the kernel and runtime sources (extism/extism
 * {@code kernel/src/lib.rs}, {@code runtime/src/plugin.rs}), extism/chicory-sdk
 * ({@code Kernel.java}, {@code HostEnv.java}) and the imports of the Go, Rust, C, Haskell,
 * AssemblyScript and .NET PDKs; a {@code u8} travels as i32.
 *
 * <table>
 *   <caption>Functions of module {@code extism:host/env}</caption>
 *   <tr><th>name</th><th>params</th><th>results</th><th>here</th></tr>
 *   <tr><td>alloc</td><td>i64 n</td><td>i64</td><td>new zeroed block; 0 for n = 0</td></tr>
 *   <tr><td>free</td><td>i64 offset</td><td></td><td>frees a block; anything else is ignored</td></tr>
 *   <tr><td>length</td><td>i64 offset</td><td>i64</td><td>block length, 0 if not a block start</td></tr>
 *   <tr><td>length_unsafe</td><td>i64 offset</td><td>i64</td><td>same as length (the kernel's skips a check; this one keeps it)</td></tr>
 *   <tr><td>load_u8</td><td>i64 offset</td><td>i32</td><td>one byte</td></tr>
 *   <tr><td>load_u64</td><td>i64 offset</td><td>i64</td><td>8 bytes, little-endian</td></tr>
 *   <tr><td>store_u8</td><td>i64 offset, i32 byte</td><td></td><td>low 8 bits stored</td></tr>
 *   <tr><td>store_u64</td><td>i64 offset, i64 value</td><td></td><td>8 bytes, little-endian</td></tr>
 *   <tr><td>input_length</td><td></td><td>i64</td><td>request body length</td></tr>
 *   <tr><td>input_offset</td><td></td><td>i64</td><td>block of the request body (C PDK reads it so)</td></tr>
 *   <tr><td>input_load_u8</td><td>i64 index</td><td>i32</td><td>byte of the input; 0 past its end</td></tr>
 *   <tr><td>input_load_u64</td><td>i64 index</td><td>i64</td><td>8 bytes of the input; 0 unless all 8 are in it</td></tr>
 *   <tr><td>input_set</td><td>i64 offset, i64 length</td><td></td><td>makes a range of one block the input; (0, 0) ignored</td></tr>
 *   <tr><td>output_set</td><td>i64 offset, i64 length</td><td></td><td>points the response body at a range of one block, read
 *       after the call; (0, 0) ignored</td></tr>
 *   <tr><td>output_length</td><td></td><td>i64</td><td>last output_set length</td></tr>
 *   <tr><td>output_offset</td><td></td><td>i64</td><td>last output_set offset</td></tr>
 *   <tr><td>error_set</td><td>i64 offset</td><td></td><td>makes a block the error (not copied); 0 clears</td></tr>
 *   <tr><td>error_get</td><td></td><td>i64</td><td>the offset error_set was given, 0 if none</td></tr>
 *   <tr><td>config_get</td><td>i64 key</td><td>i64</td><td>new block with the value, 0 if none</td></tr>
 *   <tr><td>var_get</td><td>i64 key</td><td>i64</td><td>new block with the value, 0 if none</td></tr>
 *   <tr><td>var_set</td><td>i64 key, i64 value</td><td></td><td>value 0 removes; at most {@value #MAX_VAR_BYTES} bytes of vars,
 *       counted as the runtime counts</td></tr>
 *   <tr><td>log_trace, log_debug, log_info, log_warn, log_error</td><td>i64 offset</td><td></td><td>one line to {@link GuestLog} if at or
 *       above get_log_level; trace goes to debug</td></tr>
 *   <tr><td>get_log_level</td><td></td><td>i32</td><td>0 trace … 4 error, {@link Integer#MAX_VALUE} off; see {@link #getLogLevel()}</td></tr>
 *   <tr><td>http_request</td><td>i64 request, i64 body</td><td>i64</td><td>JSON {url, method, headers} and a body block, through the call's
 *       capabilities; a block with the response body (0 if empty)</td></tr>
 *   <tr><td>http_status_code</td><td></td><td>i32</td><td>the last response's status, 0 before any</td></tr>
 *   <tr><td>http_headers</td><td></td><td>i64</td><td>a block with the last response's headers as JSON, 0 before any</td></tr>
 *   <tr><td>reset</td><td></td><td></td><td>frees every block, clears input, output and error</td></tr>
 *   <tr><td>memory_bytes</td><td></td><td>i64</td><td>bytes in live blocks (the kernel's: the size its memory has grown to)</td></tr>
 * </table>
 */
final class ExtismKernel {
  /** The import module of every function here. */
  static final String MODULE = "extism:host/env";
  /**
   * Keys plus values of all vars, in bytes: the Extism runtime's default {@code max_var_bytes}.
   * Vars live beside the call's memory, not in it, so they get a cap of their own.
   */
  static final int MAX_VAR_BYTES = 1 << 20;
  /**
   * What the Extism runtime adds to each var's key and value when it counts them against
   * {@link #MAX_VAR_BYTES}: the size of a Rust {@code String} and a {@code Vec<u8>} on a 64-bit host.
   */
  static final int VAR_ENTRY_OVERHEAD = 48;
  /** {@code get_log_level} values, as the Rust PDK's {@code LogLevel::to_int} numbers them. */
  static final int LEVEL_TRACE = 0;
  static final int LEVEL_DEBUG = 1;
  static final int LEVEL_INFO = 2;
  static final int LEVEL_WARN = 3;
  static final int LEVEL_ERROR = 4;
  static final int LEVEL_OFF = Integer.MAX_VALUE;

  private static final Map<String, FunctionType> SIGNATURES = signatureTable();
  private static final long[] NONE = {};
  private static final byte[] EMPTY = {};

  private final String route;
  private final String plugin;
  private final long maxOutput;
  private final GuestLog log;
  private final Map<String, String> config;
  private final Map<String, byte[]> vars;
  /** Vars the call started with (request details) that the plugin has not replaced: not charged. */
  private final java.util.Set<String> uncharged;
  private long varBytes;
  private final ExtismMemory memory;

  /** The block the input lies in; null when the input is empty. */
  private ExtismMemory.@Nullable Block input;
  private long inputOffset;
  private long inputLength;
  /** The live block the output lies in; null when the output is empty or its block was freed. */
  private ExtismMemory.@Nullable Block outputBlock;
  /** The output's bytes as they were when its block was freed (at most maxOutput of them). */
  private byte @Nullable [] outputKept;
  private long outputOffset;
  private long outputLength;
  /** What error_set was last given (0: no error); an error only while a live block starts there. */
  private long errorOffset;
  private int logLevel = -1;
  private @Nullable CallCapabilities capabilities;
  private int httpStatus;
  private @Nullable String httpHeaders;

  /**
   * @param route the route, as declared, for every error message
   * @param plugin the plugin's name (e.g. {@code greet.wasm}), for every error message
   * @param input the request body: the call's input, copied into Extism memory here
   * @param config what {@code config_get} reads
   * @param vars the vars the call starts with (copied; see {@link #vars()} for the end state)
   * @param memoryCap bytes all live blocks may hold (with {@value ExtismMemory#BLOCK_OVERHEAD} bytes
   *     of bookkeeping per block), the input included
   * @param maxOutput the largest response body {@code output_set} may give
   * @param log the call's guest log
   * @throws LimitExceededException if the input alone does not fit {@code memoryCap}
   */
  ExtismKernel(String route, String plugin, byte[] input, Map<String, String> config,
      Map<String, byte[]> vars, long memoryCap, long maxOutput, GuestLog log) {
    this.route = Objects.requireNonNull(route, "route");
    this.plugin = Objects.requireNonNull(plugin, "plugin");
    this.config = Map.copyOf(config);
    this.vars = new HashMap<>(vars);
    this.log = Objects.requireNonNull(log, "log");
    if (memoryCap < 0 || maxOutput < 0) {
      throw new IllegalArgumentException("memoryCap " + memoryCap + " and maxOutput " + maxOutput
          + " must not be negative");
    }
    this.maxOutput = maxOutput;
    this.memory = new ExtismMemory(route, plugin, memoryCap);
    // The host's own vars (the request's details, however large its headers) do not count against
    // what the plugin may store; a var the plugin sets or replaces does.
    this.uncharged = new java.util.HashSet<>(this.vars.keySet());
    inputOffset = memory.allocate("the request body", Objects.requireNonNull(input, "input"));
    this.input = memory.blockAt(inputOffset);
    inputLength = input.length;
  }

  // ---- what the engine needs ----

  /** The name and Wasm type of every import served, in the order of the table above. */
  static Map<String, FunctionType> signatures() {
    return SIGNATURES;
  }

  /** The import names served: a module importing another {@value #MODULE} function cannot run. */
  static Set<String> names() {
    return SIGNATURES.keySet();
  }

  /** One Chicory host function per name in {@link #names()}, bound to this call. */
  List<HostFunction> hostFunctions() {
    return hostFunctions(instance -> this);
  }

  /**
   * One Chicory host function per name in {@link #names()}, each running on the kernel {@code
   * kernel} finds for the calling instance: made once per module, they serve every call.
   */
  static List<HostFunction> hostFunctions(Function<Instance, ExtismKernel> kernel) {
    Kernel k = new Kernel(kernel);
    return List.of(
        k.fn("alloc", (c, a) -> one(c.alloc(a[0]))),
        k.fn("free", (c, a) -> none(() -> c.free(a[0]))),
        k.fn("length", (c, a) -> one(c.length(a[0]))),
        k.fn("length_unsafe", (c, a) -> one(c.lengthUnsafe(a[0]))),
        k.fn("load_u8", (c, a) -> one(c.loadU8(a[0]))),
        k.fn("load_u64", (c, a) -> one(c.loadU64(a[0]))),
        k.fn("store_u8", (c, a) -> none(() -> c.storeU8(a[0], (int) a[1]))),
        k.fn("store_u64", (c, a) -> none(() -> c.storeU64(a[0], a[1]))),
        k.fn("input_length", (c, a) -> one(c.inputLength())),
        k.fn("input_offset", (c, a) -> one(c.inputOffset())),
        k.fn("input_load_u8", (c, a) -> one(c.inputLoadU8(a[0]))),
        k.fn("input_load_u64", (c, a) -> one(c.inputLoadU64(a[0]))),
        k.fn("input_set", (c, a) -> none(() -> c.inputSet(a[0], a[1]))),
        k.fn("output_set", (c, a) -> none(() -> c.outputSet(a[0], a[1]))),
        k.fn("output_length", (c, a) -> one(c.outputLength())),
        k.fn("output_offset", (c, a) -> one(c.outputOffset())),
        k.fn("error_set", (c, a) -> none(() -> c.errorSet(a[0]))),
        k.fn("error_get", (c, a) -> one(c.errorGet())),
        k.fn("config_get", (c, a) -> one(c.configGet(a[0]))),
        k.fn("var_get", (c, a) -> one(c.varGet(a[0]))),
        k.fn("var_set", (c, a) -> none(() -> c.varSet(a[0], a[1]))),
        k.fn("log_trace", (c, a) -> none(() -> c.logTrace(a[0]))),
        k.fn("log_debug", (c, a) -> none(() -> c.logDebug(a[0]))),
        k.fn("log_info", (c, a) -> none(() -> c.logInfo(a[0]))),
        k.fn("log_warn", (c, a) -> none(() -> c.logWarn(a[0]))),
        k.fn("log_error", (c, a) -> none(() -> c.logError(a[0]))),
        k.fn("get_log_level", (c, a) -> one(c.getLogLevel())),
        k.fn("http_request", (c, a) -> one(c.httpRequest(a[0], a[1]))),
        k.fn("http_status_code", (c, a) -> one(c.httpStatusCode())),
        k.fn("http_headers", (c, a) -> one(c.httpHeaders())),
        k.fn("reset", (c, a) -> none(c::reset)),
        k.fn("memory_bytes", (c, a) -> one(c.memoryBytes())));
  }

  /**
   * The response body: the bytes the last {@code output_set} points at, read now, when the call is
   * over, as the Extism runtime reads them; empty if none.
   */
  byte[] output() {
    if (outputBlock != null) {
      return outputBytes(outputBlock);
    }
    return outputKept == null ? new byte[0] : outputKept.clone();
  }

  /**
   * The call's error, as the Extism runtime reads it after the call: the text of the live block
   * starting at the offset {@code error_set} was last given. Empty if none was given, it was cleared
   * with 0, or no live block starts there (freed since, or never one): the block's length is then 0,
   * which the runtime takes for no error.
   */
  Optional<String> error() {
    ExtismMemory.Block block = memory.blockAt(errorOffset);
    return block == null ? Optional.empty() : Optional.of(new String(block.data(), StandardCharsets.UTF_8));
  }

  /** The offset {@code error_set} was last given, 0 if none or cleared. */
  long errorOffset() {
    return errorOffset;
  }

  /** The vars as the plugin left them (a view: do not change the arrays). */
  Map<String, byte[]> vars() {
    return Collections.unmodifiableMap(vars);
  }

  // ---- memory ----

  long alloc(long n) {
    return memory.alloc("alloc", n);
  }

  void free(long offset) {
    // The Extism kernel ignores offsets that are not live blocks (0 included), and so does this.
    ExtismMemory.Block block = memory.free(offset);
    if (block == null) {
      return;
    }
    if (block == input) {
      input = null; // as in the kernel: the input is gone, input_length is 0 from now on
      inputLength = 0;
    }
    if (block == outputBlock) {
      // The kernel reads the output after the call from memory that free only marks as free; the
      // bytes are still there unless a later alloc reuses them. Keep them as they are now.
      outputKept = outputBytes(block);
      outputBlock = null;
    }
  }

  long length(long offset) {
    return memory.length(offset);
  }

  /** In the Extism kernel a faster {@code length} that trusts its argument; here the same check. */
  long lengthUnsafe(long offset) {
    return memory.length(offset);
  }

  int loadU8(long offset) {
    ExtismMemory.Block block = memory.range("load_u8", offset, 1);
    return block.data()[(int) (offset - block.start())] & 0xFF;
  }

  long loadU64(long offset) {
    ExtismMemory.Block block = memory.range("load_u64", offset, 8);
    return readU64(block.data(), (int) (offset - block.start()));
  }

  /** Stores the low 8 bits of {@code value} (a u8 travels as i32). */
  void storeU8(long offset, int value) {
    ExtismMemory.Block block = memory.range("store_u8", offset, 1);
    block.data()[(int) (offset - block.start())] = (byte) value;
  }

  void storeU64(long offset, long value) {
    ExtismMemory.Block block = memory.range("store_u64", offset, 8);
    int at = (int) (offset - block.start());
    for (int i = 0; i < 8; i++) {
      block.data()[at + i] = (byte) (value >>> (8 * i));
    }
  }

  long memoryBytes() {
    return memory.liveBytes();
  }

  /** Frees every block and forgets input, output and error, as the Extism kernel's reset does. */
  void reset() {
    memory.clear();
    input = null;
    inputOffset = 0;
    inputLength = 0;
    outputBlock = null;
    outputKept = null;
    outputOffset = 0;
    outputLength = 0;
    errorOffset = 0;
  }

  // ---- input and output ----

  long inputLength() {
    return inputLength;
  }

  long inputOffset() {
    return inputOffset;
  }

  /** The input's byte at {@code index}; 0 past its end, as in the Extism kernel. */
  int inputLoadU8(long index) {
    if (Long.compareUnsigned(index, inputLength) >= 0) {
      return 0;
    }
    return input().data()[inputStart() + (int) index] & 0xFF;
  }

  /**
   * The input's 8 bytes from {@code index}, little-endian; 0 unless all 8 lie inside the input, as
   * in the Extism kernel (so a read of the last, partial chunk of an input is 0, not its tail).
   */
  long inputLoadU64(long index) {
    if (inputLength < 8 || Long.compareUnsigned(index, inputLength - 8) > 0) {
      return 0;
    }
    return readU64(input().data(), inputStart() + (int) index);
  }

  /**
   * Makes {@code [offset, offset + length)} the input. The range must lie in one live block; (0, 0)
   * is ignored, as the kernel's bounds check ignores it; any other offset with length 0 gives an
   * empty input.
   */
  void inputSet(long offset, long length) {
    if (offset == 0 && length == 0) {
      return;
    }
    input = length == 0 ? null : memory.range("input_set", offset, length);
    inputOffset = offset;
    inputLength = length;
  }

  /**
   * Points the response body at {@code [offset, offset + length)}. Nothing is copied: the bytes are
   * read when the call is over ({@link #output()}), as the Extism runtime does, so a plugin may write
   * them after {@code output_set}. The range must lie in one live block and hold at most
   * max_response_body bytes. (0, 0) is ignored, as the kernel's bounds check ignores it (the output
   * stays what it was, empty if never set); any other offset with length 0 gives an empty body.
   */
  void outputSet(long offset, long length) {
    if (offset == 0 && length == 0) {
      return;
    }
    ExtismMemory.Block block = null;
    if (length != 0) {
      block = memory.range("output_set", offset, length);
      if (length > maxOutput) {
        throw new LimitExceededException(route, Limit.RESPONSE_BODY, "plugin " + plugin
            + ": output_set gives a response body of " + length + " bytes, larger than"
            + " max_response_body (" + maxOutput + " bytes): raise the route's maxResponseBody or"
            + " answer with less");
      }
    }
    outputBlock = block;
    outputKept = null;
    outputOffset = offset;
    outputLength = length;
  }

  /** The output's bytes in {@code block}, which holds all of them (output_set checked it). */
  private byte[] outputBytes(ExtismMemory.Block block) {
    int from = (int) (outputOffset - block.start());
    return Arrays.copyOfRange(block.data(), from, from + (int) outputLength);
  }

  long outputLength() {
    return outputLength;
  }

  long outputOffset() {
    return outputOffset;
  }

  // ---- error ----

  /**
   * Makes the block at {@code offset} the call's error; 0 clears it. As in the kernel nothing is
   * copied (the block's text when the call ends is the error, see {@link #error()}) and an offset
   * outside everything this call's memory has handed out is ignored.
   */
  void errorSet(long offset) {
    if (offset == 0 || memory.handedOut(offset)) {
      errorOffset = offset;
    }
  }

  /** The offset error_set was last given (the plugin's own block, not a copy); 0 if none. */
  long errorGet() {
    return errorOffset;
  }

  // ---- config and vars ----

  long configGet(long keyOffset) {
    String value = config.get(key("config_get", keyOffset));
    // An empty value has no block to live in: like an absent one it is 0, as PDKs read it anyway.
    return value == null ? 0 : memory.allocate("config_get", utf8(value));
  }

  long varGet(long keyOffset) {
    byte[] value = vars.get(key("var_get", keyOffset));
    return value == null ? 0 : memory.allocate("var_get", value);
  }

  /**
   * Sets a var to a copy of the block at {@code valueOffset}; 0 removes it. Counted as the Extism
   * runtime counts: the vars already stored (the one being replaced included) plus the new key and
   * value, each var with {@value #VAR_ENTRY_OVERHEAD} bytes more, must not pass
   * {@value #MAX_VAR_BYTES} bytes.
   */
  void varSet(long keyOffset, long valueOffset) {
    String key = key("var_set", keyOffset);
    byte[] old = vars.get(key);
    long oldSize = old == null || uncharged.contains(key) ? 0 : varSize(key, old);
    if (valueOffset == 0) {
      vars.remove(key);
      uncharged.remove(key);
      varBytes -= oldSize;
      return;
    }
    byte[] value = memory.start("var_set", valueOffset).data();
    long total = varBytes + varSize(key, value);
    if (total > MAX_VAR_BYTES) {
      throw new GuestException(route, "plugin " + plugin + ": var_set of " + quote(key) + " to "
          + value.length + " bytes would make the vars " + total + " bytes (keys and values, "
          + VAR_ENTRY_OVERHEAD + " bytes more for each var, the one replaced still counted), over the "
          + MAX_VAR_BYTES + " bytes Extism allows (max_var_bytes): remove vars with var_set(key, 0)"
          + " or keep less in them", "");
    }
    vars.put(key, value.clone());
    uncharged.remove(key);
    varBytes = total - oldSize;
  }

  private static long varSize(String key, byte[] value) {
    return VAR_ENTRY_OVERHEAD + (long) utf8(key).length + value.length;
  }

  // ---- logging ----

  void logTrace(long offset) {
    log("log_trace", LEVEL_TRACE, "debug", offset); // GuestLog has no trace level; debug is the nearest
  }

  void logDebug(long offset) {
    log("log_debug", LEVEL_DEBUG, "debug", offset);
  }

  void logInfo(long offset) {
    log("log_info", LEVEL_INFO, "info", offset);
  }

  void logWarn(long offset) {
    log("log_warn", LEVEL_WARN, "warn", offset);
  }

  void logError(long offset) {
    log("log_error", LEVEL_ERROR, "error", offset);
  }

  /**
   * The most detailed level the route's guest logger ({@link GuestLog#loggerFor}) writes, so that
   * PDKs that ask (Rust, JS) skip building lines nobody will see. Looked up once per call.
   */
  int getLogLevel() {
    if (logLevel < 0) {
      // A sink (dev.isola.testing) keeps every line, so the plugin should write them all.
      logLevel = log.capturesAll() ? LEVEL_TRACE : logLevelFor(GuestLog.loggerFor(route));
    }
    return logLevel;
  }

  /** The Extism level for what {@code logger} writes; trace lines count as debug (see logTrace). */
  static int logLevelFor(Logger logger) {
    if (logger.isDebugEnabled()) {
      return LEVEL_TRACE;
    } else if (logger.isInfoEnabled()) {
      return LEVEL_INFO;
    } else if (logger.isWarnEnabled()) {
      return LEVEL_WARN;
    } else if (logger.isErrorEnabled()) {
      return LEVEL_ERROR;
    }
    return LEVEL_OFF;
  }

  /**
   * As the Extism runtime logs: a line below {@link #getLogLevel()} is dropped before its offset is
   * even looked at; a line that is not UTF-8 is replaced by an error-level line saying so.
   */
  private void log(String fn, int extismLevel, String level, long offset) {
    if (extismLevel < getLogLevel()) {
      return;
    }
    byte[] line = wholeBlock(fn, offset);
    Optional<String> text = strictUtf8(line);
    if (text.isPresent()) {
      log.line(level, text.get());
    } else {
      log.line("error", "plugin " + plugin + ": " + fn + " was given " + line.length
          + " bytes that are not UTF-8; the line is dropped");
    }
  }

  // ---- outbound HTTP, through the call's capabilities ----

  /** Sets what {@code http_request} goes through; without it every request is denied. */
  void http(CallCapabilities capabilities) {
    this.capabilities = capabilities;
  }

  /**
   * Sends the request described by the JSON object at {@code requestOffset} ({@code url}, optional
   * {@code method} and {@code headers}) with the block at {@code bodyOffset} (0 for none) as body,
   * through the call's capabilities. Answers a new block with the response body (0 if empty).
   */
  long httpRequest(long requestOffset, long bodyOffset) {
    String json = text(wholeBlock("http_request", requestOffset));
    if (capabilities == null) {
      throw new CapabilityDeniedException("route \"" + route + "\": plugin " + plugin
          + " called http_request, but outbound HTTP is not granted to this route; grant it with"
          + " outbound_http = [\"https://...\"] in isola.toml or Grants.outboundHttp(...) in Java");
    }
    HttpCall call = httpCall(json, bodyOffset == 0 ? EMPTY : memory.start("http_request", bodyOffset).data());
    HttpResult result;
    try {
      result = capabilities.fetch(call);
    } catch (OutboundHttpException e) {
      throw new GuestException(route, "plugin " + plugin + ": http_request failed: " + e.getMessage(), "");
    }
    httpStatus = result.status();
    StringBuilder headers = new StringBuilder("{");
    result.headers().forEach((name, values) -> {
      if (!name.startsWith(":")) {
        headers.append(headers.length() > 1 ? "," : "").append(Json.quote(name)).append(':')
            .append(Json.quote(String.join(", ", values)));
      }
    });
    httpHeaders = headers.append('}').toString();
    return result.body().length == 0 ? 0 : memory.allocate("http_request", result.body());
  }

  private HttpCall httpCall(String json, byte[] body) {
    try {
      return Json.httpCall(json, body);
    } catch (IllegalArgumentException e) {
      throw new GuestException(route, "plugin " + plugin + ": http_request got a bad request (" + e.getMessage()
          + "); pass {\"url\": \"https://...\", \"method\": \"GET\", \"headers\": {}}", "");
    }
  }

  /** The status of the last {@code http_request}, 0 before any. */
  int httpStatusCode() {
    return httpStatus;
  }

  /** A block with the last response's headers as a JSON object, 0 before any request. */
  long httpHeaders() {
    return httpHeaders == null ? 0 : memory.allocate("http_headers", utf8(httpHeaders));
  }

  /** The bytes of the block at {@code offset} (0: none), for host function {@code fn}. */
  byte[] block(String fn, long offset) {
    return wholeBlock(fn, offset);
  }

  /** A new block holding {@code content}, for host function {@code fn}: its offset. */
  long allocate(String fn, byte[] content) {
    return memory.allocate(fn, content);
  }

  // ---- helpers ----

  /** The bytes of the block starting at {@code offset}; 0 stands for an empty block. */
  private byte[] wholeBlock(String fn, long offset) {
    return offset == 0 ? EMPTY : memory.start(fn, offset).data();
  }

  /** The block of a non-empty input (whenever inputLength is not 0, input is its live block). */
  private ExtismMemory.Block input() {
    return Objects.requireNonNull(input, "input");
  }

  /** Where the input starts in its block. */
  private int inputStart() {
    return (int) (inputOffset - input().start());
  }

  /**
   * The key in the block at {@code offset} (0: the empty key); the Extism runtime fails a call whose
   * key is not UTF-8, and so does this.
   */
  private String key(String fn, long offset) {
    byte[] bytes = wholeBlock(fn, offset);
    return strictUtf8(bytes).orElseThrow(() -> memory.error(fn, offset, "the key, " + bytes.length
        + " bytes, is not UTF-8; write keys as UTF-8 text"));
  }

  private static Optional<String> strictUtf8(byte[] bytes) {
    try {
      return Optional.of(StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString());
    } catch (CharacterCodingException e) {
      return Optional.empty();
    }
  }

  private static long readU64(byte[] data, int at) {
    long value = 0;
    for (int i = 7; i >= 0; i--) {
      value = (value << 8) | (data[at + i] & 0xFF);
    }
    return value;
  }

  private static String text(byte[] utf8) {
    return new String(utf8, StandardCharsets.UTF_8);
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** A key for a message: quoted, cut at 64 characters. */
  private static String quote(String key) {
    return "\"" + (key.length() > 64 ? key.substring(0, 64) + "…" : key) + "\"";
  }

  /** The body of a host function, given the call's kernel and the arguments. */
  private interface Body {
    long[] call(ExtismKernel kernel, long[] args);
  }

  /** Makes host functions that find their kernel with {@code kernel}. */
  private record Kernel(Function<Instance, ExtismKernel> kernel) {
    HostFunction fn(String name, Body body) {
      return new HostFunction(MODULE, name, SIGNATURES.get(name),
          (instance, args) -> body.call(kernel.apply(instance), args));
    }
  }

  private static long[] one(long result) {
    return new long[] {result};
  }

  private static long[] none(Runnable call) {
    call.run();
    return NONE;
  }

  private static Map<String, FunctionType> signatureTable() {
    List<ValType> none = List.of();
    List<ValType> i64 = List.of(I64);
    List<ValType> i32 = List.of(I32);
    List<ValType> i64i64 = List.of(I64, I64);
    Map<String, FunctionType> t = new LinkedHashMap<>();
    t.put("alloc", FunctionType.of(i64, i64));
    t.put("free", FunctionType.of(i64, none));
    t.put("length", FunctionType.of(i64, i64));
    t.put("length_unsafe", FunctionType.of(i64, i64));
    t.put("load_u8", FunctionType.of(i64, i32));
    t.put("load_u64", FunctionType.of(i64, i64));
    t.put("store_u8", FunctionType.of(List.of(I64, I32), none));
    t.put("store_u64", FunctionType.of(i64i64, none));
    t.put("input_length", FunctionType.of(none, i64));
    t.put("input_offset", FunctionType.of(none, i64));
    t.put("input_load_u8", FunctionType.of(i64, i32));
    t.put("input_load_u64", FunctionType.of(i64, i64));
    t.put("input_set", FunctionType.of(i64i64, none));
    t.put("output_set", FunctionType.of(i64i64, none));
    t.put("output_length", FunctionType.of(none, i64));
    t.put("output_offset", FunctionType.of(none, i64));
    t.put("error_set", FunctionType.of(i64, none));
    t.put("error_get", FunctionType.of(none, i64));
    t.put("config_get", FunctionType.of(i64, i64));
    t.put("var_get", FunctionType.of(i64, i64));
    t.put("var_set", FunctionType.of(i64i64, none));
    for (String level : List.of("trace", "debug", "info", "warn", "error")) {
      t.put("log_" + level, FunctionType.of(i64, none));
    }
    t.put("get_log_level", FunctionType.of(none, i32));
    t.put("http_request", FunctionType.of(i64i64, i64));
    t.put("http_status_code", FunctionType.of(none, i32));
    t.put("http_headers", FunctionType.of(none, i64));
    t.put("reset", FunctionType.of(none, none));
    t.put("memory_bytes", FunctionType.of(none, i64));
    return Collections.unmodifiableMap(t);
  }
}
