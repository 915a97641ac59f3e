package dev.isola.internal.wasm;

import dev.isola.internal.json.Json;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Memory;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.isola.CapabilityDeniedException;
import dev.isola.internal.capability.CallCapabilities;
import dev.isola.internal.capability.GuestError;
import dev.isola.internal.capability.kv.StoreFullError;
import dev.isola.internal.capability.http.HttpCall;
import dev.isola.internal.capability.http.HttpResult;
import dev.isola.internal.capability.http.OutboundHttp;
import dev.isola.internal.capability.http.OutboundHttpException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Isola's own host functions for WebAssembly guests (WAGI programs and Extism plugins alike): the
 * key-value stores, variables and read-only files a route was granted, reached through {@link CallCapabilities}.
 * Strings and bytes are (pointer, length) pairs in the guest's linear memory; answers are written
 * to a buffer the guest passes (pointer, capacity). {@code samples/wasm/isola-host.h} declares them
 * for C.
 *
 * <table>
 *   <caption>Functions; results below 0 are errors</caption>
 *   <tr><th>module.name</th><th>params (i32 unless marked)</th><th>result</th></tr>
 *   <tr><td>isola:host/kv.get</td><td>store, store_len, key, key_len, out, out_cap</td>
 *       <td>i64: the value's length (copied to out only if it fits: call again with a larger buffer
 *       otherwise), {@link #ABSENT} if there is none</td></tr>
 *   <tr><td>isola:host/kv.put</td><td>store, store_len, key, key_len, value, value_len</td><td>i32: 0,
 *       {@link #FULL} if the store's quota refused it</td></tr>
 *   <tr><td>isola:host/kv.delete</td><td>store, store_len, key, key_len</td><td>i32: 1 deleted, 0 absent</td></tr>
 *   <tr><td>isola:host/kv.exists</td><td>store, store_len, key, key_len</td><td>i32: 1 or 0</td></tr>
 *   <tr><td>isola:host/kv.list</td><td>store, store_len, prefix, prefix_len, out, out_cap</td>
 *       <td>i64: the length of the sorted keys, each followed by a NUL byte (at most 1000 keys; copied
 *       only if it fits)</td></tr>
 *   <tr><td>isola:host/vars.get</td><td>name, name_len, out, out_cap</td>
 *       <td>i64: the variable's length (copied only if it fits)</td></tr>
 *   <tr><td>isola:host/http.request</td><td>request, request_len, body, body_len, out, out_cap</td>
 *       <td>i64: sends the request described by the JSON {@code {"url", "method", "headers"}} (as for
 *       Extism's {@code http_request}) and answers the response body's length (copied only if it
 *       fits); {@link #FAILED} when the request failed (connection refused, too many redirects)</td></tr>
 *   <tr><td>isola:host/http.status</td><td></td><td>i32: the last response's status, 0 if none</td></tr>
 *   <tr><td>isola:host/http.body</td><td>out, out_cap</td><td>i64: the last response body again</td></tr>
 *   <tr><td>isola:host/files.read</td><td>path, path_len, out, out_cap</td>
 *       <td>i64: the file's length (copied only if it fits), {@link #ABSENT} if there is no such file;
 *       the path is the guest's, under a mount of a files grant</td></tr>
 * </table>
 *
 * <p>Errors: {@link #DENIED} when the route was not granted the store or variable (the host logs it;
 * if the call then fails, it fails with {@code CapabilityDeniedException}, 403), {@link #INVALID} for
 * a misuse such as a key too long, a value too large or an increment of a value that is not an
 * integer, {@link #FULL} when a write (put, increment, compare_and_set) would cross the
 * store's quota (the host logs it; if the call then fails, it fails with {@code
 * StoreQuotaExceededException}, 507). Pointers outside the guest's memory trap. There is no put with
 * a time to live here: keys written from Wasm do not expire.
 */
final class IsolaHost {
  static final String KV = "isola:host/kv";
  static final String VARS = "isola:host/vars";
  static final String FILES = "isola:host/files";
  static final String HTTP = "isola:host/http";
  static final long ABSENT = -1;
  static final long DENIED = -2;
  static final long INVALID = -3;
  static final long FAILED = -4;
  static final long FULL = -5;

  private static final ValType I32 = ValType.I32;
  private static final Map<String, Set<String>> FUNCTIONS = Map.of(
      KV, Set.of("get", "put", "delete", "exists", "list", "increment", "compare_and_set"),
      VARS, Set.of("get"),
      FILES, Set.of("read"),
      HTTP, Set.of("request", "status", "body"));

  private IsolaHost() {}

  /** Whether Isola provides {@code module.name}. */
  static boolean provides(String module, String name) {
    return FUNCTIONS.getOrDefault(module, Set.of()).contains(name);
  }

  /** Whether {@code module} is one of Isola's host modules. */
  static boolean isHostModule(String module) {
    return FUNCTIONS.containsKey(module);
  }

  /** One call's side of these functions: its capabilities and its last outbound response. */
  static final class Binding {
    private final CallCapabilities caps;
    private int status;
    private byte[] body = new byte[0];
    /** The message of the call's last failed application capability use ({@code isola:host/call.error}). */
    String lastError = "";

    Binding(CallCapabilities caps) {
      this.caps = caps;
    }

    CallCapabilities caps() {
      return caps;
    }
  }

  private static final FunctionType I32_RESULT = FunctionType.returning(I32);
  private static final FunctionType TWO_I64 = type(2, ValType.I64);
  private static final FunctionType FOUR_I32 = type(4, I32);
  private static final FunctionType FOUR_I64 = type(4, ValType.I64);
  private static final FunctionType SIX_I32 = type(6, I32);
  private static final FunctionType SIX_I64 = type(6, ValType.I64);
  /** {@code kv.increment}: store, store_len, key, key_len (i32), delta (i64), out (i32) -> i32. */
  private static final FunctionType INCREMENT = FunctionType.of(List.of(I32, I32, I32, I32, ValType.I64, I32), List.of(I32));
  private static final FunctionType EIGHT_I32 = type(8, I32);
  /** A length that stands for "no value" in {@code kv.compare_and_set}: -1 as an i32. */
  static final long NO_VALUE = 0xffff_ffffL;

  /** The host functions for one call, bound to its capabilities. */
  static List<HostFunction> functions(CallCapabilities caps) {
    Binding binding = new Binding(caps);
    return functions(instance -> binding);
  }

  /**
   * The host functions, each running with the {@link Binding} {@code binding} finds for the
   * calling instance: made once per module, they serve every call.
   */
  static List<HostFunction> functions(Function<Instance, Binding> binding) {
    return List.of(
        new HostFunction(HTTP, "request", SIX_I64, (instance, a) -> i64(() -> {
          Binding last = binding.apply(instance);
          HttpCall call;
          try {
            call = Json.httpCall(new String(bytes(instance, a[0], a[1], MAX_JSON), StandardCharsets.UTF_8),
                bytes(instance, a[2], a[3], (int) OutboundHttp.DEFAULT_MAX_REQUEST_BODY));
          } catch (IllegalArgumentException e) {
            throw new GuestError(e.getMessage());
          }
          try {
            HttpResult result = last.caps.fetch(call);
            last.status = result.status();
            last.body = result.body();
          } catch (OutboundHttpException e) {
            last.status = 0;
            last.body = new byte[0];
            return FAILED;
          }
          return copyOut(instance, last.body, a[4], a[5]);
        })),
        new HostFunction(HTTP, "status", I32_RESULT, (instance, a) -> new long[] {binding.apply(instance).status}),
        new HostFunction(HTTP, "body", TWO_I64, (instance, a) ->
            new long[] {copyOut(instance, binding.apply(instance).body, a[0], a[1])}),
        new HostFunction(KV, "get", SIX_I64, (instance, a) -> i64(() -> {
          Optional<byte[]> value =
              binding.apply(instance).caps.kvGet(text(instance, a[0], a[1]), text(instance, a[2], a[3]));
          return value.isEmpty() ? ABSENT : copyOut(instance, value.get(), a[4], a[5]);
        })),
        new HostFunction(KV, "put", SIX_I32, (instance, a) -> i32(() -> {
          binding.apply(instance).caps.kvPut(text(instance, a[0], a[1]), text(instance, a[2], a[3]),
              bytes(instance, a[4], a[5], dev.isola.internal.capability.RouteCapabilities.MAX_VALUE_BYTES));
          return 0;
        })),
        new HostFunction(KV, "delete", FOUR_I32, (instance, a) -> i32(() ->
            binding.apply(instance).caps.kvDelete(text(instance, a[0], a[1]), text(instance, a[2], a[3])) ? 1 : 0)),
        new HostFunction(KV, "increment", INCREMENT, (instance, a) -> i32(() -> {
          CallCapabilities caps = binding.apply(instance).caps;
          long out = a[5];
          checkWritable(instance, out, Long.BYTES); // before the store changes: a bad pointer traps with nothing counted
          long sum = caps.kvIncrement(text(instance, a[0], a[1]), text(instance, a[2], a[3]), a[4]);
          byte[] le = java.nio.ByteBuffer.allocate(Long.BYTES).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(sum).array();
          copyOut(instance, le, out, Long.BYTES);
          return 0;
        })),
        new HostFunction(KV, "compare_and_set", EIGHT_I32, (instance, a) -> i32(() -> {
          CallCapabilities caps = binding.apply(instance).caps;
          String store = text(instance, a[0], a[1]);
          String key = text(instance, a[2], a[3]);
          byte[] expected = optionalBytes(instance, a[4], a[5]);
          byte[] value = optionalBytes(instance, a[6], a[7]);
          return caps.kvCompareAndSet(store, key, expected, value) ? 1 : 0;
        })),
        new HostFunction(KV, "exists", FOUR_I32, (instance, a) -> i32(() ->
            binding.apply(instance).caps.kvExists(text(instance, a[0], a[1]), text(instance, a[2], a[3])) ? 1 : 0)),
        new HostFunction(KV, "list", SIX_I64, (instance, a) -> i64(() -> {
          StringBuilder keys = new StringBuilder();
          CallCapabilities caps = binding.apply(instance).caps;
          for (String key : caps.kvList(text(instance, a[0], a[1]), text(instance, a[2], a[3]), 1000)) {
            keys.append(key).append('\0');
          }
          return copyOut(instance, keys.toString().getBytes(StandardCharsets.UTF_8), a[4], a[5]);
        })),
        new HostFunction(VARS, "get", FOUR_I64, (instance, a) -> i64(() ->
            copyOut(instance, binding.apply(instance).caps.variable(text(instance, a[0], a[1]))
                .getBytes(StandardCharsets.UTF_8), a[2], a[3]))),
        new HostFunction(FILES, "read", FOUR_I64, (instance, a) -> i64(() -> {
          Optional<byte[]> file = binding.apply(instance).caps.readFile(text(instance, a[0], a[1]));
          return file.isEmpty() ? ABSENT : copyOut(instance, file.get(), a[2], a[3]);
        })));
  }

  private static FunctionType type(int i32Params, ValType result) {
    return FunctionType.of(java.util.Collections.nCopies(i32Params, I32), List.of(result));
  }

  /** Runs {@code body}; a denial or misuse becomes its error code, anything else ends the call. */
  private static long[] i64(Supplier<Long> body) {
    return new long[] {guarded(body)};
  }

  private static long[] i32(Supplier<Integer> body) {
    return new long[] {guarded(() -> (long) body.get())};
  }

  private static long guarded(Supplier<Long> body) {
    try {
      return body.get();
    } catch (CapabilityDeniedException e) {
      return DENIED; // logged, counted and remembered by CallCapabilities
    } catch (GuestError e) {
      return INVALID;
    } catch (StoreFullError e) {
      return FULL; // logged and remembered by CallCapabilities
    }
  }

  /** The most bytes a name, key, prefix or path may have: anything longer is refused before it is read. */
  private static final int MAX_TEXT = 4096;
  private static final int MAX_JSON = 64 * 1024;

  static byte[] bytes(Instance instance, long ptr, long len, int max) {
    if (Integer.toUnsignedLong((int) len) > max) {
      throw new GuestError(Integer.toUnsignedString((int) len) + " bytes is more than the " + max
          + " an isola host function takes here");
    }
    return bytes(instance, ptr, len);
  }

  private static byte[] bytes(Instance instance, long ptr, long len) {
    Memory memory = memory(instance);
    if (len < 0 || ptr < 0 || (long) (int) ptr + (int) len > (long) memory.pages() * Memory.PAGE_SIZE) {
      throw new com.dylibso.chicory.wasm.ChicoryException("out of bounds memory access: isola host function read "
          + Integer.toUnsignedString((int) len) + " bytes at " + Integer.toUnsignedString((int) ptr));
    }
    return memory.readBytes((int) ptr, (int) len);
  }

  /** The bytes at (ptr, len), or null if {@code len} is {@link #NO_VALUE} (-1). */
  private static byte @org.jspecify.annotations.Nullable [] optionalBytes(Instance instance, long ptr, long len) {
    return Integer.toUnsignedLong((int) len) == NO_VALUE ? null
        : bytes(instance, ptr, len, dev.isola.internal.capability.RouteCapabilities.MAX_VALUE_BYTES);
  }

  /** Traps unless {@code len} bytes at {@code out} are inside the guest's memory. */
  private static void checkWritable(Instance instance, long out, int len) {
    if (Integer.toUnsignedLong((int) out) + len > (long) memory(instance).pages() * Memory.PAGE_SIZE) {
      throw new com.dylibso.chicory.wasm.ChicoryException("out of bounds memory access: isola host function would write "
          + len + " bytes at " + Integer.toUnsignedString((int) out));
    }
  }

  private static String text(Instance instance, long ptr, long len) {
    return new String(bytes(instance, ptr, len, MAX_TEXT), StandardCharsets.UTF_8);
  }

  /** Copies {@code value} to (out, cap) if it fits; answers its length either way. */
  static long copyOut(Instance instance, byte[] value, long out, long cap) {
    if (value.length <= Integer.toUnsignedLong((int) cap)) {
      Memory memory = memory(instance);
      if (Integer.toUnsignedLong((int) out) + value.length > (long) memory.pages() * Memory.PAGE_SIZE) {
        throw new com.dylibso.chicory.wasm.ChicoryException("out of bounds memory access: isola host function wrote "
            + value.length + " bytes at " + Integer.toUnsignedString((int) out));
      }
      memory.write((int) out, value, 0, value.length);
    }
    return value.length;
  }

  private static Memory memory(Instance instance) {
    Memory memory = instance.memory();
    if (memory == null) {
      throw new com.dylibso.chicory.wasm.ChicoryException("an isola host function needs the module to export memory");
    }
    return memory;
  }
}
