package dev.isola.jmh;

import java.io.OutputStream;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.SandboxPolicy;
import org.graalvm.polyglot.Source;
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
 * What each GraalJS context option costs or saves on a fresh context per call (CONSTRAINED sandbox,
 * shared engine, a trivial module evaluated and called). Options the CONSTRAINED policy refuses
 * (e.g. {@code js.intl-402}, {@code js.temporal}, {@code js.annex-b}) cannot be measured here.
 *
 * <pre>
 * java -Dpolyglot.engine.WarnInterpreterOnly=false -jar jmh/target/benchmarks.jar JsContextOptionsBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dpolyglot.engine.WarnInterpreterOnly=false", "--enable-native-access=ALL-UNNAMED"})
public class JsContextOptionsBenchmark {
  @Param({"base", "trimmed", "load=false", "print=false", "console=false", "graal-builtin=false",
      "webassembly=false", "text-encoding=true", "ecmascript-version=2022"})
  public String options;

  private Engine engine;
  private Source module;
  private Map<String, String> settings;

  @Setup(Level.Trial)
  public void setUp() {
    engine = Engine.newBuilder("js").sandbox(SandboxPolicy.CONSTRAINED)
        .out(OutputStream.nullOutputStream()).err(OutputStream.nullOutputStream()).build();
    module = Source.newBuilder("js", "export default { fetch(r) { return 'hello'; } };", "trivial.mjs").buildLiteral();
    settings = switch (options) {
      case "base" -> JsContexts.BASE;
      case "trimmed" -> JsContexts.TRIMMED;
      default -> {
        Map<String, String> m = new HashMap<>(JsContexts.BASE);
        String[] kv = options.split("=", 2);
        m.put("js." + kv[0], kv[1]);
        yield m;
      }
    };
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    engine.close();
  }

  @Benchmark
  public boolean freshContext() {
    try (Context context = JsContexts.newContext(engine, settings)) {
      return context.eval(module).getMember("default").invokeMember("fetch", "x").isString();
    }
  }
}
