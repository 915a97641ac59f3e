package dev.isola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.spring.app.DemoApplication;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.lang.reflect.Method;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** The examples in README.md compile and do what the README says, so the docs cannot rot. */
class ReadmeSnippetsTest {
  private static final Path README = Path.of("README.md");

  static List<String> blocks(String language) throws Exception {
    String text = Files.readString(README);
    Matcher m = Pattern.compile("```" + language + "\\n(.*?)```", Pattern.DOTALL).matcher(text);
    List<String> blocks = new ArrayList<>();
    while (m.find()) {
      blocks.add(m.group(1));
    }
    return blocks;
  }

  @Test
  void javaExample_compilesAndServesHello(@TempDir Path dir) throws Exception {
    List<String> java = blocks("java");
    assertFalse(java.isEmpty(), "README has no java example");
    Path handlers = Files.createDirectories(dir.resolve("handlers"));
    Files.writeString(handlers.resolve("hello.js"), blocks("js").get(0));
    Files.writeString(handlers.resolve("api.js"), "export default { fetch() { return new Response('api'); } };");

    String output = compileAndRun(dir, java.get(0));

    assertEquals("200 Hello, world!", output.strip());
  }

  @Test
  void wasmExample_compilesAndServesBothAbis(@TempDir Path dir) throws Exception {
    List<String> java = blocks("java");
    assertTrue(java.size() >= 2, "README has no WebAssembly example");
    Files.copy(Path.of("samples/wasm/hello-wagi.wasm"), dir.resolve("hello.wasm"));
    Files.copy(Path.of("samples/wasm/greet-extism.wasm"), dir.resolve("greet.wasm"));
    String output = compileAndRun(dir, java.get(1) + """
        try (isola) {
          System.out.println(isola.handle(Request.get("/hello/wasm")).status());
          System.out.println(isola.handle(Request.post("/greet", "")).bodyText());
        }
        """);

    assertEquals("200\n{\"greeting\":\"Hello, stranger!\"}", output.strip());
  }

  @Test
  void capabilitiesExample_compilesAndGrantsWhatItSays(@TempDir Path dir) throws Exception {
    List<String> java = blocks("java");
    assertTrue(java.size() >= 3, "README has no capabilities example");
    Files.createDirectories(dir.resolve("static"));
    Files.writeString(dir.resolve("static/app.css"), "body{}");
    Files.writeString(dir.resolve("cart.js"), """
        export default { async fetch(request, env, ctx) {
          await env.KV.put(ctx.params.id, env.vars.CURRENCY);
          const css = await env.files.read("/static/app.css");
          return new Response([await env.KV.get(ctx.params.id), css, typeof fetch].join(" "));
        } };
        """);
    String snippet = "Request request = Request.post(\"/cart/7\", \"\");\n" + java.get(2)
        .replace("System.getenv(\"PAYMENTS_KEY\")", "\"test-key\"").replace(
        "isola.handle(request, CallOptions.newBuilder().keyPrefix(\"tenant-42/\").build());",
        "System.out.print(isola.handle(request, CallOptions.newBuilder().keyPrefix(\"tenant-42/\").build()).bodyText());");

    assertEquals("EUR body{} function", compileAndRun(dir, snippet).strip());
    assertTrue(Files.exists(dir.resolve("data/carts")), "the file store was created where the README says");
  }

  @Test
  void capabilitiesManifest_grantsWhatTheJavaExampleGrants(@TempDir Path dir) throws Exception {
    String toml = blocks("toml").stream().filter(block -> block.contains("PAYMENTS_KEY")).findFirst().orElseThrow();
    Files.createDirectories(dir.resolve("js"));
    Files.createDirectories(dir.resolve("static"));
    Files.writeString(dir.resolve("js/cart.js"), "export default { fetch() { return new Response('x'); } };");
    Files.writeString(dir.resolve("isola.toml"), toml.replace("{ env = \"PAYMENTS_KEY\" }", "\"test-key\""));
    List<Grant> grants = dev.isola.server.Manifest.load(dir.resolve("isola.toml")).routes().get(0).handler().grants();

    assertTrue(grants.contains(Grants.secret("PAYMENTS_KEY").injectAs("Authorization", "Bearer {}")
        .into("https://api.payments.example")), grants.toString());
    assertTrue(grants.contains(Grants.outboundHttp("https://api.payments.example")), grants.toString());
  }

  @Test
  void hostInterfaceExample_compilesAndCallsTheService(@TempDir Path dir) throws Exception {
    compile(dir, "Billing", blocks("java billing").get(0));
    Files.writeString(dir.resolve("checkout.js"), blocks("js checkout").get(0));

    String output = compileAndRun(dir, "import dev.isola.capability.HostInterface;\n", blocks("java host").get(0));

    assertEquals("inv-c-1-500", output.strip());
  }

