package dev.isola.internal.wasm;

import com.dylibso.chicory.runtime.ChicoryInterruptedException;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.TableInstance;
import com.dylibso.chicory.wasm.ChicoryException;
import com.dylibso.chicory.wasm.types.ExternalType;
import com.dylibso.chicory.wasm.types.FunctionImport;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import com.dylibso.chicory.wasm.types.Table;
import com.dylibso.chicory.wasm.types.TableLimits;
import com.dylibso.chicory.wasm.WasmModule;
import dev.isola.HandlerLoadException;
import dev.isola.IsolaException;
import dev.isola.LimitExceededException;
import dev.isola.LimitExceededException.Limit;
import dev.isola.internal.engine.Call;
import dev.isola.internal.engine.Failure;
import dev.isola.internal.engine.FailureClassifier;
import dev.isola.internal.engine.PreparedHandler;
import dev.isola.internal.engine.SandboxFactory;
import dev.isola.internal.engine.SandboxPreparer;
import dev.isola.internal.engine.SandboxRunner;
import dev.isola.internal.engine.Watchdog;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * What both WebAssembly ABIs share: a fresh instance per call under the watchdog (built in the
 * call, or ahead of it and used by it alone), the module's imports linked once to host functions
 * that find the call in the instance's slot, and one mapping of everything that can end a call
 * badly to Isola's exceptions.
 */
abstract sealed class WasmHandler implements PreparedHandler permits WagiHandler, ExtismHandler {
  /**
   * What a call's body computes, with the exit status if the guest called {@code proc_exit}.
   *
   * @param refusedPages the memory size a refused {@code memory.grow} asked for, 0 if none
   */
  record Outcome<T>(T value, int exitStatus, int refusedPages) {}

  /** Stops interpreted code at its next instruction once the call's thread is interrupted. */
  private static final com.dylibso.chicory.runtime.ExecutionListener INTERRUPT_CHECK = (instruction, stack) -> {
    if (Thread.currentThread().isInterrupted()) {
      throw new ChicoryInterruptedException("Thread interrupted");
    }
  };

  final GuestModule guest;
  final Watchdog watchdog;
  final SecureRandom random;
  /** What the guest's WASI clock reads: the system's, or a test's fixed one. */
  final java.time.Clock clock;
  /** The module's initial memory, recorded by its first instance and shared by the rest. */
  private final LinearMemory.Image image = new LinearMemory.Image();
  /** Takes or builds a call's instance, runs it under the watchdog, and maps its failures. */
  private final SandboxRunner<Ready, WasmCall<?>, Outcome<?>> runner;
  /** Calls that found a ready instance (for tests). */
  final LongAdder readyTaken;

  WasmHandler(GuestModule guest, Watchdog watchdog, SecureRandom random, java.time.Clock clock) {
    this.guest = guest;
    this.watchdog = watchdog;
    this.random = random;
    this.clock = clock;
    Instances instances = new Instances();
    this.runner = new SandboxRunner<>(guest.route(), guest.name(), instances, instances);
    this.readyTaken = runner.readyTaken();
  }

  /**
   * Checks at build time that the module has what the ABI calls, and that it links and instantiates
   * (unless it has a start function, which would run guest code at build; then the first call
   * checks).
   *
   * @throws HandlerLoadException naming the problem and the fix
   */
  abstract void check(String where);

  /** Checks that {@code function} is exported with {@code type}. */
  final void checkExport(String where, String function, FunctionType type, String hint) {
    Optional<FunctionType> actual = exportType(guest.module(), function);
    if (actual.isEmpty()) {
      throw new HandlerLoadException(where + " does not export a function \"" + function + "\" (it exports "
          + describe(WasmEngine.exportedFunctions(guest.module())) + "): " + hint);
    }
    if (!actual.get().equals(type)) {
      throw new HandlerLoadException(where + " exports \"" + function + "\" as " + actual.get() + ", but it must be "
          + type + ": " + hint);
    }
  }

  /** A WASI with nothing in it (no input, output discarded), for the build-time check. */
  final WasiCall emptyWasi() {
    return WasiCall.create(new byte[0], java.io.OutputStream.nullOutputStream(), java.io.OutputStream.nullOutputStream(),
        java.util.Map.of(), java.util.Map.of(), guest.programName(), random, clock);
  }

