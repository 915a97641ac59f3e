package dev.isola.jmh;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.HostFunction;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.FunctionType;
import com.dylibso.chicory.wasm.types.ValType;
import dev.isola.DataSize;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.LimitExceededException;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.Response;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One WebAssembly call, end to end through {@link Isola#handle}, next to its peers in the same run.
 * The modules are the test fixtures, read from {@code src-test/wasm} (run from the project root).
 *
 * <ul>
 *   <li>Saturated regime (every call builds its own instance: {@code readySandboxes(0)}):
 *       {@code isolaPage} and {@code isolaData64k} run the one-page Extism plugins bench-page.wasm
 *       and bench-data64k.wasm (the same plus a 64 KiB data segment); {@code rawChicoryPage} and
 *       {@code rawChicoryData64k} instantiate the same modules with raw Chicory (compiled once with
 *       {@code MachineFactoryCompiler}, a fresh {@code Instance} per call, stub host functions);
 *       {@code isolaWagi} runs wagi-hello.wasm (a C WAGI program) and {@code rawChicoryWagi} the
 *       same with a fresh Chicory {@code WasiPreview1} and instance per call, stdout into a byte
 *       array (what Isola does minus routing, CGI and limits); {@code isolaExtism} runs
 *       extism-greet.wasm (a C Extism plugin).
 *   <li>Memory-heavy: {@code isolaMalloc} and {@code rawChicoryMalloc} run wagi-malloc.wasm, which
 *       writes 1 MiB blocks (i64 stores) until its 32 MiB cap refuses to grow: the cost of Isola's
 *       lazily allocated memory per access, against Chicory's own.
 *   <li>Half load ({@code readySandboxes(1)}, a pause of 200 µs before each call, spinning, so that
 *       the route's ready instance has been built on the other core): {@code readyPage} and {@code
 *       readyWagi}, the latency of a call that finds its instance ready. {@code -p readySandboxes=0,1}
 *       adds the same calls without ready instances. Run them with {@code -bm sample} for
 *       percentiles; JMH times each invocation on its own, which adds a little to each.
 *   <li>{@code javaLambda}: a plain Java handler, the floor.
 * </ul>
 *
 * <pre>
 * bin/mvn -q -DskipTests install && (cd jmh && ../bin/mvn -q package)
 * java -jar jmh/target/benchmarks.jar WasmCallBenchmark -prof gc
 * java -jar jmh/target/benchmarks.jar WasmCallBenchmark -prof gc -wi 3 -i 5 -w 1 -r 2 -f 1   # shorter
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dpolyglot.engine.WarnInterpreterOnly=false", "--enable-native-access=ALL-UNNAMED"})
public class WasmCallBenchmark {
  private static final Request WAGI = Request.get("/wagi");
  private static final Request EXTISM = Request.post("/extism", "bench");
  private static final Request PAGE = Request.post("/page", "");
  private static final Request DATA64K = Request.post("/data64k", "");
  private static final Request MALLOC = Request.get("/malloc");
  /** Pages wagi-malloc.wasm may use: it writes 1 MiB blocks until malloc fails (about 31 MiB). */
  private static final int MALLOC_PAGES = 512;

  private Isola isola;
  private Raw rawWagi;
  private Raw rawPage;
  private Raw rawData64k;
  private Raw rawMalloc;
  private ImportValues stubs;
  private Function<Request, Response> lambda;

  /** A module parsed and compiled once, as Isola keeps it. */
  private record Raw(WasmModule module, Function<Instance, Machine> machine) {
    static Raw of(String fixture) {
      try {
        WasmModule module = Parser.parse(Files.readAllBytes(fixture(fixture)));
        return new Raw(module, MachineFactoryCompiler.compile(module));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  @Setup(Level.Trial)
  public void setUp() {
    isola = routes(Isola.newBuilder().readySandboxes(0)).build();
    rawWagi = Raw.of("wagi-hello.wasm");
    rawPage = Raw.of("bench-page.wasm");
    rawData64k = Raw.of("bench-data64k.wasm");
    rawMalloc = Raw.of("wagi-malloc.wasm");
    stubs = ImportValues.builder()
        .addFunction(stub("alloc", FunctionType.of(List.of(ValType.I64), List.of(ValType.I64)), new long[] {4096}))
        .addFunction(stub("store_u8", FunctionType.of(List.of(ValType.I64, ValType.I32), List.of()), null))
        .addFunction(stub("output_set", FunctionType.of(List.of(ValType.I64, ValType.I64), List.of()), null))
        .build();
    lambda = r -> Response.of(200, "hello from wagi\n");
    check(isola);
  }

  static Isola.Builder routes(Isola.Builder builder) {
    return builder
        .route("GET /wagi", Handler.wasm(fixture("wagi-hello.wasm")))
        .route("POST /extism", Handler.wasm(fixture("extism-greet.wasm")).export("greet"))
        .route("POST /page", Handler.wasm(fixture("bench-page.wasm")).export("handle"))
        .route("POST /data64k", Handler.wasm(fixture("bench-data64k.wasm")).export("handle"))
        .route("GET /malloc", Handler.wasm(fixture("wagi-malloc.wasm")).limits(Limits.defaults().toBuilder()
            .memory(DataSize.ofBytes(MALLOC_PAGES * 65536L)).timeout(Duration.ofSeconds(30)).build()));
  }

  static void check(Isola isola) {
    if (isola.handle(WAGI).status() != 200 || !isola.handle(EXTISM).bodyText().equals("Hello, bench!")
        || !isola.handle(PAGE).bodyText().equals("ok") || !isola.handle(DATA64K).bodyText().equals("ok")) {
      throw new IllegalStateException("the benchmark routes do not answer as expected");
    }
  }

  private static HostFunction stub(String name, FunctionType type, long[] result) {
    return new HostFunction("extism:host/env", name, type, (instance, args) -> result);
  }

  static Path fixture(String name) {
    for (Path dir : List.of(Path.of("src-test/wasm"), Path.of("../src-test/wasm"))) {
      if (Files.isRegularFile(dir.resolve(name))) {
        return dir.resolve(name);
      }
    }
    throw new IllegalStateException(name + " not found: run the benchmarks from the project root");
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    isola.close();
  }

  /** The pause before each half-load call: long enough for the preparer to build an instance. */
  private static final long PAUSE_NANOS = 200_000;

  /** An Isola whose routes keep one instance ready, and a pause before each call to let it be built. */
  @State(Scope.Benchmark)
  public static class HalfLoad {
    Isola isola;

    /** Instances each route keeps ready: 1, or 0 to see what the pause alone costs a call. */
    @Param({"1"})
    int readySandboxes;

    @Setup(Level.Trial)
    public void setUp() {
      isola = routes(Isola.newBuilder().readySandboxes(readySandboxes)).build();
      check(isola);
    }

    /**
     * Gives the preparer time to build the next instance. The thread spins rather than sleeps: after
     * a sleep, the first call pays for waking the idle CPU and threads (tens of µs on a small VM),
     * which is not what this measures.
     */
    @Setup(Level.Invocation)
    public void pause() {
      long end = System.nanoTime() + PAUSE_NANOS;
      while (System.nanoTime() < end) {
        Thread.onSpinWait();
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      isola.close();
    }
  }

  @Benchmark
  public Response isolaWagi() {
    return isola.handle(WAGI);
  }

  @Benchmark
  public Response isolaExtism() {
    return isola.handle(EXTISM);
  }

  @Benchmark
  public Response isolaPage() {
    return isola.handle(PAGE);
  }

  @Benchmark
  public Response isolaData64k() {
    return isola.handle(DATA64K);
  }

  @Benchmark
  public Response readyPage(HalfLoad halfLoad) {
    return halfLoad.isola.handle(PAGE);
  }

  @Benchmark
  public Response readyWagi(HalfLoad halfLoad) {
    return halfLoad.isola.handle(WAGI);
  }

  @Benchmark
  public long rawChicoryPage() {
    return runPlugin(rawPage);
  }

  @Benchmark
  public long rawChicoryData64k() {
    return runPlugin(rawData64k);
  }

  private long runPlugin(Raw raw) {
    Instance instance = Instance.builder(raw.module()).withImportValues(stubs).withMachineFactory(raw.machine()).build();
    return instance.export("handle").apply()[0];
  }

  @Benchmark
  public byte[] rawChicoryWagi() {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    WasiOptions options = WasiOptions.builder().withStdout(stdout).withStderr(stdout)
        .withStdin(new ByteArrayInputStream(new byte[0])).withArguments(List.of("hello")).build();
    try (WasiPreview1 wasi = WasiPreview1.builder().withOptions(options).build()) {
      Instance instance = Instance.builder(rawWagi.module())
          .withImportValues(ImportValues.builder().addFunction(wasi.toHostFunctions()).build())
          .withMachineFactory(rawWagi.machine())
          .withStart(false)
          .build();
      try {
        instance.export("_start").apply();
      } catch (WasiExitException e) {
        // exit(0)
      }
    }
    return stdout.toByteArray();
  }

  /** Memory-heavy: about 31 MiB written with i64.store, then a refused memory.grow. */
  @Benchmark
  public Object isolaMalloc() {
    try {
      return isola.handle(MALLOC);
    } catch (LimitExceededException expected) {
      return expected;
    }
  }

  /** The same module on raw Chicory (its ByteArrayMemory, the same page cap). */
  @Benchmark
  public int rawChicoryMalloc() {
    WasiOptions options = WasiOptions.builder().withArguments(List.of("malloc")).build();
    try (WasiPreview1 wasi = WasiPreview1.builder().withOptions(options).build()) {
      Instance instance = Instance.builder(rawMalloc.module())
          .withImportValues(ImportValues.builder().addFunction(wasi.toHostFunctions()).build())
          .withMachineFactory(rawMalloc.machine())
          .withMemoryLimits(new com.dylibso.chicory.wasm.types.MemoryLimits(2, MALLOC_PAGES))
          .withStart(false)
          .build();
      instance.export("_start").apply();
      return 0;
    } catch (WasiExitException e) {
      return e.exitCode();
    }
  }

  @Benchmark
  public Response javaLambda() {
    return lambda.apply(WAGI);
  }
}