  @Test
  void testingExample_isPartOfSampleHandlerTest() throws Exception {
    List<String> java = blocks("java");
    assertTrue(java.size() >= 4, "README has no testing example");
    String test = Files.readString(Path.of("src-test/dev/isola/testing/SampleHandlerTest.java"));

    // The example runs as part of SampleHandlerTest: same lines, indentation aside.
    assertTrue(linesOf(test).contains(linesOf(java.get(3))),
        "README's \"Testing handlers\" example is not in SampleHandlerTest.java:\n" + java.get(3));
  }

  private static String linesOf(String code) {
    return String.join("\n", code.lines().map(String::strip).filter(line -> !line.isEmpty()).toList());
  }

  @Test
  void jsCounterExample_countsEveryVisitAndClaimsOnce() throws Exception {
    try (dev.isola.kv.KeyValueStore counters = dev.isola.kv.KeyValueStores.inMemory();
        Isola isola = Isola.newBuilder().store("counters", counters)
            .route("GET /visit", Handler.javascript("counter.js", blocks("js counter").get(0))
                .grants(Grants.keyValue("counters"))).build()) {
      assertEquals("{\"visits\":1,\"claimed\":true}", isola.handle(Request.get("/visit")).bodyText());
      assertEquals("{\"visits\":2,\"claimed\":false}", isola.handle(Request.get("/visit")).bodyText());
      assertArrayEquals("node-a".getBytes(StandardCharsets.UTF_8), counters.get("job:42").orElseThrow());
    }
  }

  @Test
  void jsExample_servesParamAndQuery() throws Exception {
    try (Isola isola = Isola.newBuilder().route("GET /hello/:name", Handler.javascript("hello.js", blocks("js").get(0))).build()) {
      Response r = isola.handle(Request.get("/hello/world?x=1"));
      assertEquals("Hello, world!?x=1", r.bodyText());
      assertEquals("text/plain; charset=utf-8", r.headers().first("content-type").orElseThrow());
    }
  }

  @Test
  void shellCommands_referToScriptsThatExist() throws Exception {
    for (String block : blocks("sh")) {
      for (String line : block.lines().toList()) {
        if (line.startsWith("bin/")) {
          Path script = Path.of(line.split(" ")[0]);
          assertTrue(Files.isExecutable(script), "README runs " + script + " which is not an executable file");
        }
      }
    }
  }

