package dev.isola.jmh;

import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.kv.KeyValueStore;
import dev.isola.kv.KeyValueStores;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
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
 * What one key-value get costs a guest: each call does {@code gets} gets of the same key from an
 * in-memory store, so one get costs {@code (t(1000) - t(0)) / 1000} and the sandbox's own cost
 * cancels out. From WebAssembly ({@code bench-kv.wasm}, an Extism plugin importing {@code
 * isola:host/kv get}), from JavaScript ({@code await env.KV.get(key)}), and the peer: the same
 * gets on the same {@link KeyValueStore} from a plain Java lambda. The count travels as the request
 * body, so both {@code gets} values run the same route and module.
 *
 * <pre>
 * java -jar jmh/target/benchmarks.jar CapabilityBenchmark -prof gc
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dpolyglot.engine.WarnInterpreterOnly=false", "--enable-native-access=ALL-UNNAMED"})
public class CapabilityBenchmark {
  /** Reads its count from the body and gets the key that many times, awaiting each. */
  static final String JS_KV_GETS = """
      export default {
        async fetch(request, env, ctx) {
          const n = Number(await request.text());
          let found = 0;
          for (let i = 0; i < n; i++) {
            if ((await env.KV.get("bench")) !== null) found++;
          }
          return new Response(found === n ? "ok" : "missing");
        }
      };
      """;

  @Param({"0", "1000"})
  public int gets;

  private KeyValueStore store;
  private Isola isola;
  private Request wasm;
  private Request js;
  private Function<Request, Response> lambda;

  @Setup(Level.Trial)
  public void setUp() {
    store = KeyValueStores.inMemory();
    store.put("bench", "a value of 24 bytes.....".getBytes(StandardCharsets.UTF_8));
    isola = Isola.newBuilder()
        .store("main", store)
        .route("POST /wasm", Handler.wasm(Fixtures.wasm("bench-kv.wasm")).export("handle")
            .grants(Grants.keyValue("main")))
        .route("POST /js", Handler.javascript("kv-gets.js", JS_KV_GETS).grants(Grants.keyValue("main")))
        .build();
    String count = Integer.toString(gets);
    wasm = Request.post("/wasm", count);
    js = Request.post("/js", count);
    lambda = request -> {
      int n = Integer.parseInt(request.bodyText());
      int found = 0;
      for (int i = 0; i < n; i++) {
        Optional<byte[]> value = store.get("bench");
        if (value.isPresent()) {
          found++;
        }
      }
      return Response.of(200, found == n ? "ok" : "missing");
    };
    for (Request request : new Request[] {wasm, js}) {
      Response response = isola.handle(request);
      if (response.status() != 200 || !response.bodyText().equals("ok")) {
        throw new IllegalStateException(request + " answered " + response.status() + " " + response.bodyText());
      }
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    isola.close();
    store.close();
  }

  @Benchmark
  public Response wasmKvGets() {
    return isola.handle(wasm);
  }

  @Benchmark
  public Response jsKvGets() {
    return isola.handle(js);
  }

  @Benchmark
  public Response javaKvGets() {
    return lambda.apply(js);
  }
}
