package dev.isola.jmh;

import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.Response;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Calls per second through one shared {@link Isola} from 1 and from 2 threads, for a small Wasm route
 * ({@code bench-page.wasm}, an Extism plugin answering "ok") and a small JavaScript route (the
 * trivial handler of {@link JsHandlers}), next to a plain Java lambda. Each pair of methods differs
 * only in {@code @Threads}, so the 2-versus-1 ratio comes out of one run. {@code readySandboxes} is
 * a parameter: with 0 each caller builds its own sandboxes, so one caller uses one core and the
 * ratio shows how calls scale; with 1 (the default) the preparer thread builds sandboxes on another
 * core for a single caller too, so one caller already uses more than one core.
 *
 * <pre>
 * bin/mvn -q -DskipTests install && (cd jmh && ../bin/mvn -q package)
 * java -jar jmh/target/benchmarks.jar ThroughputBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dpolyglot.engine.WarnInterpreterOnly=false", "--enable-native-access=ALL-UNNAMED"})
public class ThroughputBenchmark {
  @Param({"0", "1"})
  public int readySandboxes;

  private Isola isola;
  private Request wasm;
  private Request js;
  private Function<Request, Response> lambda;

  @Setup(Level.Trial)
  public void setUp() {
    isola = Isola.newBuilder().readySandboxes(readySandboxes)
        .route("GET /wasm", Handler.wasm(Fixtures.wasm("bench-page.wasm")).export("handle"))
        .route("GET /js", Handler.javascript("trivial.js", JsHandlers.TRIVIAL))
        .build();
    wasm = Request.get("/wasm");
    js = Request.get("/js");
    lambda = r -> Response.of(200, "ok");
    if (!isola.handle(wasm).bodyText().equals("ok") || !isola.handle(js).bodyText().equals("hello")) {
      throw new IllegalStateException("the benchmark routes do not answer as expected");
    }
    // Interpreted GraalJS warms up slowly (the JVM compiles its interpreter after many calls): a few
    // seconds of JS calls first, so the 1- and 2-thread runs both start warm.
    long end = System.nanoTime() + 3_000_000_000L;
    while (System.nanoTime() < end) {
      isola.handle(js);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    isola.close();
  }

  @Benchmark
  @Threads(1)
  public Response wasm1Thread() {
    return isola.handle(wasm);
  }

  @Benchmark
  @Threads(2)
  public Response wasm2Threads() {
    return isola.handle(wasm);
  }

  @Benchmark
  @Threads(1)
  public Response js1Thread() {
    return isola.handle(js);
  }

  @Benchmark
  @Threads(2)
  public Response js2Threads() {
    return isola.handle(js);
  }

  @Benchmark
  @Threads(1)
  public Response javaLambda1Thread() {
    return lambda.apply(wasm);
  }

  @Benchmark
  @Threads(2)
  public Response javaLambda2Threads() {
    return lambda.apply(wasm);
  }
}