  @Test
  void servletExample_servesHelloInJetty(@TempDir Path dir) throws Exception {
    List<String> servlet = blocks("java servlet");
    assertEquals(1, servlet.size(), "README has no servlet example");
    Path handlers = Files.createDirectories(dir.resolve("handlers"));
    Files.writeString(handlers.resolve("hello.js"), blocks("js").get(0));
    compile(dir, "ServletSnippet", """
        import dev.isola.*;
        import dev.isola.servlet.IsolaServlet;
        import dev.isola.spring.app.DemoApplication;
import jakarta.servlet.ServletContext;
        import java.nio.file.Path;
        public class ServletSnippet {
          static Path BASE;
          public static Isola run(Path base, ServletContext context) throws Exception {
            BASE = base;
        %s
            return isola;
          }
        }
        """.formatted(servlet.get(0).replace("Path.of(\"", "BASE.resolve(\"")));
    AtomicReference<Isola> isola = new AtomicReference<>();
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, ReadmeSnippetsTest.class.getClassLoader())) {
      Method run = loader.loadClass("ServletSnippet").getMethod("run", Path.class, ServletContext.class);
      ServletContextHandler context = new ServletContextHandler("/");
      context.addServletContainerInitializer((classes, servletContext) -> {
        try {
          isola.set((Isola) run.invoke(null, dir, servletContext));
        } catch (ReflectiveOperationException e) {
          throw new ServletException(e);
        }
      });
      server.setHandler(context);
      server.start();
      HttpURLConnection get = (HttpURLConnection) URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/fn/hello/world")
          .toURL().openConnection();

      assertEquals(200, get.getResponseCode());
      assertEquals("Hello, world!", new String(get.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    } finally {
      server.stop();
      if (isola.get() != null) {
        isola.get().close();
      }
    }
  }

  @Test
  void metricsExample_countsCallsInTheRegistry(@TempDir Path dir) throws Exception {
    List<String> metrics = blocks("java metrics");
    assertEquals(1, metrics.size(), "README has no metrics example");
    Path handlers = Files.createDirectories(dir.resolve("handlers"));
    Files.writeString(handlers.resolve("hello.js"), blocks("js").get(0));
    String output = compileAndRun(dir, """
        import dev.isola.metrics.IsolaMetrics;
        import io.micrometer.core.instrument.MeterRegistry;
        import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
        """, metrics.get(0) + """
        try (isola) {
          isola.handle(Request.get("/hello/world"));
          System.out.print(registry.get("isola.calls").tags("route", "GET /hello/:name", "outcome", "ok").timer().count());
        }
        """);

    assertEquals("1", output.strip());
  }

  @Test
  void springExample_servesHelloUnderBasePath(@TempDir Path dir) throws Exception {
    List<String> spring = blocks("properties spring");
    assertEquals(1, spring.size(), "README has no Spring Boot example");
    Path handlers = Files.createDirectories(dir.resolve("handlers"));
    Files.writeString(handlers.resolve("hello.js"), blocks("js").get(0));
    Properties properties = new Properties();
    properties.load(new StringReader(spring.get(0)));
    List<String> args = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
        "spring.main.banner-mode=off", "logging.level.root=warn"));
    // Relative handler paths are resolved against the working directory, which a test cannot change.
    properties.forEach((key, value) -> args.add(key + "=" + ((String) value).replace("handlers/", handlers + "/")));

    try (ConfigurableApplicationContext app = new SpringApplicationBuilder(DemoApplication.class)
        .properties(args.toArray(String[]::new)).run()) {
      int port = app.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
      HttpURLConnection get = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/fn/hello/world")
          .toURL().openConnection();

      assertEquals(200, get.getResponseCode());
      assertEquals("Hello, world!", new String(get.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  /**
   * Compiles {@code snippet} as the body of a method, with relative paths resolved against {@code
   * dir} (a snippet cannot change the working directory), runs it and returns what it printed.
   */
  @Test
  void componentsExample_routeCallsItsComponent(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("shop.js"), blocks("js front").get(0));
    Files.writeString(dir.resolve("inventory.js"), blocks("js inventory").get(0));

    String output = compileAndRun(dir, blocks("java components").get(0));

    assertEquals("inventory says 200: apple: 2 left (call depth 1)", output.strip());
  }

  /** The manifest example loads and answers; uncommented, its split over two nodes loads too. */
  @Test
  void componentsManifest_servesTheExample_andItsSplitLoads(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("js"));
    Files.writeString(dir.resolve("js/shop.js"), blocks("js front").get(0));
    Files.writeString(dir.resolve("js/inventory.js"), blocks("js inventory").get(0));
    String toml = blocks("toml components").get(0);
    Path file = Files.writeString(dir.resolve("isola.toml"), toml);
    dev.isola.server.Manifest manifest = dev.isola.server.Manifest.load(file);
    try (Isola isola = manifest.build()) {
      assertEquals("inventory says 200: apple: 2 left (call depth 1)",
          isola.handle(Request.get("/shop/apple")).bodyText());
    }

    String split = toml.lines().map(line -> line.matches("# (\\[.*|[A-Za-z_]+ = .*)") ? line.substring(2) : line)
        .collect(java.util.stream.Collectors.joining("\n"))
        .replace("{ env = \"ISOLA_NODE_KEY\" }", "\"a-node-key-of-at-least-32-bytes-for-tests-only\"");
    dev.isola.server.Manifest node = dev.isola.server.Manifest.load(Files.writeString(file, split));
    assertEquals(List.of("inventory"), node.servedComponents().orElseThrow());
    assertEquals(URI.create("http://10.0.0.7:8080"), node.remotes().get("inventory"));
    assertEquals(java.util.Optional.of("NODE_KEY"), node.nodeKeySecret());
    try (Isola front = node.serving(List.of()).build()) {
      assertEquals(List.of("GET /shop/:item"), front.routes());
    }
  }

  private static String compileAndRun(Path dir, String snippet) throws Exception {
    return compileAndRun(dir, "", snippet);
  }

  /** Like {@link #compileAndRun(Path, String)}, with {@code imports} added to the snippet's class. */
  private static String compileAndRun(Path dir, String imports, String snippet) throws Exception {
    String body = snippet.replace("Path.of(\"", "BASE.resolve(\"");
    compile(dir, "Snippet", imports + """
        import dev.isola.*;
        import java.nio.file.Path;
        import java.time.Duration;
        import java.util.Map;
        import dev.isola.kv.KeyValueStores;
        public class Snippet {
          static Path BASE;
          public static void run(Path base) throws Exception {
            BASE = base;
        %s
          }
        }
        """.formatted(body));

    PrintStream original = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (URLClassLoader loader = new URLClassLoader(new URL[] {dir.toUri().toURL()}, ReadmeSnippetsTest.class.getClassLoader())) {
      Method run = loader.loadClass("Snippet").getMethod("run", Path.class);
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      run.invoke(null, dir);
    } finally {
      System.setOut(original);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** Compiles {@code source}, the class {@code name}, into {@code dir} against the test class path. */
  private static void compile(Path dir, String name, String source) throws Exception {
    Path src = Files.writeString(dir.resolve(name + ".java"), source);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
    int rc = javac.run(null, diagnostics, diagnostics, "-proc:none", "-cp",
        dir + java.io.File.pathSeparator + System.getProperty("java.class.path"),
        "-d", dir.toString(), src.toString());
    assertEquals(0, rc, "README example does not compile:\n" + diagnostics.toString(StandardCharsets.UTF_8));
  }
}
