package dev.isola.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Limits;
import dev.isola.server.TestHttp.Reply;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * WebAssembly routes over real HTTP on loopback: the bundled samples (both ABIs, routed by {@code
 * samples/isola.toml}) and hostile fixtures, whose failures become statuses without guest internals.
 */
class WasmDevServerTest {
  private static final Path WASM = Path.of("src-test/wasm");

  private static Isola samples;
  private static DevServer samplesServer;
  private static Isola hostile;
  private static DevServer hostileServer;

  @BeforeAll
  static void start() {
    samples = Manifest.load(Path.of("samples/isola.toml")).build();
    samplesServer = DevServer.start(samples, new InetSocketAddress("127.0.0.1", 0));
    hostile = Isola.newBuilder()
        .route("/loop", Handler.wasm(WASM.resolve("wagi-loop.wasm"))
            .limits(Limits.newBuilder().timeout(Duration.ofMillis(200)).build()))
        .route("/bad-cgi", Handler.wasm(WASM.resolve("wagi-bad-cgi.wasm")))
        .route("/trap", Handler.wasm(WASM.resolve("wagi-trap-unreachable.wasm")))
        .route("/fail", Handler.wasm(WASM.resolve("extism-error.wasm")).export("fail"))
        .route("/hello", Handler.wasm(WASM.resolve("wagi-hello.wasm")))
        .build();
    hostileServer = DevServer.start(hostile, new InetSocketAddress("127.0.0.1", 0));
  }

  @AfterAll
  static void stop() {
    samplesServer.close();
    samples.close();
    hostileServer.close();
    hostile.close();
  }

  private static URI sample(String target) {
    return samplesServer.uri().resolve(target);
  }

  @Test
  void wagiSample_greetsTheNameInThePath() throws IOException {
    Reply reply = TestHttp.get(sample("/wasm/hello/world?lang=c"));
    assertEquals(200, reply.status());
    assertTrue(reply.body().contains("world"), reply.body());
    assertTrue(reply.body().contains("lang=c"), reply.body());
  }

  @Test
  void extismSample_answersJsonWithItsHeader() throws IOException {
    Reply reply = TestHttp.post(sample("/wasm/greet"), Map.of(), "Ada");
    assertEquals(200, reply.status());
    assertEquals("{\"greeting\":\"Hello, Ada!\"}", reply.body());
    assertEquals("application/json", reply.headers().get("content-type").get(0));
  }

  @Test
  void extismSample_withoutInput_usesItsConfig() throws IOException {
    Reply reply = TestHttp.post(sample("/wasm/greet"), Map.of(), "");
    assertEquals("{\"greeting\":\"Hello, stranger!\"}", reply.body());
  }

  @Test
  void extismSample_pluginError_is500WithoutItsMessage() throws IOException {
    Reply reply = TestHttp.post(sample("/wasm/greet"), Map.of(), "x".repeat(101));
    assertEquals(500, reply.status());
  }

  @Test
  void visitsSample_countsInItsGrantedStore() throws IOException {
    String first = TestHttp.get(sample("/wasm/visits/home")).body();
    String second = TestHttp.get(sample("/wasm/visits/home")).body();
    assertEquals("Welcome! Page home has had 1 visits.\n", first);
    assertEquals("Welcome! Page home has had 2 visits.\n", second);
  }

  @Test
  void jsVisitsSample_countsInItsGrantedStore() throws IOException {
    TestHttp.get(sample("/visits/about"));
    Reply second = TestHttp.get(sample("/visits/about"));
    assertEquals("{\"greeting\":\"Welcome!\",\"page\":\"about\",\"visits\":2}", second.body());
  }

  @Test
  void hostileModules_becomeStatuses_andTheServerKeepsServing() throws IOException {
    URI base = hostileServer.uri();
    assertEquals(504, TestHttp.get(base.resolve("/loop")).status());
    Reply badCgi = TestHttp.get(base.resolve("/bad-cgi"));
    assertEquals(502, badCgi.status());
    assertFalse(badCgi.body().contains("this is not a cgi response"), badCgi.body());
    assertEquals(500, TestHttp.get(base.resolve("/trap")).status());
    Reply failed = TestHttp.get(base.resolve("/fail"));
    assertEquals(500, failed.status());
    assertFalse(failed.body().contains("something broke"), "plugin messages stay in the logs: " + failed.body());
    Reply hello = TestHttp.get(base.resolve("/hello"));
    assertEquals(200, hello.status());
    assertEquals("hello from wagi\n", hello.body());
  }
}
