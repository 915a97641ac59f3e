package dev.isola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.isola.kv.KeyValueStore;
import dev.isola.kv.KeyValueStores;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Capabilities from WebAssembly: Isola's host functions from WAGI, and Extism's config and http_request. */
class WasmCapabilitiesTest {
  private static final Path WASM = WasmWagiTest.WASM;

  private static KeyValueStore main;
  private static KeyValueStore other;
  /** Holds at most one key. */
  private static KeyValueStore tiny;
  private static HttpServer server;
  private static final AtomicReference<String> seenKey = new AtomicReference<>();
  private static final AtomicReference<String> seenAuthorization = new AtomicReference<>();
  private static Isola isola;
  private static Path files;

  @BeforeAll
  static void build() throws Exception {
    main = KeyValueStores.inMemory();
    other = KeyValueStores.inMemory();
    tiny = KeyValueStores.inMemory(dev.isola.kv.StoreLimits.NONE.withMaxKeys(1));
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", exchange -> {
      seenKey.set(exchange.getRequestHeaders().getFirst("X-Key"));
      seenAuthorization.set(exchange.getRequestHeaders().getFirst("Authorization"));
      byte[] body = "pong".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    String origin = "http://127.0.0.1:" + server.getAddress().getPort();
    files = java.nio.file.Files.createTempDirectory("isola-files");
    java.nio.file.Files.createDirectories(files.resolve("static/css"));
    java.nio.file.Files.writeString(files.resolve("static/css/app.css"), "body{}");
    java.nio.file.Files.writeString(files.resolve("outside.txt"), "secret outside the mount");
    java.nio.file.Files.createSymbolicLink(files.resolve("static/escape"), files.resolve("outside.txt"));
    isola = Isola.newBuilder()
        .store("main", main)
        .store("other", other)
        .store("tiny", tiny)
        .variable("GREETING", "hi")
        .variable("greeting", "Hey")
        .variable("HIDDEN", "nope")
        .secret("TOKEN", "s3cr3t")
        .route("/kv/:store/:key", Handler.wasm(WASM.resolve("wagi-kv.wasm"))
            .grants(Grants.keyValue("main"), Grants.variables("GREETING"), Grants.files(files.resolve("static"), "/assets")))
        .route("/kvh/:store/:key", Handler.wasm(WASM.resolve("wagi-kv.wasm"))
            .grants(Grants.outboundHttp(origin, "http://127.0.0.1:1"),
                Grants.secret("TOKEN").injectAs("X-Key").into(origin)))
        .route("/kvb/:store/:key", Handler.wasm(WASM.resolve("wagi-kv.wasm"))
            .grants(Grants.outboundHttp(origin, "http://127.0.0.1:1"),
                Grants.secret("TOKEN").injectAs("Authorization", "Bearer {}").into(origin)))
        .route("/atomic/:store/:key", Handler.wasm(WASM.resolve("wagi-kv-atomic.wasm"))
            .grants(Grants.keyValue("main"), Grants.keyValue("tiny")))
        .route("/ekv", Handler.wasm(WASM.resolve("extism-kv.wasm")).grants(Grants.keyValue("main")))
        .route("/ekv-ungranted", Handler.wasm(WASM.resolve("extism-kv.wasm")))
        .route("/fetch", Handler.wasm(WASM.resolve("extism-fetch.wasm"))
            .grants(Grants.outboundHttp(origin), Grants.secret("TOKEN").injectAs("X-Key").into(origin)))
        .route("/fetch-ungranted", Handler.wasm(WASM.resolve("extism-fetch.wasm")))
        .route("/meta/:id", Handler.wasm(WASM.resolve("extism-meta.wasm")).grants(Grants.variables("greeting")))
        .build();
  }

  @AfterAll
  static void close() {
    isola.close();
    server.stop(0);
    main.close();
    other.close();
    tiny.close();
  }

  private static String call(String method, String target, String body) {
    return isola.handle(Request.newBuilder().method(method).target(target).body(body).build()).bodyText();
  }