  /**
   * Instantiates once at build, to catch link and data-segment errors there. A module with a start
   * function is only linked, not initialised, since that would run guest code outside any call.
   */
  final void checkInstantiates(String where, CallContext context) {
    try {
      linking = link();
      instantiate(context, new LinearMemory[1], guest.module().startSection().isEmpty());
    } catch (RuntimeException | AssertionError | OutOfMemoryError | StackOverflowError e) {
      throw new HandlerLoadException(where + " cannot be instantiated: " + WasmEngine.describe(e)
          + " (its imports must match WASI preview 1 and the Extism ABI; rebuild it with a current toolchain)", e);
    }
  }

  private static String describe(java.util.List<String> names) {
    return names.isEmpty() ? "no functions" : String.join(", ", names);
  }

  /** The type of the function exported as {@code name}, if there is one. */
  static Optional<FunctionType> exportType(WasmModule module, String name) {
    var exports = module.exportSection();
    for (int i = 0; i < exports.exportCount(); i++) {
      var export = exports.getExport(i);
      if (export.exportType() == ExternalType.FUNCTION && export.name().equals(name)) {
        int index = export.index();
        int imported = module.importSection().count(ExternalType.FUNCTION);
        int typeIndex;
        if (index < 0 || index >= imported + module.functionSection().functionCount()) {
          throw new IllegalArgumentException("export \"" + name + "\" refers to function " + index
              + ", which the module does not have");
        }
        if (index < imported) {
          typeIndex = ((com.dylibso.chicory.wasm.types.FunctionImport) module.importSection().stream()
              .filter(imp -> imp.importType() == ExternalType.FUNCTION).skip(index).findFirst().orElseThrow()).typeIndex();
        } else {
          typeIndex = module.functionSection().getFunctionType(index - imported);
        }
        if (typeIndex < 0 || typeIndex >= module.typeSection().typeCount()) {
          throw new IllegalArgumentException("function " + index + " has type " + typeIndex
              + ", which the module does not declare");
        }
        return Optional.of(module.typeSection().getType(typeIndex));
      }
    }
    return Optional.empty();
  }

  /**
   * The host functions of the ABI, made once: each runs with what {@code context} finds for the
   * calling instance. In a fixed order, for {@link #link}.
   */
  abstract List<HostFunction> functions(Function<Instance, CallContext> context);

  /** Finds a call's context in its instance's slot. */
  private static final Function<Instance, CallContext> SLOT = instance -> ((LinearMemory) instance.memory()).slot();

  /**
   * How the module's function imports reach a call's host functions. {@code index[i]} is where
   * the module's i-th function import is in {@link #functions}' list (-1 if it is not there, which
   * fails instantiation as before). A module with a memory is linked once, to {@code shared}:
   * functions that find the call in the instance's slot ({@link LinearMemory#bind}). A module
   * without one (rare: it can import little that works) gets functions made for its call.
   */
  private record Linking(int[] index, ImportValues shared) {}

  /** Set by {@link #checkInstantiates} at build, before any call. */
  private Linking linking;

  private Linking link() {
    List<HostFunction> functions = functions(SLOT);
    List<FunctionImport> imports = guest.module().importSection().stream()
        .filter(i -> i.importType() == ExternalType.FUNCTION).map(FunctionImport.class::cast).toList();
    int[] index = new int[imports.size()];
    for (int i = 0; i < index.length; i++) {
      FunctionImport wanted = imports.get(i);
      index[i] = -1;
      for (int j = 0; j < functions.size() && index[i] < 0; j++) {
        if (functions.get(j).module().equals(wanted.module()) && functions.get(j).name().equals(wanted.name())) {
          index[i] = j;
        }
      }
    }
    Linking linking = new Linking(index, null);
    return guest.memory() == null ? linking : new Linking(index, select(linking, functions));
  }

