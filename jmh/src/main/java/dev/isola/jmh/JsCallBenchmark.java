package dev.isola.jmh;

import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.Response;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.SandboxPolicy;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;
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
 * One JavaScript call, end to end through {@link Isola#handle}, next to its peers in the same run:
 * raw GraalJS with a fresh context per call on a shared engine (what Isola does, minus routing and
 * the Web API runtime), a reused context (the non-fresh lower bound), and a plain Java lambda.
 * {@code isolaHandle} builds every context in its call (the saturated regime); {@code
 * isolaHandleReady} finds one built ahead (half load).
 *
 * <pre>
 * bin/mvn -q -DskipTests install && (cd jmh && ../bin/mvn -q package)
 * java -Dpolyglot.engine.WarnInterpreterOnly=false -jar jmh/target/benchmarks.jar JsCallBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dpolyglot.engine.WarnInterpreterOnly=false", "--enable-native-access=ALL-UNNAMED"})
public class JsCallBenchmark {
  @Param({"trivial", "work"})
  public String handler;

  /** Every call builds its own context (readySandboxes(0)): the saturated regime. */
  private Isola isola;
  /** Contexts built ahead (readySandboxes(1)), measured with idle time between calls: half load. */
  private Isola ready;
  private Request request;
  private Engine engine;
  private Source module;
  private Context reused;
  private Value reusedFetch;
  private Function<Request, Response> lambda;

  @Setup(Level.Trial)
  public void setUp() {
    isola = Isola.newBuilder().readySandboxes(0)
        .route("GET /bench", Handler.javascript(handler + ".js", JsHandlers.code(handler))).build();
    ready = Isola.newBuilder().readySandboxes(1)
        .route("GET /bench", Handler.javascript(handler + ".js", JsHandlers.code(handler))).build();
    request = Request.get("/bench");
    engine = Engine.newBuilder("js").sandbox(SandboxPolicy.CONSTRAINED)
        .out(OutputStream.nullOutputStream()).err(OutputStream.nullOutputStream()).build();
    // The raw peers have no Web API runtime: give them a minimal Response so the same code runs.
    String raw = "globalThis.Response = class { constructor(b) { this.body = b; } };\n" + JsHandlers.code(handler);
    module = Source.newBuilder("js", raw, handler + ".mjs").buildLiteral();
    // GraalJS runs interpreted here, and the JVM compiles its interpreter only after many calls:
    // a few seconds of calls first, so that the measured iterations (few calls each for the work
    // handler and for the half-load pause) start warm.
    warmUp(isola);
    warmUp(ready);
    reused = JsContexts.newContext(engine, JsContexts.TRIMMED);
    reusedFetch = reused.eval(module).getMember("default");
    lambda = r -> Response.of(200, "hello");
  }

  /** Calls {@code target} for three seconds. */
  static void warmUp(Isola target) {
    Request get = Request.get("/bench");
    long end = System.nanoTime() + 3_000_000_000L;
    while (System.nanoTime() < end) {
      target.handle(get);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    isola.close();
    ready.close();
    reused.close();
    engine.close();
  }

  @Benchmark
  public Response isolaHandle() {
    return isola.handle(request);
  }

  /**
   * Half load: an untimed pause of 1 ms before each call leaves the preparer time to build the next
   * context on the other core, so the call finds one ready (still fresh: it serves this call only).
   * The thread spins rather than sleeps: after a sleep, the call would also pay for waking an idle
   * CPU, which is not what this measures.
   */
  @State(Scope.Thread)
  public static class Pause {
    @Setup(Level.Invocation)
    public void pause() {
      long end = System.nanoTime() + 1_000_000;
      while (System.nanoTime() < end) {
        Thread.onSpinWait();
      }
    }
  }

  @Benchmark
  public Response isolaHandleReady(Pause pause) {
    return ready.handle(request);
  }

  @Benchmark
  public Object rawGraalJsFreshContext() {
    try (Context context = JsContexts.newContext(engine, JsContexts.TRIMMED)) {
      Value fetch = context.eval(module).getMember("default");
      return fetch.invokeMember("fetch", "GET /bench").isNull();
    }
  }

  @Benchmark
  public Object rawGraalJsReusedContext() {
    return reusedFetch.invokeMember("fetch", "GET /bench").isNull();
  }

  @Benchmark
  public Response javaLambda() {
    return lambda.apply(request);
  }
}
