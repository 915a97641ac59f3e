package dev.isola.internal.wasm;

import com.dylibso.chicory.compiler.InterpreterFallback;
import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.Import;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import dev.isola.Handler;
import dev.isola.HandlerLoadException;
import dev.isola.Limits;
import dev.isola.wasm.WasmAbi;
import dev.isola.internal.engine.GuestEngine;
import dev.isola.internal.engine.PreparedHandler;
import dev.isola.internal.engine.SandboxPreparer;
import dev.isola.internal.engine.Watchdog;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * WebAssembly handlers on Chicory. Each module is parsed, validated and compiled to JVM bytecode
 * once, here; every call then gets a new {@link Instance} (fresh linear memory, globals and tables)
 * that is dropped when the call returns. With a {@link SandboxPreparer}, instances are built ahead
 * of their calls off the request path (see {@link WasmHandler#prepareAhead}); each still serves
 * exactly one call.
 *
 * <p>A module may import only what its ABI provides: {@code wasi_snapshot_preview1} (both ABIs) and
 * {@code extism:host/env} (Extism plugins). Anything else is refused here, naming the import.
 */
public final class WasmEngine implements GuestEngine {
  static final String WASI = "wasi_snapshot_preview1";
  static final String EXTISM = ExtismKernel.MODULE;
  private static final byte[] MAGIC = {0, 'a', 's', 'm'};
  /** What one table entry costs the JVM, conservatively: a reference and an index. */
  static final long TABLE_ENTRY_BYTES = 16;

  private static final Logger log = LoggerFactory.getLogger(WasmEngine.class);

  private final Watchdog watchdog;
  /** Shared by every call's WASI {@code random_get}; SecureRandom is thread-safe. */
  private final SecureRandom random = new SecureRandom();

  private final java.time.Clock clock;

  /** Builds instances ahead of their calls; {@link SandboxPreparer#NONE} for none. */
  private final SandboxPreparer preparer;
  /** Every handler prepared here, to discard their ready instances on close. */
  private final List<WasmHandler> handlers = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** The application capabilities routes may be granted, offered as host functions. */
  private final dev.isola.internal.capability.Extensions extensions;

  public WasmEngine(Watchdog watchdog) {
    this(watchdog, java.time.Clock.systemUTC(), SandboxPreparer.NONE);
  }

  /**
   * @param clock what guests' WASI clock reads (a fixed one in tests)
   * @param preparer builds instances ahead of their calls
   */
  public WasmEngine(Watchdog watchdog, java.time.Clock clock, SandboxPreparer preparer) {
    this(watchdog, clock, preparer, dev.isola.internal.capability.Extensions.NONE);
  }

  /**
   * Like {@link #WasmEngine(Watchdog, java.time.Clock, SandboxPreparer)}, offering the application
   * capabilities {@code extensions} as host functions (see {@link CapabilityFunctions}).
   */
  public WasmEngine(Watchdog watchdog, java.time.Clock clock, SandboxPreparer preparer,
      dev.isola.internal.capability.Extensions extensions) {
    this.extensions = extensions;
    this.watchdog = watchdog;
    this.clock = clock;
    this.preparer = preparer;
  }

  @Override
  public PreparedHandler prepare(String route, Handler handler, byte[] code, Limits limits) {
    try {
      return prepareChecked(route, handler, code, limits);
    } catch (HandlerLoadException e) {
      throw e;
    } catch (RuntimeException | AssertionError | OutOfMemoryError | StackOverflowError e) {
      // A module Chicory parsed can still be inconsistent (an export naming a function it lacks):
      // whatever that makes fail here is a bad module, never a raw error from build().
      throw new HandlerLoadException("module " + handler.name() + " of route \"" + route + "\" is malformed: "
          + describe(e) + " (rebuild it; wasm-validate shows what is wrong)", e);
    }
  }

  private PreparedHandler prepareChecked(String route, Handler handler, byte[] code, Limits limits) {
    String name = handler.name();
    WasmModule module = parse(route, name, code);
    WasmAbi abi = handler.abi().orElseGet(() -> importsFrom(module, EXTISM) ? WasmAbi.EXTISM : WasmAbi.WAGI);
    String where = "module " + name + " of route \"" + route + "\"";
    if (abi == WasmAbi.WAGI && handler.export().isPresent()) {
      throw new HandlerLoadException(where + " runs as WAGI, which always starts at _start; export (\""
          + handler.export().get() + "\") applies to Extism plugins: remove it, or set abi = \"extism\"");
    }
    if (abi == WasmAbi.WAGI && !handler.config().isEmpty()) {
      throw new HandlerLoadException(where + " runs as WAGI; config applies to Extism plugins: remove it,"
          + " or set abi = \"extism\"");
    }
    checkImports(where, module, abi, extensions);
    MemoryLimits memory = memoryLimits(where, module, limits);
    long tableEntries = tableEntries(where, module, limits);
    Compiled compiled = compile(where, module);
    GuestModule guest = new GuestModule(route, name, module, compiled.machine(), compiled.interpreted(), memory,
        tableEntries, extensions);
    WasmHandler prepared = switch (abi) {
      case WAGI -> new WagiHandler(guest, watchdog, random, clock);
      case EXTISM -> new ExtismHandler(guest, watchdog, random, clock,
          handler.export().orElse(Handler.DEFAULT_EXPORT), handler.config());
    };
    prepared.check(where);
    prepared.prepareAhead(preparer);
    handlers.add(prepared);
    log.debug("route \"{}\": {} ready as {} ({} bytes)", route, name, abi, code.length);
    return prepared;
  }

  private static WasmModule parse(String route, String name, byte[] code) {
    String where = "handler " + name + " of route \"" + route + "\"";
    if (code.length < MAGIC.length || !java.util.Arrays.equals(code, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
      throw new HandlerLoadException(where + " is not a WebAssembly module (it does not start with \\0asm):"
          + " point it at a compiled .wasm file, or use Handler.javascript for JavaScript");
    }
    try {
      return Parser.parse(code);
    } catch (RuntimeException | AssertionError | OutOfMemoryError | StackOverflowError e) {
      // Chicory's parser reports most problems as ChicoryException, but a hostile file can also make
      // it fail with NPEs, buffer underflows or huge allocations, and with assertions on (-ea) with AssertionErrors: every one is a bad module.
      throw new HandlerLoadException(where + " is not a valid WebAssembly module: " + describe(e)
          + " (rebuild it; Isola runs WebAssembly 2.0 modules without the threads and multi-memory"
          + " proposals)", e);
    }
  }

  static String describe(Throwable e) {
    return e instanceof ChicoryException && e.getMessage() != null ? e.getMessage()
        : e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
  }

  private static boolean importsFrom(WasmModule module, String importModule) {
    return module.importSection().stream().anyMatch(i -> i.module().equals(importModule));
  }

  private static void checkImports(String where, WasmModule module, WasmAbi abi,
      dev.isola.internal.capability.Extensions extensions) {
    Set<String> unknown = new TreeSet<>();
    for (Import i : (Iterable<Import>) module.importSection().stream()::iterator) {
      String full = i.module() + "." + i.name();
      boolean provided = i.importType() == ExternalType.FUNCTION
          && (i.module().equals(WASI) && WasiCall.provides(i.name())
              || IsolaHost.provides(i.module(), i.name())
              || CapabilityFunctions.provides(extensions, abi, i.module(), i.name())
              || abi == WasmAbi.EXTISM && i.module().equals(EXTISM) && ExtismKernel.names().contains(i.name()));
      if (!provided) {
        unknown.add(full + (i.importType() == ExternalType.FUNCTION ? "" : " (" + i.importType().name().toLowerCase() + ")"));
      }
    }
    if (!unknown.isEmpty()) {
      String offer = abi == WasmAbi.WAGI
          ? "a WAGI program may import WASI preview 1 functions (" + WASI + ") and Isola's "
              + IsolaHost.KV + ", " + IsolaHost.VARS + ", " + IsolaHost.FILES + " and " + IsolaHost.HTTP
              + CapabilityFunctions.offered(extensions, abi) + " only"
          : "an Extism plugin may import " + EXTISM + " functions, WASI preview 1 (" + WASI + ") and Isola's "
              + IsolaHost.KV + ", " + IsolaHost.VARS + ", " + IsolaHost.FILES + " and " + IsolaHost.HTTP
              + CapabilityFunctions.offered(extensions, abi) + " only";
      throw new HandlerLoadException(where + " imports " + String.join(", ", unknown)
          + ", which Isola does not provide: " + offer
          + (unknown.stream().anyMatch(u -> u.endsWith("(memory)")) ? "; link it without --import-memory" : "")
          + (abi == WasmAbi.WAGI && unknown.stream().anyMatch(u -> u.startsWith("extism:"))
              ? "; this looks like an Extism plugin: set abi = \"extism\""
              : ""));
    }
  }

  /**
   * The memory each instance gets: the module's own initial size, and at most the route's memory
   * limit (or the module's own maximum, if smaller).
   */
  private static MemoryLimits memoryLimits(String where, WasmModule module, Limits limits) {
    if (module.memorySection().isEmpty() || module.memorySection().get().memoryCount() == 0) {
      return null;
    }
    int count = module.memorySection().get().memoryCount();
    if (count > 1) {
      throw new HandlerLoadException(where + " declares " + count + " memories; Isola runs modules with one"
          + " memory: build it without the multi-memory feature");
    }
    MemoryLimits declared = module.memorySection().get().getMemory(0).limits();
    if (declared.shared()) {
      throw new HandlerLoadException(where + " declares shared memory (threads), which Isola does not run:"
          + " build it without the threads feature");
    }
    long capPages = Math.min(MemoryLimits.MAX_PAGES, limits.memory().bytes() / com.dylibso.chicory.runtime.Memory.PAGE_SIZE);
    if (declared.initialPages() > capPages) {
      throw new HandlerLoadException(where + " starts with " + declared.initialPages() + " pages ("
          + mib(declared.initialPages()) + ") of memory, more than the route's memory limit of " + limits.memory()
          + ": raise memory for this route, or link the module with a smaller initial memory");
    }
    return new MemoryLimits(declared.initialPages(), (int) Math.min(declared.maximumPages(), capPages));
  }

  static String mib(long pages) {
    long bytes = pages * com.dylibso.chicory.runtime.Memory.PAGE_SIZE;
    return bytes % (1024 * 1024) == 0 ? bytes / (1024 * 1024) + " MiB" : bytes / 1024 + " KiB";
  }

  /**
   * How many entries each table may grow to: the route's memory limit shared by the tables at {@link
   * #TABLE_ENTRY_BYTES} each (what an entry costs the JVM). Tables starting larger are refused.
   */
  private static long tableEntries(String where, WasmModule module, Limits limits) {
    var tables = module.tableSection();
    if (tables.tableCount() == 0) {
      return 0;
    }
    long perTable = limits.memory().bytes() / TABLE_ENTRY_BYTES / tables.tableCount();
    long initial = 0;
    for (int i = 0; i < tables.tableCount(); i++) {
      initial += tables.getTable(i).limits().min();
    }
    if (initial > perTable * tables.tableCount()) {
      throw new HandlerLoadException(where + " starts with tables of " + initial + " entries in all, about "
          + initial * TABLE_ENTRY_BYTES / (1024 * 1024) + " MiB, more than the route's memory limit of "
          + limits.memory() + ": raise memory for this route, or build the module with smaller tables");
    }
    return perTable;
  }

  /** A module compiled to JVM bytecode; {@code interpreted} if some functions run in the interpreter. */
  private record Compiled(Function<Instance, Machine> machine, boolean interpreted) {}

  /**
   * Compiles every function to JVM bytecode. A module the compiler cannot take whole (a function
   * too large for one JVM method) runs those functions in Chicory's interpreter instead, said in a
   * warning; its instances then check for a timeout at every interpreted instruction.
   */
  private static Compiled compile(String where, WasmModule module) {
    try {
      return new Compiled(
          MachineFactoryCompiler.builder(module).withInterpreterFallback(InterpreterFallback.FAIL).compile(), false);
    } catch (RuntimeException | AssertionError | OutOfMemoryError | StackOverflowError e) {
      log.warn("{} cannot be compiled to JVM bytecode entirely ({}); the functions the compiler refuses run"
          + " in Chicory's interpreter, which is much slower (split large functions to avoid it)", where, describe(e));
      try {
        return new Compiled(
            MachineFactoryCompiler.builder(module).withInterpreterFallback(InterpreterFallback.SILENT).compile(), true);
      } catch (RuntimeException | AssertionError | OutOfMemoryError | StackOverflowError again) {
        throw new HandlerLoadException(where + " cannot be compiled: " + describe(again)
            + "; check that it validates (wasm-validate) and split very large functions", again);
      }
    }
  }

  /** Names of the functions {@code module} exports, for messages. */
  static List<String> exportedFunctions(WasmModule module) {
    var exports = module.exportSection();
    return java.util.stream.IntStream.range(0, exports.exportCount())
        .mapToObj(exports::getExport)
        .filter(e -> e.exportType() == ExternalType.FUNCTION)
        .map(e -> e.name())
        .sorted()
        .toList();
  }

  @Override
  public void close() {
    // Instances are dropped as each call returns; only the ready ones are held between calls.
    handlers.forEach(WasmHandler::closePool);
  }
}
