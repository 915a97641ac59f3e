package dev.isola.internal.wasm;

import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.isola.CapabilityDeniedException;
import dev.isola.GuestException;
import dev.isola.wasm.WasmAbi;
import dev.isola.capability.Capability;
import dev.isola.capability.Operation;
import dev.isola.internal.capability.Extensions;
import dev.isola.internal.capability.GuestError;
import dev.isola.internal.json.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The host functions of application capabilities ({@code dev.isola.capability}), derived from their
 * operations, for every module of an {@code Isola}; a route not granted a capability is denied at
 * the call, like Isola's own host functions.
 *
 * <ul>
 *   <li>{@code isola:host/NAME.op(args, args_len, out, out_cap) -> i64}, for WAGI programs and
 *       Extism plugins: the arguments as a JSON array in the guest's memory ({@code BYTES} as base64
 *       strings); the result's JSON copied to {@code out} if it fits, its length answered either
 *       way; {@link IsolaHost#ABSENT} for a null result, {@link IsolaHost#DENIED}, {@link
 *       IsolaHost#INVALID} for arguments that do not fit, {@link IsolaHost#FAILED} when the
 *       capability failed.
 *   <li>{@code isola:host/call.error(out, out_cap) -> i64}: the message of the call's last failed
 *       use (empty if none), copied like a result.
 *   <li>{@code extism:host/user} function {@code NAME_op(i64 args) -> i64}, for Extism plugins, as
 *       Extism host functions are: the arguments' JSON array in a kernel block (0: no arguments), the
 *       result's JSON in a new block (0 for null or no result). As a failing host function does in
 *       Extism, a denial or failure fails the plugin's call.
 * </ul>
 */
final class CapabilityFunctions {
  static final String PREFIX = "isola:host/";
  static final String CALL = "isola:host/call";
  static final String EXTISM_USER = "extism:host/user";
  private static final int MAX_ARGS = 1 << 20;
  private static final FunctionType ISOLA = FunctionType.of(
      java.util.Collections.nCopies(4, ValType.I32), List.of(ValType.I64));
  private static final FunctionType ERROR = FunctionType.of(List.of(ValType.I32, ValType.I32), List.of(ValType.I64));
  private static final FunctionType USER = FunctionType.of(List.of(ValType.I64), List.of(ValType.I64));

  private CapabilityFunctions() {}

  /** Whether {@code module.name} is one of these functions for a module of {@code abi}. */
  static boolean provides(Extensions extensions, WasmAbi abi, String module, String name) {
    if (extensions.isEmpty()) {
      return false;
    }
    if (module.equals(CALL)) {
      return name.equals("error");
    }
    if (module.startsWith(PREFIX)) {
      return extensions.operation(module.substring(PREFIX.length()), name).isPresent();
    }
    if (abi == WasmAbi.EXTISM && module.equals(EXTISM_USER)) {
      int sep = name.indexOf('_');
      return sep > 0 && extensions.operation(name.substring(0, sep), name.substring(sep + 1)).isPresent();
    }
    return false;
  }

  /** For messages: what these functions add to the imports a module may have ("" if none). */
  static String offered(Extensions extensions, WasmAbi abi) {
    if (extensions.isEmpty()) {
      return "";
    }
    List<String> modules = new ArrayList<>();
    extensions.names().stream().sorted().forEach(n -> modules.add(PREFIX + n));
    return ", " + String.join(", ", modules) + ", " + CALL + (abi == WasmAbi.EXTISM ? ", " + EXTISM_USER + " (NAME_op)" : "");
  }

  /** {@code isola:host/NAME.op} for every operation, and {@code isola:host/call.error}. */
  static List<HostFunction> isolaHost(Extensions extensions, Function<Instance, IsolaHost.Binding> binding) {
    if (extensions.isEmpty()) {
      return List.of();
    }
    List<HostFunction> functions = new ArrayList<>();
    for (String name : extensions.names()) {
      Capability<?, ?> c = extensions.get(name).orElseThrow();
      for (Operation op : c.operations()) {
        functions.add(new HostFunction(PREFIX + name, op.name(), ISOLA, (instance, a) -> {
          IsolaHost.Binding b = binding.apply(instance);
          try {
            byte[] json;
            try {
              json = IsolaHost.bytes(instance, a[0], a[1], MAX_ARGS);
            } catch (GuestError tooLong) { // a misuse like any other, not a failure of the host
              throw new GuestError.Invalid(name + "." + op.name() + ": " + tooLong.getMessage()
                  + "; pass the arguments' JSON array in at most " + MAX_ARGS + " bytes");
            }
            Object result = b.caps().invoke(name, op.name(), arguments(json));
            if (result == null) {
              return new long[] {IsolaHost.ABSENT};
            }
            return new long[] {IsolaHost.copyOut(instance, Extensions.json(result).getBytes(StandardCharsets.UTF_8),
                a[2], a[3])};
          } catch (CapabilityDeniedException e) {
            b.lastError = e.getMessage();
            return new long[] {IsolaHost.DENIED}; // logged, counted and remembered
          } catch (GuestError e) {
            b.lastError = e.getMessage();
            return new long[] {e instanceof GuestError.Invalid ? IsolaHost.INVALID : IsolaHost.FAILED};
          }
        }));
      }
    }
    functions.add(new HostFunction(CALL, "error", ERROR, (instance, a) -> new long[] {
        IsolaHost.copyOut(instance, binding.apply(instance).lastError.getBytes(StandardCharsets.UTF_8), a[0], a[1])}));
    return functions;
  }

  /** {@code extism:host/user} {@code NAME_op} for every operation, for Extism plugins. */
  static List<HostFunction> extismUser(Extensions extensions, Function<Instance, CallContext> context) {
    List<HostFunction> functions = new ArrayList<>();
    for (String name : extensions.names()) {
      for (Operation op : extensions.get(name).orElseThrow().operations()) {
        String fn = name + "_" + op.name();
        functions.add(new HostFunction(EXTISM_USER, fn, USER, (instance, a) -> {
          CallContext call = context.apply(instance);
          ExtismKernel kernel = call.kernel();
          long length = a[0] == 0 ? 0 : kernel.length(a[0]); // checked before anything is copied
          if (length > MAX_ARGS) { // parsed, a plugin's whole memory of "{}," would take gigabytes of heap
            throw new GuestException(call.host().caps().route().route(), "host function " + fn + " failed: " + name
                + "." + op.name() + ": " + length + " bytes of arguments is more than the " + MAX_ARGS
                + " it takes; pass less, or keep large data in the plugin", "");
          }
          byte[] json = kernel.block(fn, a[0]);
          Object result;
          try {
            result = call.host().caps().invoke(name, op.name(), a[0] == 0 ? List.of() : arguments(json));
          } catch (GuestError e) {
            String route = call.host().caps().route().route();
            throw new GuestException(route, "host function " + fn + " failed: " + e.getMessage(), "");
          }
          return new long[] {result == null ? 0
              : kernel.allocate(fn, Extensions.json(result).getBytes(StandardCharsets.UTF_8))};
        }));
      }
    }
    return functions;
  }

  /** The guest's JSON array of arguments. */
  private static List<?> arguments(byte[] json) {
    Object parsed;
    try {
      parsed = Json.parse(StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(json)).toString());
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new GuestError.Invalid("the arguments are not UTF-8: write the JSON array as UTF-8 text");
    } catch (IllegalArgumentException e) {
      throw new GuestError.Invalid("the arguments are not JSON (" + e.getMessage() + ")");
    }
    if (!(parsed instanceof List<?> list)) {
      throw new GuestError.Invalid("the arguments must be a JSON array, e.g. [\"c-1\", 500]");
    }
    return list;
  }
}