  @Test
  void wagi_keyValue_roundTrips() {
    assertEquals("put 0\n", call("PUT", "/kv/main/greeting", "hello wasm"));
    assertEquals("value=hello wasm\n", call("GET", "/kv/main/greeting", ""));
    assertArrayEquals("hello wasm".getBytes(StandardCharsets.UTF_8), main.get("greeting").orElseThrow());
    assertEquals("absent\n", call("GET", "/kv/main/missing", ""));
    call("PUT", "/kv/main/greeting2", "x");
    assertEquals("list 0\ngreeting\ngreeting2\n", call("POST", "/kv/main/greet", ""));
    assertEquals("deleted 1\n", call("DELETE", "/kv/main/greeting2", ""));
    assertEquals("deleted 0\n", call("DELETE", "/kv/main/greeting2", ""));
  }

  @Test
  void wagi_increment_addsAndAnswersTheSumThroughOut() {
    assertEquals("inc 0 5\n", call("GET", "/atomic/main/wasm-count?inc=5", ""));
    assertEquals("inc 0 -2\n", call("GET", "/atomic/main/wasm-count?inc=-7", ""));
    assertArrayEquals("-2".getBytes(StandardCharsets.UTF_8), main.get("wasm-count").orElseThrow());
    assertEquals("inc 0 " + Long.MIN_VALUE + "\n", call("GET", "/atomic/main/wasm-min?inc=" + Long.MIN_VALUE, ""));
  }

  @Test
  void wagi_increment_hostileCases_clearCodes_storeUndamaged() {
    main.put("wasm-text", "abc".getBytes(StandardCharsets.UTF_8));
    main.put("wasm-max", Long.toString(Long.MAX_VALUE).getBytes(StandardCharsets.UTF_8));
    assertEquals("inc -3 0\n", call("GET", "/atomic/main/wasm-text?inc=1", ""), "not an integer");
    assertEquals("inc -3 0\n", call("GET", "/atomic/main/wasm-max?inc=1", ""), "overflow");
    assertEquals("inc -3 0\n", call("GET", "/atomic/main/" + "k".repeat(600) + "?inc=1", ""), "key too long");
    long denials = isola.capabilityDenials().getOrDefault("/atomic/:store/:key", 0L);
    assertEquals("inc -2 0\n", call("GET", "/atomic/other/wasm-count?inc=1", ""), "store not granted");
    assertEquals("cas -2\n", call("GET", "/atomic/other/wasm-count?cas=-&set=1", ""));
    assertEquals(denials + 2, isola.capabilityDenials().get("/atomic/:store/:key"));
    assertThrows(GuestException.class, () -> isola.handle(Request.get("/atomic/main/wasm-text?inc=1&out=bad")),
        "an output pointer outside memory traps");
    assertArrayEquals("abc".getBytes(StandardCharsets.UTF_8), main.get("wasm-text").orElseThrow());
    assertArrayEquals(Long.toString(Long.MAX_VALUE).getBytes(StandardCharsets.UTF_8), main.get("wasm-max").orElseThrow());
    assertTrue(other.list("", 10).isEmpty());
    main.put("wasm-trap", "1".getBytes(StandardCharsets.UTF_8));
    assertThrows(GuestException.class, () -> isola.handle(Request.get("/atomic/main/wasm-trap?inc=1&out=bad")));
    assertArrayEquals("1".getBytes(StandardCharsets.UTF_8), main.get("wasm-trap").orElseThrow(),
        "the pointer is checked before the store changes");
  }

  @Test
  void wagi_compareAndSet_setsOnlyOnMatch_noValueLengthMeansAbsentOrDelete() {
    assertEquals("cas 1\n", call("GET", "/atomic/main/wasm-cas?cas=-&set=one", ""));
    assertEquals("cas 0\n", call("GET", "/atomic/main/wasm-cas?cas=-&set=two", ""));
    assertEquals("cas 0\n", call("GET", "/atomic/main/wasm-cas?cas=two&set=three", ""));
    assertArrayEquals("one".getBytes(StandardCharsets.UTF_8), main.get("wasm-cas").orElseThrow());
    assertEquals("cas 1\n", call("GET", "/atomic/main/wasm-cas?cas=one&set=two", ""));
    assertEquals("cas 1\n", call("GET", "/atomic/main/wasm-cas?cas=two&set=-", ""));
    assertTrue(main.get("wasm-cas").isEmpty());
  }

