package dev.isola.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import dev.isola.server.TestHttp.Reply;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IsolaCliTest {
  private static final Path SAMPLE = Path.of("samples/isola.toml");

  private final ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
  private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
  private final PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
  private final PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);

  @TempDir Path dir;

  private int run(String... args) {
    return IsolaCli.run(args, out, err);
  }

  private String out() {
    return outBytes.toString(StandardCharsets.UTF_8);
  }

  private String err() {
    return errBytes.toString(StandardCharsets.UTF_8);
  }

  private IsolaCli.Serving serve(String... args) {
    IsolaCli.Launch launch = IsolaCli.launch(args, out, err);
    return assertInstanceOf(IsolaCli.Serving.class, launch, () -> "not serving: " + err());
  }

  @Test
  void check_sampleManifest_printsRoutesAndExits0() {
    int code = run("check", SAMPLE.toString());

    assertEquals(0, code, err());
    assertTrue(out().contains("7 routes"), out());
    assertTrue(out().contains("GET /hello/:name") && out().contains("-> js/hello.js"), out());
    assertTrue(out().contains("/echo") && out().contains("GET /static/..."), out());
    assertTrue(out().contains("GET /wasm/hello/:name") && out().contains("-> wasm/hello-wagi.wasm"), out());
    assertTrue(out().contains("POST /wasm/greet") && out().contains("-> wasm/greet-extism.wasm"), out());
    assertEquals("", err());
  }

  @Test
  void check_badDuration_printsOneLineWithFileLineAndKeyAndExits1() throws IOException {
    Files.writeString(dir.resolve("a.js"), "export default { fetch() { return new Response(\"a\"); } };\n");
    Path file = Files.writeString(dir.resolve("isola.toml"), """
        [[route]]
        path = "/a"
        handler = "a.js"
        timeout = "2 parsecs"
        """);

    int code = run("check", file.toString());

    assertEquals(1, code);
    assertTrue(err().startsWith("isola: " + file + ":4:"), err());
    assertTrue(err().contains("timeout"), err());
    assertEquals(1, err().lines().count(), err());
    assertEquals("", out());
  }

  @Test
  void check_handlerSyntaxError_printsOneLineAndExits1() throws IOException {
    Files.writeString(dir.resolve("broken.js"), "export default { fetch( {\n");
    Path file = Files.writeString(dir.resolve("isola.toml"), """
        [[route]]
        path = "/broken"
        handler = "broken.js"
        """);

    int code = run("check", file.toString());

    assertEquals(1, code);
    assertTrue(err().startsWith("isola: " + file + ":1: "), err());
    assertTrue(err().contains("broken.js"), err());
    assertEquals(1, err().lines().count(), err());
  }

  @Test
  void check_oldSecretsForm_printsTheNewFormAndExits1() throws IOException {
    Files.writeString(dir.resolve("a.js"), "export default { fetch() { return new Response(\"a\"); } };\n");
    Path file = Files.writeString(dir.resolve("isola.toml"), """
        [secrets]
        PAYMENTS_KEY = "k"

        [[route]]
        path = "/a"
        handler = "a.js"
        outbound_http = ["https://api.payments.example"]
        secrets = ["PAYMENTS_KEY"]
        """);

    int code = run("check", file.toString());

    assertEquals(1, code);
    assertTrue(err().startsWith("isola: " + file + ":8:"), err());
    assertTrue(err().contains("{{secrets.PAYMENTS_KEY}}") && err().contains("secrets = { PAYMENTS_KEY = { origins = ["
        + "\"https://api.example.com\"], header = \"Authorization\", template = \"Bearer {}\" } }"), err());
    assertEquals(1, err().lines().count(), err());
  }

  @Test
  void check_secretForAnOriginTheRouteMayNotReach_exits1NamingIt() throws IOException {
    Files.writeString(dir.resolve("a.js"), "export default { fetch() { return new Response(\"a\"); } };\n");
    Path file = Files.writeString(dir.resolve("isola.toml"), """
        [secrets]
        PAYMENTS_KEY = "k"

        [[route]]
        path = "/a"
        handler = "a.js"
        outbound_http = ["https://echo.example.org"]
        secrets = { PAYMENTS_KEY = { origins = ["https://api.payments.example"], header = "Authorization" } }
        """);

    int code = run("check", file.toString());

    assertEquals(1, code);
    assertTrue(err().contains("PAYMENTS_KEY") && err().contains("https://api.payments.example")
        && err().contains("may not reach"), err());
  }

  @Test
  void check_verbose_addsStackTrace() throws IOException {
    Path file = Files.writeString(dir.resolve("isola.toml"), "[server]\nport = \"80\"\n");

    int code = run("check", "--verbose", file.toString());

    assertEquals(1, code);
    assertTrue(err().contains("ManifestException"), err());
  }

  @Test
  void run_noArguments_printsUsageAndExits2() {
    assertEquals(2, run());
    assertTrue(err().contains("usage: isola serve"), err());
  }

  @Test
  void run_unknownCommand_exits2() {
    assertEquals(2, run("start", SAMPLE.toString()));
    assertTrue(err().startsWith("isola: unknown command \"start\""), err());
  }

  @Test
  void run_badPort_exits2() {
    assertEquals(2, run("serve", "--port", "eighty", SAMPLE.toString()));
    assertTrue(err().contains("--port \"eighty\" is not a port"), err());
  }

  @Test
  void run_missingManifestArgument_exits2() {
    assertEquals(2, run("serve", "--port", "0"));
    assertTrue(err().contains("needs the path of an isola.toml"), err());
  }

  @Test
  void run_help_printsUsageAndExits0() {
    assertEquals(0, run("--help"));
    assertTrue(out().startsWith("usage: isola serve"), out());
  }

  @Test
  void run_version_printsVersionAndExits0() {
    assertEquals(0, run("--version"));
    assertTrue(out().startsWith("isola "), out());
  }

  @Test
  void serve_portZero_answersRequestsUntilClosed() throws Exception {
    Files.writeString(dir.resolve("hi.js"), """
        export default { async fetch(request, env, ctx) { return new Response("hi " + request.method); } };
        """);
    Path file = Files.writeString(dir.resolve("isola.toml"), """
        [[route]]
        path = "/hi"
        handler = "hi.js"
        """);

    try (IsolaCli.Serving serving = serve("serve", "--port=0", file.toString())) {
      int port = serving.server().port();
      assertTrue(out().startsWith("Isola serving 1 route on http://127.0.0.1:" + port + "\n"), out());

      Reply response = TestHttp.get(URI.create("http://127.0.0.1:" + port + "/hi"));

      assertEquals(200, response.status());
      assertEquals("hi GET", response.body());
    }
  }

  @Test
  void serve_portInUse_printsOneLineAndExits1() throws IOException {
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int code = run("serve", "--host", "127.0.0.1", "--port", Integer.toString(taken.getLocalPort()),
          SAMPLE.toString());

      assertEquals(1, code);
      assertTrue(err().startsWith("isola: cannot listen on 127.0.0.1:" + taken.getLocalPort()), err());
    }
  }

  /** The sample serves what README promises: a greeting and an echo of the request. */
  @Test
  void serve_sampleManifest_servesHelloAndEcho() throws Exception {
    try (IsolaCli.Serving serving = serve("serve", "--port", "0", SAMPLE.toString())) {
      URI base = serving.server().uri();

      Reply hello = TestHttp.get(base.resolve("/hello/world"));
      Reply echo = TestHttp.post(base.resolve("/echo?x=1"), Map.of("X-Demo", "yes"), "hi there");

      assertEquals(200, hello.status());
      assertEquals("Hello, world!\n", hello.body());
      assertEquals(200, echo.status(), echo.body());
      assertTrue(echo.header("content-type").orElseThrow().startsWith("application/json"));
      for (String expected : new String[] {
          "\"method\":\"POST\"", "\"x\":\"1\"", "\"x-demo\":\"yes\"", "\"body\":\"hi there\"", "/echo?x=1"}) {
        assertTrue(echo.body().contains(expected), () -> expected + " not in " + echo.body());
      }
    }
  }

  /**
   * {@code isola serve} ends on SIGTERM even while a guest runs that no cancel reaches (BigInt
   * arithmetic on huge values runs in Java with no poll): the guest is written off, and past the
   * shutdown bound the JVM halts. The bound is not timed here; the test only needs the process to end.
   */
  @Test
  void serve_sigtermWhileAnUnstoppableGuestRuns_processEnds() throws Exception {
    Files.writeString(dir.resolve("stuck.js"), """
        export default { fetch() {
          console.warn("stuck guest running");
          return new Response(String(3n ** 400000000n > 0n));
        } };
        """);
    Path file = Files.writeString(dir.resolve("isola.toml"), """
        [[route]]
        path = "/stuck"
        handler = "stuck.js"
        timeout = "5m"
        memory = "1GB"
        """);
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dpolyglot.engine.WarnInterpreterOnly=false", "-Dorg.slf4j.simpleLogger.logFile=System.err",
        "-cp", System.getProperty("java.class.path"), IsolaCli.class.getName(), "serve", "--port=0", file.toString())
        .start();
    try {
      BufferedReader stdout = new BufferedReader(
          new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String banner = stdout.readLine();
      assertTrue(banner != null && banner.startsWith("Isola serving 1 route on http://127.0.0.1:"), String.valueOf(banner));
      int port = Integer.parseInt(banner.substring(banner.lastIndexOf(':') + 1).strip());

      Socket client = new Socket(InetAddress.getLoopbackAddress(), port);
      client.getOutputStream().write(("GET /stuck HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      client.getOutputStream().flush();
      BufferedReader stderr = new BufferedReader(
          new InputStreamReader(child.getErrorStream(), StandardCharsets.UTF_8));
      StringBuilder seen = new StringBuilder();
      for (String line; (line = stderr.readLine()) != null && !line.contains("stuck guest running"); ) {
        seen.append(line).append('\n');
      }
      Thread drain = Thread.ofPlatform().daemon().start(() -> {
        try {
          for (String line; (line = stderr.readLine()) != null; ) {
            synchronized (seen) {
              seen.append(line).append('\n');
            }
          }
        } catch (IOException ignored) {
          // the child ended
        }
      });

      assertEquals(0, client.getInputStream().available(), "the guest answered before SIGTERM");
      child.destroy(); // SIGTERM

      boolean ended = child.waitFor(60, TimeUnit.SECONDS);
      drain.join(5_000);
      client.close();
      synchronized (seen) {
        assertTrue(ended, "isola serve still running 60 s after SIGTERM; its log so far:\n" + seen);
      }
    } finally {
      child.destroyForcibly();
    }
  }

  private Path auditedManifest() throws IOException {
    Files.writeString(dir.resolve("visits.js"), """
        export default { async fetch(request, env) {
          await env.kv.visits.put("page:" + new URL(request.url).pathname, "1");
          return new Response("counted");
        } };
        """);
    return Files.writeString(dir.resolve("isola.toml"), """
        [store.visits]
        type = "memory"

        [store.spare]
        type = "memory"

        [[route]]
        path = "GET /visits/..."
        handler = "visits.js"
        key_value = ["visits", "spare"]
        """);
  }

  private static final String AUDITED_ROUTE = """
      # route "GET /visits/...": 2 calls
      [[route]]
      path = "GET /visits/..."
      key_value = ["visits"]  # visits: keys "page:*"
      # granted but never used (candidates to remove):
      #   key_value = ["spare"]
      """;

  @Test
  void serve_audit_printsEachRoutesLeastPrivilegeGrantsWhenItStops() throws Exception {
    Path file = auditedManifest();
    try (IsolaCli.Serving serving = serve("serve", "--port=0", "--audit", file.toString())) {
      URI base = serving.server().uri();
      assertEquals("counted", TestHttp.get(base.resolve("/visits/a")).body());
      assertEquals("counted", TestHttp.get(base.resolve("/visits/b")).body());
      assertTrue(out().contains("Auditing (record)"), out());
      assertTrue(!out().contains("[[route]]"), "printed before the server stopped: " + out());
    }
    assertTrue(out().contains("# Isola audit (record)"), out());
    assertTrue(out().contains(AUDITED_ROUTE), out());
    assertEquals("", err().lines().filter(l -> l.contains("WARNING")).reduce("", String::concat));
  }

  @Test
  void serve_auditPermissive_warnsOnStderr_andBadModesAreUsageErrors() throws Exception {
    Path file = auditedManifest();
    try (IsolaCli.Serving serving = serve("serve", "--port=0", "--audit=permissive", file.toString())) {
      assertTrue(err().contains("WARNING: --audit=permissive") && err().contains("For development only"), err());
    }
    assertTrue(out().contains("# Isola audit (permissive)"), out());

    outBytes.reset();
    errBytes.reset();
    assertEquals(2, run("serve", "--audit=loose", file.toString()));
    assertTrue(err().startsWith("isola: --audit=loose is not a mode"), err());
    errBytes.reset();
    assertEquals(2, run("check", "--audit", file.toString()));
    assertTrue(err().startsWith("isola: --audit is for serve only"), err());
  }

  /** The report is printed by the shutdown hook: what Ctrl-C or SIGTERM runs. */
  @Test
  void serve_audit_printsTheReportOnSigterm() throws Exception {
    Path file = auditedManifest();
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dpolyglot.engine.WarnInterpreterOnly=false", "-Dorg.slf4j.simpleLogger.logFile=System.err",
        "-cp", System.getProperty("java.class.path"), IsolaCli.class.getName(), "serve", "--port=0", "--audit",
        file.toString())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    try {
      BufferedReader stdout = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      String banner = stdout.readLine();
      assertTrue(banner != null && banner.startsWith("Isola serving 1 route on http://127.0.0.1:"), String.valueOf(banner));
      URI base = URI.create(banner.substring(banner.indexOf("http://")).strip() + "/");
      assertEquals("counted", TestHttp.get(base.resolve("/visits/a")).body());
      assertEquals("counted", TestHttp.get(base.resolve("/visits/b")).body());

      // SIGTERM by pid: Process.destroy() would also close the pipe the report comes through.
      new ProcessBuilder("kill", "-TERM", Long.toString(child.pid())).inheritIO().start().waitFor();

      StringBuilder rest = new StringBuilder();
      for (String line; (line = stdout.readLine()) != null; ) {
        rest.append(line).append('\n');
      }
      assertTrue(child.waitFor(60, TimeUnit.SECONDS), "still running 60 s after SIGTERM");
      assertTrue(rest.toString().contains(AUDITED_ROUTE), rest.toString());
    } finally {
      child.destroyForcibly();
    }
  }

  /** The same manifest on two nodes: the front serves no component and calls inventory on the other. */
  private static final String SHOP = """
      [secrets]
      NODE_KEY = "a-node-key-of-at-least-32-bytes-for-tests-only"

      [node]
      key_secret = "NODE_KEY"
      %s
      [[route]]
      path = "GET /shop/:item"
      handler = "front.js"
      calls = ["inventory"]

      [[route]]
      name = "inventory"
      handler = "inventory.js"

      [[route]]
      path = "GET /bill"
      name = "billing"
      handler = "inventory.js"
      """;

  private Path shop(String remote) throws IOException {
    Files.writeString(dir.resolve("front.js"), """
        export default { async fetch(request, env, ctx) {
          const r = await env.inventory.fetch("http://inventory/stock/" + ctx.params.item);
          return new Response("front got " + r.status + ": " + await r.text());
        } };
        """);
    Files.writeString(dir.resolve("inventory.js"), """
        export default { async fetch(request) {
          return new Response("stock of " + new URL(request.url).pathname + " at depth " + request.headers.get("isola-call-depth"));
        } };
        """);
    return Files.writeString(dir.resolve("isola.toml"), SHOP.formatted(remote));
  }

  @Test
  void serve_components_servesOnlyThoseAndCallsTheOthersOnTheirRemote() throws Exception {
    Path file = shop("");
    try (IsolaCli.Serving back = serve("serve", "--port=0", "--components", "inventory", file.toString())) {
      URI backUri = back.server().uri();
      assertTrue(out().contains("component inventory") && !out().contains("billing"), out());
      assertEquals(404, TestHttp.get(backUri.resolve("/bill")).status(), "billing is not served here, nor its path");
      Reply local = TestHttp.get(backUri.resolve("/shop/apple"));
      assertEquals(200, local.status(), local.body());
      assertEquals("front got 200: stock of /stock/apple at depth 1", local.body());

      shop("components = [\"billing\"]\n[remote.inventory]\nurl = \"" + backUri + "\"\n");
      try (IsolaCli.Serving front = serve("serve", "--port=0", "--components=", file.toString())) {
        URI frontUri = front.server().uri();
        Reply remote = TestHttp.get(frontUri.resolve("/shop/pear"));
        assertEquals(200, remote.status(), remote.body());
        assertEquals("front got 200: stock of /stock/pear at depth 1", remote.body());
        assertEquals(404, TestHttp.get(frontUri.resolve("/bill")).status(), "--components overrides [node] components");
      }
    }
  }

  @Test
  void serve_componentsLeavingOutACalledOneWithoutRemote_exits1NamingIt() throws IOException {
    Path file = shop("");

    int code = run("serve", "--port=0", "--components", "billing", file.toString());

    assertEquals(1, code, out());
    assertTrue(err().startsWith("isola: " + file + ":7: "), err()); // the calling route's [[route]]
    assertTrue(err().contains("component \"inventory\"") && err().contains("[remote.inventory]"), err());
    assertEquals(1, err().lines().count(), err());
  }

  @Test
  void serve_componentsNamingAnUndeclaredOne_exits1_andCheckRefusesTheFlag() throws IOException {
    Path file = shop("");

    assertEquals(1, run("serve", "--port=0", "--components", "inventory,shipping", file.toString()));
    assertTrue(err().contains("\"shipping\"") && err().contains("inventory, billing"), err());
    assertEquals(2, run("check", "--components", "inventory", file.toString()));
    assertTrue(err().contains("--components is for serve only"), err());
  }
}
