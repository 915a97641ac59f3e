package dev.isola.jmh;

import com.sun.net.httpserver.HttpServer;
import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.server.DevServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
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
 * What a component call costs, next to its peers in the same run. The caller is {@code
 * bench-call.wasm}, an Extism plugin whose {@code call} export sends {@code GET
 * http://callee.internal/x} through {@code isola:host/http} and outputs the answer's body, and whose
 * {@code alone} export outputs {@code ok} without calling; every Isola builds each sandbox in its
 * call ({@code readySandboxes(0)}, the saturated regime of the other call benchmarks).
 *
 * <ul>
 *   <li>In-process: {@code directWasmCallee} and {@code directJsCallee} call the callee as a route
 *       through {@link Isola#handle} ({@code bench-page.wasm} answering {@code ok}, and the trivial
 *       JavaScript handler answering {@code hello}); {@code wasmCallerAlone} is the caller without
 *       its call; {@code wasmCallerToWasm} and {@code wasmCallerToJs} the caller calling the same
 *       callees as component {@code callee}. So a local call costs {@code (wasmCallerToWasm -
 *       wasmCallerAlone) / directWasmCallee} times a direct call of its callee (and the same for
 *       JavaScript). {@code jsCallerToJs} is what users write: a JavaScript route awaiting {@code
 *       env.callee.fetch("/x")} of the trivial JavaScript component, two fresh contexts per call.
 *   <li>Over loopback: {@code wasmCallerToRemote} is the same caller on a front Isola that serves no
 *       component and calls {@code callee} ({@code bench-page.wasm}) on a second Isola behind a
 *       {@link DevServer} on 127.0.0.1, both with the same node key; its peer {@code plainHttpClient}
 *       is a {@code java.net.http.HttpClient} (HTTP/1.1, as Isola's remote calls) GET to the JDK's
 *       {@code HttpServer} on 127.0.0.1 answering the same body, {@code ok}, from a pool of threads
 *       as the dev server does. A remote call costs {@code (wasmCallerToRemote - wasmCallerAlone) /
 *       plainHttpClient} times that plain HTTP call.
 * </ul>
 *
 * <pre>
 * bin/mvn -q -DskipTests install && (cd jmh && ../bin/mvn -q package)
 * java -jar jmh/target/benchmarks.jar ComponentCallBenchmark -prof gc
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Dpolyglot.engine.WarnInterpreterOnly=false", "--enable-native-access=ALL-UNNAMED"})
public class ComponentCallBenchmark {
  /** The key both nodes of the remote case sign and check their calls with: a benchmark's, not a secret. */
  static final String NODE_KEY = "a-node-key-of-at-least-32-bytes-for-benchmarks-only";

  /** Awaits component callee's answer to /x and answers its body. */
  static final String JS_CALLER = """
      export default {
        async fetch(request, env, ctx) {
          const r = await env.callee.fetch("/x");
          return new Response(await r.text(), { status: r.status });
        }
      };
      """;

  private static final Request CALLEE = Request.get("/x");
  private static final Request CALL = Request.post("/call", "");
  private static final Request ALONE = Request.post("/alone", "");
  private static final Request JS_CALL = Request.get("/js-call");

  static Handler wasmCalleeHandler() {
    return Handler.wasm(Fixtures.wasm("bench-page.wasm")).export("handle");
  }

  static Handler jsCalleeHandler() {
    return Handler.javascript("callee.js", JsHandlers.TRIVIAL);
  }

  /** The callee as a route and as component callee, and the callers of component callee. */
  static Isola.Builder world(Isola.Builder builder, Handler callee) {
    Handler caller = Handler.wasm(Fixtures.wasm("bench-call.wasm"));
    return builder.readySandboxes(0)
        .route("GET /x", callee)
        .component("callee", callee)
        .route("POST /call", caller.export("call").grants(Grants.calls("callee")))
        .route("POST /alone", caller.export("alone"))
        .route("GET /js-call", Handler.javascript("caller.js", JS_CALLER).grants(Grants.calls("callee")));
  }

  static void expect(Isola isola, Request request, String body) {
    Response response = isola.handle(request);
    if (response.status() != 200 || !response.bodyText().equals(body)) {
      throw new IllegalStateException(request.method() + " " + request.target() + " answered " + response.status()
          + " " + response.bodyText() + ", not 200 " + body);
    }
  }

  /** In-process, component callee is {@code bench-page.wasm}. */
  @State(Scope.Benchmark)
  public static class WasmCallee {
    Isola isola;

    @Setup(Level.Trial)
    public void setUp() {
      isola = world(Isola.newBuilder(), wasmCalleeHandler()).build();
      expect(isola, CALLEE, "ok");
      expect(isola, ALONE, "ok");
      expect(isola, CALL, "ok");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      isola.close();
    }
  }

  /** In-process, component callee is the trivial JavaScript handler. */
  @State(Scope.Benchmark)
  public static class JsCallee {
    Isola isola;

    @Setup(Level.Trial)
    public void setUp() {
      isola = world(Isola.newBuilder(), jsCalleeHandler()).build();
      expect(isola, CALLEE, "hello");
      expect(isola, CALL, "hello");
      expect(isola, JS_CALL, "hello");
      // GraalJS runs interpreted here, and the JVM compiles its interpreter only after many calls:
      // three seconds of every JavaScript path first, as JsCallBenchmark does.
      long end = System.nanoTime() + 3_000_000_000L;
      while (System.nanoTime() < end) {
        isola.handle(CALLEE);
        isola.handle(CALL);
        isola.handle(JS_CALL);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      isola.close();
    }
  }

  /**
   * Over loopback: a front Isola serving no component, the node behind a dev server that serves
   * component callee ({@code bench-page.wasm}), and the peer, a JDK {@code HttpServer} and a {@code
   * java.net.http} client.
   */
  @State(Scope.Benchmark)
  public static class Remote {
    Isola back;
    DevServer backServer;
    Isola front;
    HttpServer plainServer;
    ExecutorService plainPool;
    HttpClient client;
    HttpRequest plainGet;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
      InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
      back = Isola.newBuilder().readySandboxes(0).nodeKey(NODE_KEY).component("callee", wasmCalleeHandler()).build();
      backServer = DevServer.start(back, loopback);
      front = world(Isola.newBuilder(), wasmCalleeHandler()).nodeKey(NODE_KEY).serveComponents()
          .remote("callee", backServer.uri().toString()).build();
      expect(front, CALL, "ok");

      plainPool = HttpServers.plainPool();
      plainServer = HttpServers.plainServer(loopback, plainPool);
      client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1).build();
      plainGet = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + plainServer.getAddress().getPort() + "/x"))
          .timeout(Duration.ofSeconds(30)).GET().build();
      if (!plainGet().equals("ok")) {
        throw new IllegalStateException("the plain HttpServer does not answer \"ok\"");
      }
    }

    String plainGet() {
      try {
        HttpResponse<byte[]> response = client.send(plainGet, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() != 200) {
          throw new IllegalStateException("the plain HttpServer answered " + response.statusCode());
        }
        return new String(response.body(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      front.close();
      backServer.close();
      back.close();
      client.close();
      plainServer.stop(0);
      plainPool.shutdownNow();
    }
  }

  @Benchmark
  public Response directWasmCallee(WasmCallee local) {
    return local.isola.handle(CALLEE);
  }

  @Benchmark
  public Response directJsCallee(JsCallee local) {
    return local.isola.handle(CALLEE);
  }

  @Benchmark
  public Response wasmCallerAlone(WasmCallee local) {
    return local.isola.handle(ALONE);
  }

  @Benchmark
  public Response wasmCallerToWasm(WasmCallee local) {
    return local.isola.handle(CALL);
  }

  @Benchmark
  public Response wasmCallerToJs(JsCallee local) {
    return local.isola.handle(CALL);
  }

  @Benchmark
  public Response jsCallerToJs(JsCallee local) {
    return local.isola.handle(JS_CALL);
  }

  @Benchmark
  public Response wasmCallerToRemote(Remote remote) {
    return remote.front.handle(CALL);
  }

  @Benchmark
  public String plainHttpClient(Remote remote) {
    return remote.plainGet();
  }
}