  @Test
  void wagi_compareAndSetLoop_concurrentCalls_countEveryOne() throws Exception {
    main.delete("wasm-loop");
    List<java.util.concurrent.Callable<String>> calls = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      calls.add(() -> call("GET", "/atomic/main/wasm-loop?loop=25", ""));
    }
    try (var pool = java.util.concurrent.Executors.newFixedThreadPool(4)) {
      for (var done : pool.invokeAll(calls)) {
        assertEquals("loop 1\n", done.get());
      }
    }
    assertArrayEquals("100".getBytes(StandardCharsets.UTF_8), main.get("wasm-loop").orElseThrow());
  }

  @Test
  void wagi_atomicWritesOverQuota_answerFull_nothingStored() {
    tiny.put("only", "1".getBytes(StandardCharsets.UTF_8));
    assertEquals("inc -5 0\n", call("GET", "/atomic/tiny/second?inc=1", ""));
    assertEquals("cas -5\n", call("GET", "/atomic/tiny/second?cas=-&set=x", ""));
    assertEquals("inc 0 2\n", call("GET", "/atomic/tiny/only?inc=1", ""));
    assertEquals(List.of("only"), tiny.list("", 10));
  }

  @Test
  void wagi_ungrantedStoreAndVariable_areDenied_andNothingIsWritten() {
    assertEquals("put -2\n", call("PUT", "/kv/other/k", "v"));
    assertTrue(other.list("", 10).isEmpty());
    assertEquals("var=hi\n", call("GET", "/kv/main/var:GREETING", ""));
    assertEquals("error -2\n", call("GET", "/kv/main/var:HIDDEN", ""));
    assertTrue(isola.capabilityDenials().get("/kv/:store/:key") >= 2, isola.capabilityDenials().toString());
  }

  @Test
  void wagi_files_readOnlyUnderTheMount_nothingElse() {
    assertEquals("file=body{}\n", call("GET", "/kv/main/f?file=/assets/css/app.css", ""));
    assertEquals("absent\n", call("GET", "/kv/main/f?file=/assets/css/none.css", ""));
    assertEquals("error -3\n", call("GET", "/kv/main/f?file=/assets/../outside.txt", ""));
    assertEquals("error -3\n", call("GET", "/kv/main/f?file=/assets/escape", ""), "a symlink out of the mount");
    assertEquals("error -3\n", call("GET", "/kv/main/f?file=assets/css/app.css", ""));
    assertEquals("error -2\n", call("GET", "/kv/main/f?file=/etc/passwd", ""));
  }

  @Test
  void wagi_keyPrefix_narrowsTheCallToItsTenant() {
    CallOptions tenant = CallOptions.newBuilder().keyPrefix("t1/").build();
    Request put = Request.newBuilder().method("PUT").target("/kv/main/item").body("mine").build();
    assertEquals("put 0\n", isola.handle(put, tenant).bodyText());
    assertEquals(List.of("t1/item"), main.list("t1/", 10));
    assertEquals("value=mine\n", isola.handle(Request.get("/kv/main/item"), tenant).bodyText());
    assertEquals("absent\n", call("GET", "/kv/main/item", ""));
  }

  @Test
  void extism_httpRequest_toAGrantedOrigin_carriesTheSecretHeaderTheHostSets() {
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/ping";
    assertEquals("status=200\npong", call("POST", "/fetch", url));
    assertEquals("s3cr3t", seenKey.get(), "the host's X-Key replaced the plugin's own X-Key");
  }

  @Test
  void extism_httpRequest_elsewhere_isDenied() {
    CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class,
        () -> call("POST", "/fetch", "http://127.0.0.1:1/other-port"));
    assertTrue(e.getMessage().contains("127.0.0.1:1"), e.getMessage());
    CapabilityDeniedException ungranted = assertThrows(CapabilityDeniedException.class,
        () -> call("POST", "/fetch-ungranted", "http://127.0.0.1:" + server.getAddress().getPort() + "/"));
    assertEquals(403, ungranted.httpStatus());
  }

  @Test
  void wagi_http_toAGrantedOrigin_carriesTheSecretHeader_andDeniedElsewhere() {
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/ping";
    seenKey.set(null);
    assertEquals("status=200 body=pong\n", call("GET", "/kvh/main/x?http=" + url, ""));
    assertEquals("s3cr3t", seenKey.get());
    assertEquals("error -2\n", call("GET", "/kv/main/x?http=" + url, ""), "no outbound grant on /kv");
    assertEquals("error -4\n", call("GET", "/kvh/main/x?http=http://127.0.0.1:1/", ""),
        "granted, but nothing listens: a failure the program handles");
  }

  @Test
  void placeholderTextFromTheClient_changesNothing() {
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/ping";
    Request evil = Request.newBuilder().target("/kvh/main/x?http=" + url).header("X-Evil", "{{secrets.TOKEN}}").build();
    seenKey.set(null);
    assertEquals("status=200 body=pong\n", isola.handle(evil).bodyText());
    assertEquals("s3cr3t", seenKey.get(), "the granted header, set by the host as for any call");
  }

  @Test
  void secretHeader_goesToItsOriginOnly_andGuestTextIsSentAsWritten() {
    String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/ping";
    seenKey.set(null);
    assertEquals("status=200 body=pong\n", call("GET", "/kvb/main/x?http=" + url, ""));
    assertEquals("Bearer s3cr3t", seenAuthorization.get());
    assertEquals("{{secrets.TOKEN}}", seenKey.get(), "the program's header, sent as the text it is");
    assertEquals("error -4\n", call("GET", "/kvb/main/x?http=http://127.0.0.1:1/", ""),
        "a granted origin the secret is not for: sent without it (and refused by the closed port)");
  }

  @Test
  void secretsWithLineBreaks_areRefusedAtOnce() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Isola.newBuilder().secret("KEY", "hunter2\n"));
    assertTrue(e.getMessage().contains("secret KEY") && !e.getMessage().contains("hunter2"), e.getMessage());
  }

  @Test
  void extism_isolaHostFunctions_keyValueGrantedAndDenied() {
    assertEquals("stored=from a plugin", call("POST", "/ekv", "from a plugin"));
    assertArrayEquals("from a plugin".getBytes(StandardCharsets.UTF_8), main.get("from-extism").orElseThrow());
    assertEquals("error -2", call("POST", "/ekv-ungranted", "x"));
  }

  @Test
  void secretProviders_fillGrantedSecrets() {
    try (Isola withVault = Isola.newBuilder()
        .secrets(name -> name.equals("TOKEN") ? java.util.Optional.of("from-vault") : java.util.Optional.empty())
        .route("/kvh/:store/:key", Handler.wasm(WASM.resolve("wagi-kv.wasm"))
            .grants(Grants.outboundHttp("http://127.0.0.1:" + server.getAddress().getPort()),
                Grants.secret("TOKEN").injectAs("X-Key").into("http://127.0.0.1:" + server.getAddress().getPort())))
        .build()) {
      withVault.handle(Request.get("/kvh/s/k?http=http://127.0.0.1:" + server.getAddress().getPort() + "/"));
      assertEquals("from-vault", seenKey.get());
    }
    HandlerLoadException e = assertThrows(HandlerLoadException.class, () -> Isola.newBuilder()
        .secrets(name -> java.util.Optional.empty())
        .route("/x", Handler.wasm(WASM.resolve("wagi-kv.wasm")).grants(Grants.outboundHttp("https://api.example.com"),
            Grants.secret("NOPE").injectAs("X-Key").into("https://api.example.com"))).build());
    assertTrue(e.getMessage().contains("secret \"NOPE\""), e.getMessage());
  }

  @Test
  void extism_configGet_readsGrantedVariables() {
    assertTrue(call("POST", "/meta/1", "").contains("config.greeting=Hey"));
  }

  @Test
  void grantsOfUndeclaredThings_failTheBuild() {
    HandlerLoadException e = assertThrows(HandlerLoadException.class, () -> Isola.newBuilder()
        .route("/x", Handler.wasm(WASM.resolve("wagi-kv.wasm")).grants(Grants.keyValue("nope"))).build());
    assertTrue(e.getMessage().contains("key-value store \"nope\""), e.getMessage());
    assertTrue(e.getMessage().contains("Isola.Builder.store(\"nope\""), e.getMessage());
  }
}