  /** The functions of {@code functions} the module imports. */
  private static ImportValues select(Linking linking, List<HostFunction> functions) {
    List<com.dylibso.chicory.runtime.ImportFunction> selected = new ArrayList<>();
    for (int i : linking.index()) {
      if (i >= 0) {
        selected.add(functions.get(i));
      }
    }
    return ImportValues.builder().withFunctions(selected).build();
  }

  /**
   * A new instance; {@code context} is the call's (null for one built ahead, bound when its call
   * starts).
   */
  private Instance instantiate(CallContext context, LinearMemory[] memory, boolean initialize) {
    long tableEntries = guest.tableEntries();
    ImportValues imports = linking.shared();
    if (imports == null) {
      imports = select(linking, functions(instance -> context));
    }
    Instance.Builder builder = Instance.builder(guest.module())
        .withImportValues(imports)
        .withMachineFactory(guest.machine())
        .withInitialize(initialize)
        .withStart(false)
        // A copy of each table's limits per instance, capped: Chicory grows the limits object it is
        // given, which would otherwise be the module's, shared by every call.
        .withTableFactory((table, initial) -> new TableInstance(new Table(table.elementType(),
            new TableLimits(table.limits().min(), Math.min(table.limits().max(), tableEntries)),
            table.initialize()), initial));
    if (guest.interpreted()) {
      builder.withUnsafeExecutionListener(INTERRUPT_CHECK);
    }
    MemoryLimits limits = guest.memory();
    if (limits != null) {
      int moduleMax = guest.moduleMaxPages();
      builder.withMemoryLimits(limits).withMemoryFactory(l -> {
        // Bound before the instance is initialised: a start function may call imports.
        memory[0] = new LinearMemory(l, moduleMax, image);
        memory[0].bind(context);
        return memory[0];
      });
    }
    return builder.build();
  }

  /**
   * Runs {@code body} on an instance bound to the call's {@code context}: a ready one if the pool
   * has one (it serves this call only, and is dropped with it), else one built here. The watchdog
   * watches from before instantiation (data segments and a start function count against the call's
   * time) until {@code body} returns; it stops the call by interrupting this thread ({@link
   * CallInterrupter}). A {@code proc_exit} ends {@code body} with its status.
   *
   * @throws IsolaException for every way the call can fail
   */
  @SuppressWarnings("unchecked")
  final <T> Outcome<T> run(Call call, CallContext context, Function<Instance, T> body) {
    WasmCall<T> wasmCall = new WasmCall<>(call, context, body);
    try {
      return (Outcome<T>) runner.runHere(watchdog, wasmCall, call.deadlineNanos(), -1, call.limits(), wasmCall);
    } finally {
      wasmCall.finish();
      context.close();
    }
  }

  /**
   * One call as the runner sees it; {@code memory} is its instance's, once it has one. It is also
   * the call's {@link CallInterrupter} (made on the calling thread), so that a call allocates no
   * more objects than it did before the runner.
   */
  private static final class WasmCall<T> extends CallInterrupter {
    final Call call;
    final CallContext context;
    final Function<Instance, T> body;
    @org.jspecify.annotations.Nullable LinearMemory memory;

    WasmCall(Call call, CallContext context, Function<Instance, T> body) {
      this.call = call;
      this.context = context;
      this.body = body;
    }

    int refusedPages() {
      return memory == null ? 0 : memory.refusedPages();
    }
  }

