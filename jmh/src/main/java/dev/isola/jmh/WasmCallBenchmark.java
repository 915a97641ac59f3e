package dev.isola.jmh;

import com.dylibso.chicory.compiler.MachineFactoryCompiler;
import com.dylibso.chicory.runtime.ImportValues;
import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasi.WasiExitException;
import com.dylibso.chicory.wasi.WasiOptions;
import com.dylibso.chicory.wasi.WasiPreview1;
import com.dylibso.chicory.wasm.Parser;
import com.dylibso.chicory.wasm.WasmModule;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.Response;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One WebAssembly call, end to end through {@link Isola#handle}, next to its peers in the same run:
 * raw Chicory running the same WAGI module (compiled once, a fresh WASI and instance per call, stdout
 * into a byte array: what Isola does minus routing, CGI and limits) and a plain Java lambda. The
 * modules are the test fixtures, read from {@code src-test/wasm} (run from the project root).
 *
 * <pre>
 * bin/mvn -q -DskipTests install && (cd jmh && ../bin/mvn -q package)
 * java -jar jmh/target/benchmarks.jar WasmCallBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dpolyglot.engine.WarnInterpreterOnly=false", "--enable-native-access=ALL-UNNAMED"})
public class WasmCallBenchmark {
  private Isola isola;
  private Request wagi;
  private Request extism;
  private WasmModule rawModule;
  private Function<Instance, Machine> rawMachine;
  private Function<Request, Response> lambda;

  @Setup(Level.Trial)
  public void setUp() {
    isola = Isola.newBuilder()
        .route("GET /wagi", Handler.wasm(fixture("wagi-hello.wasm")))
        .route("POST /extism", Handler.wasm(fixture("extism-greet.wasm")).export("greet"))
        .build();
    wagi = Request.get("/wagi");
    extism = Request.post("/extism", "bench");
    try {
      rawModule = Parser.parse(Files.readAllBytes(fixture("wagi-hello.wasm")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    rawMachine = MachineFactoryCompiler.compile(rawModule);
    lambda = r -> Response.of(200, "hello from wagi\n");
    if (isola.handle(wagi).status() != 200 || !isola.handle(extism).bodyText().equals("Hello, bench!")) {
      throw new IllegalStateException("the benchmark routes do not answer as expected");
    }
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

  @Benchmark
  public Response isolaWagi() {
    return isola.handle(wagi);
  }

  @Benchmark
  public Response isolaExtism() {
    return isola.handle(extism);
  }

  @Benchmark
  public byte[] rawChicoryWagi() {
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    WasiOptions options = WasiOptions.builder().withStdout(stdout).withStderr(stdout)
        .withStdin(new ByteArrayInputStream(new byte[0])).withArguments(List.of("hello")).build();
    try (WasiPreview1 wasi = WasiPreview1.builder().withOptions(options).build()) {
      Instance instance = Instance.builder(rawModule)
          .withImportValues(ImportValues.builder().addFunction(wasi.toHostFunctions()).build())
          .withMachineFactory(rawMachine)
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

  @Benchmark
  public Response javaLambda() {
    return lambda.apply(wagi);
  }
}