  /** What the runner needs of this engine: instances, and what Chicory's failures are. */
  private final class Instances implements SandboxFactory<Ready, WasmCall<?>, Outcome<?>>,
      FailureClassifier<WasmCall<?>> {
    /** A new instance bound to the call: runs no guest code (the start function is not run). */
    @Override
    public Ready build(WasmCall<?> call) {
      LinearMemory[] memory = new LinearMemory[1];
      Instance instance = instantiate(call.context, memory, true);
      return new Ready(instance, memory[0]);
    }

    @Override
    public Outcome<?> run(Ready sandbox, boolean fresh, WasmCall<?> call, Watchdog.Guard guard) {
      call.call.capabilities().guarded(guard::expire); // a local component call stops with its caller
      call.memory = sandbox.memory();
      if (!fresh) {
        sandbox.memory().bind(call.context);
      }
      try {
        return new Outcome<>(call.body.apply(sandbox.instance()), 0, call.refusedPages());
      } catch (GuestExit e) {
        return new Outcome<>(null, e.status(), call.refusedPages());
      }
    }

    /** Nothing to release: the GC takes the instance. */
    @Override
    public void discard(Ready sandbox) {
    }

    @Override
    public Failure classify(Throwable e, WasmCall<?> call) {
      String name = guest.name();
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof IsolaException isola) {
          return Failure.decided(isola); // a host function or stream ended the call (limit, denied capability, bad argument)
        }
      }
      if (e instanceof OutOfMemoryError) {
        return Failure.resourceExhausted("");
      }
      if (call.refusedPages() > 0) {
        return Failure.decided(memoryRefused(call.refusedPages(), call.call));
      }
      if (e instanceof ChicoryInterruptedException || e.getCause() instanceof InterruptedException) {
        return Failure.interrupted(e);
      }
      if (e instanceof StackOverflowError || String.valueOf(e.getMessage()).contains("call stack exhausted")) {
        return Failure.stackOverflow();
      }
      if (e instanceof UnsupportedOperationException) {
        return Failure.guestError(name + " called a WASI function that Isola's WASI does not support: "
            + e.getMessage(), "", 500);
      }
      if (e instanceof ChicoryException) {
        return Failure.guestError(name + " trapped: " + e.getMessage(), "", 500);
      }
      StackTraceElement wasi = wasiFrame(e);
      if (wasi != null) {
        // Chicory's WASI trusts some guest arguments (an iovec length) and fails on absurd ones: the
        // guest's fault, reported as such (found by HostFunctionFuzzTest).
        return Failure.guestError(name + " passed WASI " + wasi.getMethodName() + " arguments it cannot handle ("
            + e.getClass().getSimpleName() + ")", "", 500);
      }
      return Failure.internal(String.valueOf(e), e);
    }
  }

  // ---- instances built ahead ("fresh, but ready") ----

  /** An instance built ahead, initialised (memory, tables, data segments) but bound to no call yet. */
  record Ready(Instance instance, LinearMemory memory) {}


  /**
   * Keeps instances of this module built ahead of its calls, if {@code preparer} builds any and the
   * module allows it. A module with a start function never is (its start must run inside a call,
   * under the call's limits), nor one without a memory (its instance has no slot for the call's
   * host functions). Building one runs no guest code: it allocates the memory and tables and
   * copies in the data and element segments, what Chicory does before a start function.
   */
  final void prepareAhead(SandboxPreparer preparer) {
    prepareAhead(preparer, this::buildReady);
  }

  /** As {@link #prepareAhead(SandboxPreparer)}, building with {@code build} (tests make it fail). */
  final void prepareAhead(SandboxPreparer preparer, Supplier<Ready> build) {
    if (preparer.perRoute() > 0 && guest.memory() != null && guest.module().startSection().isEmpty()) {
      runner.prepareAhead(preparer, build);
    }
  }

  private Ready buildReady() {
    LinearMemory[] memory = new LinearMemory[1];
    Instance instance = instantiate(null, memory, true);
    return new Ready(instance, memory[0]);
  }

  /** How many instances are ready now (for tests); 0 if none are built ahead. */
  final int readyCount() {
    return runner.readyCount();
  }

  /** Discards the ready instances and builds no more. */
  final void closePool() {
    runner.closePool();
  }

  /** The frame of Chicory's WASI where {@code e} was thrown, if it was thrown there. */
  private static StackTraceElement wasiFrame(Throwable e) {
    StackTraceElement[] stack = e.getStackTrace();
    return stack.length > 0 && stack[0].getClassName().startsWith("com.dylibso.chicory.wasi.") ? stack[0] : null;
  }

  /** The call failed after a {@code memory.grow} to {@code pages} was refused by the memory limit. */
  final LimitExceededException memoryRefused(int pages, Call call) {
    return new LimitExceededException(guest.route(), Limit.MEMORY, guest.name() + " failed after its memory.grow to "
        + pages + " pages (" + WasmEngine.mib(pages) + ") was refused: the route's memory limit is "
        + call.limits().memory() + "; raise memory for this route or make the module use less");
  }
}
