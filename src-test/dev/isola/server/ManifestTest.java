package dev.isola.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.DataSize;
import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.HandlerLoadException;
import dev.isola.Isola;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.RouteConflictException;
import dev.isola.wasm.WasmAbi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ManifestTest {
  private static final String HANDLER = """
      export default { async fetch(request, env, ctx) { return new Response("ok"); } };
      """;

  @TempDir Path dir;

  @BeforeEach
  void handlers() throws IOException {
    Files.createDirectories(dir.resolve("js"));
    Files.writeString(dir.resolve("js/a.js"), HANDLER);
    Files.writeString(dir.resolve("js/b.mjs"), HANDLER);
    Files.writeString(dir.resolve("js/tool.py"), "print('hi')\n");
  }

  private Path manifest(String toml) throws IOException {
    return Files.writeString(dir.resolve("isola.toml"), toml);
  }

  /** Loads {@code toml} expecting a failure at {@code line} about {@code key}, and returns the message. */
  private String fails(String toml, int line, String key) throws IOException {
    Path file = manifest(toml);
    ManifestException e = assertThrows(ManifestException.class, () -> Manifest.load(file));
    String message = e.getMessage();
    assertTrue(message.startsWith(file + ":" + line + ":"), () -> "no " + file + ":" + line + ": in " + message);
    assertTrue(message.contains(key), () -> "key " + key + " not named in " + message);
    assertEquals(OptionalInt.of(line), e.line(), message);
    assertEquals(key, e.key().orElse(null), message);
    assertEquals(file, e.file());
    return message;
  }

  private static void assertContains(String message, String... fragments) {
    for (String fragment : fragments) {
      assertTrue(message.contains(fragment), () -> "\"" + fragment + "\" not in: " + message);
    }
  }

  @Test
  void load_fullManifest_readsServerLimitsAndRoutes() throws IOException {
    Path file = manifest("""
        [server]
        host = "0.0.0.0"
        port = 9090

        [limits]
        timeout = "3s"
        memory = "64MiB"
        max_request_body = "1MiB"
        max_response_body = "2MiB"
        max_log_lines = 7

        [[route]]
        path = "GET /hello/:name"
        handler = "js/a.js"
        timeout = "250ms"
        memory = "32MiB"

        [[route]]
        path = "/static/..."
        handler = "./js/../js/b.mjs"
        """);

    Manifest manifest = Manifest.load(file);

    Limits defaults = Limits.newBuilder()
        .timeout(Duration.ofSeconds(3))
        .memory(DataSize.ofMiB(64))
        .maxRequestBody(DataSize.ofMiB(1))
        .maxResponseBody(DataSize.ofMiB(2))
        .maxLogLines(7)
        .build();
    assertEquals("0.0.0.0", manifest.host());
    assertEquals(9090, manifest.port());
    assertEquals(defaults, manifest.defaultLimits());
    assertEquals(List.of(
            new Manifest.Route("GET /hello/:name", Handler.javascript(dir.resolve("js/a.js").toAbsolutePath())
                .limits(defaults.toBuilder().timeout(Duration.ofMillis(250)).memory(DataSize.ofMiB(32)).build()), 12),
            new Manifest.Route("/static/...", Handler.javascript(dir.resolve("js/b.mjs").toAbsolutePath())
                .limits(defaults), 18)),
        manifest.routes());
  }

  @Test
  void load_onlyRoutes_usesDefaults() throws IOException {
    Manifest manifest = Manifest.load(manifest("""
        [[route]]
        path = "/a"
        handler = "js/a.js"
        """));

    assertEquals(Manifest.DEFAULT_HOST, manifest.host());
    assertEquals(Manifest.DEFAULT_PORT, manifest.port());
    assertEquals(Limits.defaults(), manifest.defaultLimits());
    assertEquals(Limits.defaults(), manifest.routes().get(0).limits());
  }

  @Test
  void load_folder_readsIsolaTomlInside() throws IOException {
    manifest("""
        [[route]]
        path = "/a"
        handler = "js/a.js"
        """);

    assertEquals(dir.resolve("isola.toml"), Manifest.load(dir).file());
  }

  @Test
  void build_validManifest_servesItsRoutes() throws IOException {
    Manifest manifest = Manifest.load(manifest("""
        [[route]]
        path = "GET /a"
        handler = "js/a.js"

        [[route]]
        path = "/b"
        handler = "js/b.mjs"
        """));

    try (Isola isola = manifest.build()) {
      assertEquals(List.of("GET /a", "/b"), isola.routes());
      assertEquals(Limits.defaults(), isola.limitsFor("GET", "/a").orElseThrow());
    }
  }

  @Test
  void load_missingFile_namesFileAndFix() {
    Path file = dir.resolve("nope/isola.toml");

    ManifestException e = assertThrows(ManifestException.class, () -> Manifest.load(file));

    assertContains(e.getMessage(), file + ":", "does not exist", "check the path");
    assertEquals(OptionalInt.empty(), e.line());
  }

  @Test
  void load_tomlSyntaxError_namesLineAndColumn() throws IOException {
    Path file = manifest("""
        [server]
        port = 80 80
        """);

    ManifestException e = assertThrows(ManifestException.class, () -> Manifest.load(file));

    assertContains(e.getMessage(), file + ":2:11:", "not valid TOML", "Unexpected '80'");
  }

  @Test
  void load_misspelledTopLevelKey_suggestsNearMiss() throws IOException {
    String message = fails("""
        [[routes]]
        path = "/a"
        handler = "js/a.js"
        """, 1, "routes");

    assertContains(message, "unknown key \"routes\" at the top level", "did you mean \"route\"?");
  }

  @Test
  void load_misspelledLimitKey_suggestsNearMiss() throws IOException {
    String message = fails("""
        [limits]
        timout = "2s"
        """, 2, "timout");

    assertContains(message, "in [limits]", "did you mean \"timeout\"?");
  }

  @Test
  void load_camelCaseRouteKey_suggestsSnakeCase() throws IOException {
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "js/a.js"
        maxRequestBody = "1MiB"
        """, 4, "maxRequestBody");

    assertContains(message, "in [[route]] #1", "did you mean \"max_request_body\"?");
  }

  @Test
  void load_misplacedKey_saysWhereItBelongs() throws IOException {
    String message = fails("""
        [limits]
        port = 8080
        """, 2, "port");

    assertContains(message, "\"port\" belongs in [server]");
  }

  @Test
  void load_unknownKey_listsAllowedKeys() throws IOException {
    String message = fails("""
        [server]
        host = "127.0.0.1"
        colour = "blue"
        """, 3, "colour");

    assertContains(message, "remove it", "host, port, ready_sandboxes");
  }

  @Test
  void load_readySandboxes_readAndChecked() throws IOException {
    String route = "[[route]]\npath = \"/a\"\nhandler = \"js/a.js\"\n";
    assertEquals(Manifest.DEFAULT_READY_SANDBOXES, Manifest.load(manifest(route)).readySandboxes());
    assertEquals(0, Manifest.load(manifest("[server]\nready_sandboxes = 0\n" + route)).readySandboxes());
    assertContains(fails("""
        [server]
        ready_sandboxes = 17
        """, 2, "ready_sandboxes"), "is out of range", "ready_sandboxes = 1");
    assertContains(fails("""
        [server]
        ready_sandboxes = "2"
        """, 2, "ready_sandboxes"), "must be an integer");
  }

  @Test
  void load_serverThreadsAndQueue_readAndChecked() throws IOException {
    String route = "[[route]]\npath = \"/a\"\nhandler = \"js/a.js\"\n";
    Manifest defaults = Manifest.load(manifest(route));
    assertEquals(DevServer.defaultThreads(), defaults.threads());
    assertEquals(DevServer.DEFAULT_QUEUE_PER_THREAD * DevServer.defaultThreads(), defaults.queue());
    Manifest threads = Manifest.load(manifest("[server]\nthreads = 3\n" + route));
    assertEquals(3, threads.threads());
    assertEquals(DevServer.DEFAULT_QUEUE_PER_THREAD * 3, threads.queue());
    assertEquals(0, Manifest.load(manifest("[server]\nqueue = 0\n" + route)).queue());
    assertContains(fails("""
        [server]
        threads = 0
        """, 2, "threads"), "is out of range", "threads = 8");
    assertContains(fails("""
        [server]
        queue = 70000
        """, 2, "queue"), "is out of range", "queue = 32");
  }

  @Test
  void load_portAsString_reportsWrongType() throws IOException {
    String message = fails("""
        [server]
        port = "80"
        """, 2, "port");

    assertContains(message, "port = \"80\" in [server] is a string", "must be an integer", "port = 8080");
  }

  @Test
  void load_portOutOfRange_reportsRange() throws IOException {
    String message = fails("""
        [server]
        port = 70000
        """, 2, "port");

    assertContains(message, "port = 70000", "out of range", "1 to 65535");
  }

  @Test
  void load_badDuration_reportsDurationSyntax() throws IOException {
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "js/a.js"
        timeout = "2 parsecs"
        """, 4, "timeout");

    assertContains(message, "timeout = \"2 parsecs\" in [[route]] #1 is not a duration", "\"250ms\", \"2s\"");
  }

  @Test
  void load_durationWithoutUnit_reportsWrongType() throws IOException {
    String message = fails("""
        [limits]
        timeout = 10
        """, 2, "timeout");

    assertContains(message, "is an integer", "timeout = \"10s\"");
  }

  @Test
  void load_durationTooLong_reportsRange() throws IOException {
    String message = fails("""
        [limits]

        timeout = "48h"
        """, 3, "timeout");

    assertContains(message, "timeout = \"48h\" in [limits] is out of range", "\"24h\"");
  }

  @Test
  void load_badSize_reportsSizeSyntax() throws IOException {
    String message = fails("""
        [limits]
        memory = "lots"
        """, 2, "memory");

    assertContains(message, "memory = \"lots\" in [limits] is not a data size", "\"256MiB\"");
  }

  @Test
  void load_sizeTooSmall_reportsRange() throws IOException {
    String message = fails("""
        [limits]
        memory = "512KiB"
        """, 2, "memory");

    assertContains(message, "memory = \"512KiB\" in [limits] is too small", "at least \"1MiB\"");
  }

  @Test
  void load_logLinesAsString_reportsWrongType() throws IOException {
    String message = fails("""
        [limits]
        max_log_lines = "100"
        """, 2, "max_log_lines");

    assertContains(message, "is a string", "max_log_lines = 100");
  }

  @Test
  void load_serverNotATable_reportsWrongType() throws IOException {
    String message = fails("""
        server = "localhost"
        """, 1, "server");

    assertContains(message, "must be a table", "[server]");
  }

  @Test
  void load_routeWithoutPath_pointsAtRouteHeader() throws IOException {
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "js/a.js"

        [[route]]
        handler = "js/a.js"
        """, 5, "path");

    assertContains(message, "has no path", "path = \"GET /hello/:name\"");
  }

  @Test
  void load_routeWithoutHandler_pointsAtRouteHeader() throws IOException {
    String message = fails("""
        [[route]]
        path = "/a"
        """, 1, "handler");

    assertContains(message, "has no handler", "handler = \"js/hello.js\"");
  }

  @Test
  void load_pathNotAString_reportsWrongType() throws IOException {
    String message = fails("""
        [[route]]
        path = 42
        handler = "js/a.js"
        """, 2, "path");

    assertContains(message, "path = 42 in [[route]] #1 is an integer", "must be a string");
  }

  @Test
  void load_handlerFileMissing_namesResolvedPath() throws IOException {
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "js/missing.js"
        """, 3, "handler");

    assertContains(message, "does not exist", dir.resolve("js/missing.js").toString(), "relative to");
  }

  @Test
  void load_handlerUnknownExtension_namesAcceptedOnes() throws IOException {
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "js/tool.py"
        """, 3, "handler");

    assertContains(message, "handler = \"js/tool.py\"", "unknown extension", ".js, .mjs", ".wasm");
  }

  @Test
  void load_wasmHandler_withAbiExportAndConfig() throws IOException {
    Files.write(dir.resolve("greet.wasm"), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    Files.write(dir.resolve("hello.wasm"), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    Manifest manifest = Manifest.load(manifest("""
        [[route]]
        path = "/greet"
        handler = "greet.wasm"
        abi = "extism"
        export = "greet"
        config = { greeting = "Hi", "who.default" = "world" }

        [[route]]
        path = "/hello"
        handler = "hello.wasm"
        """));

    Handler greet = manifest.routes().get(0).handler();
    assertTrue(greet.isWasm());
    assertEquals(Optional.of(WasmAbi.EXTISM), greet.abi());
    assertEquals(Optional.of("greet"), greet.export());
    assertEquals(Map.of("greeting", "Hi", "who.default", "world"), greet.config());
    assertEquals(dir.resolve("greet.wasm").toAbsolutePath(), manifest.routes().get(0).file());
    Handler hello = manifest.routes().get(1).handler();
    assertEquals(Optional.empty(), hello.abi());
    assertEquals(Optional.empty(), hello.export());
  }

  @Test
  void load_unknownAbi_listsTheAbis() throws IOException {
    Files.write(dir.resolve("app.wasm"), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "app.wasm"
        abi = "wasi-http"
        """, 4, "abi");

    assertContains(message, "abi = \"wasi-http\"", "abi = \"wagi\"", "abi = \"extism\"");
  }

  @Test
  void load_configValueNotText_namesTheKey() throws IOException {
    Files.write(dir.resolve("app.wasm"), new byte[] {0, 'a', 's', 'm', 1, 0, 0, 0});
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "app.wasm"
        config = { retries = 3 }
        """, 4, "config");

    assertContains(message, "retries = 3", "config values are text");
  }

  @Test
  void load_wasmKeysOnAJavaScriptRoute_areRefused() throws IOException {
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "js/a.js"
        export = "greet"
        """, 4, "export");

    assertContains(message, "applies to WebAssembly handlers", "remove it");
  }

  @Test
  void load_invalidRouteSpec_wrapsReasonWithLine() throws IOException {
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "js/a.js"

        [[route]]
        path = "hello"
        handler = "js/a.js"
        """, 6, "path");

    assertContains(message, "path = \"hello\" in [[route]] #2 is not a valid route:");
  }

  @Test
  void load_unknownMethod_suggestsTheKnownOneAndHowToDeclareIt() throws IOException {
    String message = fails("""
        [[route]]
        path = "GETT /x"
        handler = "js/a.js"
        """, 2, "path");

    assertContains(message, "method \"GETT\" is none of RFC 9110's methods", "did you mean \"GET\"?",
        "extension_methods = [\"GETT\"]");
  }

  @Test
  void load_declaredExtensionMethod_isAccepted() throws IOException {
    Manifest manifest = Manifest.load(manifest("""
        extension_methods = ["PROPFIND", "REPORT"]

        [[route]]
        path = "PROPFIND /dav/..."
        handler = "js/a.js"
        """));

    assertEquals(List.of("PROPFIND", "REPORT"), manifest.extensionMethods());
    try (Isola isola = manifest.build()) {
      assertEquals("ok", isola.handle(Request.newBuilder().method("PROPFIND").target("/dav/a").build()).bodyText());
    }
  }

  @Test
  void load_extensionMethodThatIsNoToken_isRefused() throws IOException {
    String message = fails("""
        extension_methods = ["PROP FIND"]

        [[route]]
        path = "/x"
        handler = "js/a.js"
        """, 1, "extension_methods");

    assertContains(message, "contains ' '");
  }

  @Test
  void load_duplicateRoute_namesEarlierLine() throws IOException {
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "js/a.js"

        [[route]]
        path = "/a"
        handler = "js/b.mjs"
        """, 6, "path");

    assertContains(message, "same route as the [[route]] at line 1", "keep one");
  }

  @Test
  void load_noRoutes_saysHowToAddOne() throws IOException {
    Path file = manifest("""
        [server]
        port = 8080
        """);

    ManifestException e = assertThrows(ManifestException.class, () -> Manifest.load(file));

    assertContains(e.getMessage(), file + ":", "declares no routes", "[[route]]");
    assertEquals("route", e.key().orElseThrow());
  }

  @Test
  void load_singleBracketRoute_asksForDoubleBrackets() throws IOException {
    String message = fails("""
        [route]
        path = "/a"
        handler = "js/a.js"
        """, 1, "route");

    assertContains(message, "write [[route]]");
  }

  @Test
  void build_handlerSyntaxError_prefixesManifestLine() throws IOException {
    Files.writeString(dir.resolve("js/broken.js"), "export default { fetch( {\n");
    Path file = manifest("""
        [[route]]
        path = "/a"
        handler = "js/a.js"

        [[route]]
        path = "/broken"
        handler = "js/broken.js"
        """);
    Manifest manifest = Manifest.load(file);

    HandlerLoadException e = assertThrows(HandlerLoadException.class, manifest::build);

    assertContains(e.getMessage(), file + ":5: ", "broken.js");
  }

  @Test
  void build_routeConflict_prefixesManifestLine() throws IOException {
    Path file = manifest("""
        [[route]]
        path = "GET /users/:id"
        handler = "js/a.js"

        [[route]]
        path = "GET /users/:name"
        handler = "js/a.js"
        """);
    Manifest manifest = Manifest.load(file);

    RouteConflictException e = assertThrows(RouteConflictException.class, manifest::build);

    assertContains(e.getMessage(), file + ":", "/users/:id", "/users/:name");
  }

  @Test
  void load_capabilities_declarationsAndGrants() throws IOException {
    Manifest manifest = Manifest.load(manifest("""
        [store.sessions]
        [store.cache]
        type = "memory"
        [store.shared]
        type = "redis"
        uri = "redis://127.0.0.1:6399/0"
        prefix = "app:"

        [variables]
        GREETING = "Hello"

        [secrets]
        TOKEN = "literal"
        HOME_DIR = { env = "HOME" }

        [[route]]
        path = "/a"
        handler = "js/a.js"
        key_value = ["sessions", "cache"]
        outbound_http = ["https://api.example.com", "https://*.example.org"]
        variables = ["GREETING"]
        secrets = { TOKEN = { origins = ["https://api.example.com"], header = "Authorization", template = "Bearer {}" } }
        readable_secrets = ["HOME_DIR"]
        """));

    Manifest.Declarations d = manifest.declarations();
    assertEquals(List.of("sessions", "cache", "shared"), List.copyOf(d.stores().keySet()));
    assertEquals("file", d.stores().get("sessions").type());
    assertEquals(dir.resolve(".isola/stores/sessions").toAbsolutePath().normalize(), d.stores().get("sessions").path());
    assertEquals("app:", d.stores().get("shared").prefix());
    assertEquals(Map.of("GREETING", "Hello"), d.variables());
    assertEquals(System.getenv("HOME"), d.secrets().get("HOME_DIR"));
    assertTrue(!d.toString().contains("literal"), "secret values never in toString: " + d);
    assertEquals(List.of(Grants.keyValue("sessions"), Grants.keyValue("cache"),
            Grants.outboundHttp("https://api.example.com", "https://*.example.org"), Grants.variables("GREETING"),
            Grants.secret("TOKEN").injectAs("Authorization", "Bearer {}").into("https://api.example.com"),
            Grants.readableSecrets("HOME_DIR")),
        manifest.routes().get(0).handler().grants());
  }

  @Test
  void load_invalidEscapeInAQuotedKey_isAManifestError() throws IOException {
    // tomlj throws for this one instead of reporting it (found by ManifestFuzzTest).
    Path file = manifest("\"\\o\" = 1\n");
    ManifestException e = assertThrows(ManifestException.class, () -> Manifest.load(file));
    assertContains(e.getMessage(), file + ":1:", "not valid TOML", "escape");
  }

  @Test
  void load_maxInFlight_isARouteLimit() throws IOException {
    Manifest manifest = Manifest.load(manifest("""
        [limits]
        max_in_flight = 8

        [[route]]
        path = "/a"
        handler = "js/a.js"
        max_in_flight = 2

        [[route]]
        path = "/b"
        handler = "js/a.js"
        """));
    assertEquals(2, manifest.routes().get(0).limits().maxInFlight());
    assertEquals(8, manifest.routes().get(1).limits().maxInFlight());
  }

  @Test
  void load_injectedSecrets_nameOriginsHeaderAndTemplate() throws IOException {
    Manifest manifest = Manifest.load(manifest("""
        [secrets]
        KEY = "k"
        OTHER = "o"

        [[route]]
        path = "/a"
        handler = "js/a.js"
        outbound_http = ["https://api.example.com", "https://echo.example.org"]
        secrets = { KEY = { origins = ["https://api.example.com"], header = "Authorization", template = "Bearer {}" }, \
        OTHER = { origins = ["https://echo.example.org"], header = "X-Api-Key" } }
        """));
    assertEquals(List.of(Grants.outboundHttp("https://api.example.com", "https://echo.example.org"),
        Grants.secret("KEY").injectAs("Authorization", "Bearer {}").into("https://api.example.com"),
        Grants.secret("OTHER").injectAs("X-Api-Key", "{}").into("https://echo.example.org")),
        manifest.routes().get(0).handler().grants());
  }

  @Test
  void load_oldSecretsList_failsNamingTheSecretAndTheNewForm() throws IOException {
    String message = fails("""
        [secrets]
        KEY = "k"

        [[route]]
        path = "/a"
        handler = "js/a.js"
        secrets = ["KEY"]
        """, 7, "secrets");
    assertContains(message, "old form", "{{secrets.KEY}}",
        "secrets = { KEY = { origins = [\"https://api.example.com\"], header = \"Authorization\","
            + " template = \"Bearer {}\" } }", "readable_secrets = [\"KEY\"]");
  }

  @Test
  void load_oldSecretsBoundToOrigins_failsShowingTheNewFormWithThoseOrigins() throws IOException {
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "js/a.js"
        outbound_http = ["https://api.example.com"]
        secrets = { KEY = ["https://api.example.com"] }
        """, 5, "secrets");
    assertContains(message, "old form", "KEY",
        "secrets = { KEY = { origins = [\"https://api.example.com\"], header = \"Authorization\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{ KEY = { header = \"Authorization\" } }",
      "{ KEY = { origins = [\"https://api.example.com\"] } }",
      "{ KEY = { origins = \"https://api.example.com\", header = \"Authorization\" } }",
      "{ KEY = { origins = [\"https://api.example.com\"], header = \"Authorization\", template = 1 } }"})
  void load_incompleteInjectedSecret_failsShowingTheForm(String secrets) throws IOException {
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "js/a.js"
        secrets = %s
        """.formatted(secrets), 4, "secrets");
    assertContains(message, "secret KEY", "origins", "header = \"Authorization\"", "template = \"Bearer {}\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{ KEY = { origins = [], header = \"Authorization\" } }|names no origin",
      "{ KEY = { origins = [\"https://api.example.com\"], header = \"Bad Header\" } }|not an HTTP header name",
      "{ KEY = { origins = [\"https://api.example.com\"], header = \"Host\" } }|set by the host",
      "{ KEY = { origins = [\"https://api.example.com\"], header = \"A\", template = \"Bearer\" } }|exactly once",
      "{ KEY = { origins = [\"https://api.example.com\"], header = \"A\", template = \"{}{}\" } }|exactly once",
      "{ KEY = { origins = [\"ftp://x\"], header = \"A\" } }|ftp://x"})
  void load_badInjectedSecret_failsNamingWhatIsWrong(String secretsAndProblem) throws IOException {
    String[] parts = secretsAndProblem.split("\\|");
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "js/a.js"
        secrets = %s
        """.formatted(parts[0]), 4, "secrets");
    assertContains(message, "KEY", parts[1]);
  }

  @Test
  void load_injectedSecretWithAnUnknownKey_suggestsTheRightOne() throws IOException {
    Path file = manifest("""
        [[route]]
        path = "/a"
        handler = "js/a.js"
        secrets = { KEY = { origins = ["https://api.example.com"], headers = "Authorization" } }
        """);
    ManifestException e = assertThrows(ManifestException.class, () -> Manifest.load(file));
    assertContains(e.getMessage(), "headers", "did you mean \"header\"");
  }

  @Test
  void load_secretFromAnUnsetEnvironmentVariable_namesIt() throws IOException {
    String message = fails("""
        [secrets]
        KEY = { env = "ISOLA_TEST_SURELY_UNSET_VARIABLE" }

        [[route]]
        path = "/a"
        handler = "js/a.js"
        """, 2, "KEY");
    assertContains(message, "ISOLA_TEST_SURELY_UNSET_VARIABLE", "not set");
  }

  @Test
  void load_unknownStoreType_listsTheTypes() throws IOException {
    String message = fails("""
        [store.s]
        type = "postgres"

        [[route]]
        path = "/a"
        handler = "js/a.js"
        """, 2, "type");
    assertContains(message, "\"file\"", "\"memory\"", "\"redis\"");
  }

  @Test
  void load_badOrigin_isRefusedWithTheEntry() throws IOException {
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "js/a.js"
        outbound_http = ["ftp://files.example.com"]
        """, 4, "outbound_http");
    assertContains(message, "ftp://files.example.com");
  }

  @Test
  void build_grantOfAnUndeclaredStore_pointsAtTheRoute() throws IOException {
    Path file = manifest("""
        [[route]]
        path = "/a"
        handler = "js/a.js"
        key_value = ["nope"]
        """);
    HandlerLoadException e = assertThrows(HandlerLoadException.class, () -> Manifest.load(file).build());
    assertContains(e.getMessage(), file + ":1:", "key-value store \"nope\"", "[store.nope]");
  }

  // ---- components ------------------------------------------------------------------------------

  private static final String KEY = "a-node-key-of-at-least-32-bytes-for-tests-only";

  /** Calls component inventory by name and answers with what came back. */
  private static final String FRONT = """
      export default {
        async fetch(request, env, ctx) {
          const r = await env.inventory.fetch("http://inventory/stock/" + ctx.params.item, { method: "POST" });
          return new Response("front got " + r.status + ": " + await r.text());
        }
      };
      """;

  /** Counts calls per item in its own store, which the front route is not granted. */
  private static final String INVENTORY = """
      export default {
        async fetch(request, env) {
          const item = new URL(request.url).pathname.split("/").pop();
          const n = Number((await env.kv.stock.get(item)) ?? "0") + 1;
          await env.kv.stock.put(item, String(n));
          return new Response(item + " #" + n + " at depth " + request.headers.get("isola-call-depth"));
        }
      };
      """;

  private void componentHandlers() throws IOException {
    Files.writeString(dir.resolve("js/front.js"), FRONT);
    Files.writeString(dir.resolve("js/inventory.js"), INVENTORY);
  }

  @Test
  void load_componentKeys_parseIntoRoutesRemotesAndNode() throws IOException {
    componentHandlers();
    Manifest manifest = Manifest.load(manifest("""
        [secrets]
        NODE_KEY = "%s"

        [remote.billing]
        url = "http://127.0.0.1:9001"

        [node]
        key_secret = "NODE_KEY"
        max_call_depth = 3
        components = ["inventory"]

        [[route]]
        path = "GET /shop/:item"
        handler = "js/front.js"
        calls = ["inventory", "billing"]

        [[route]]
        path = "GET /stock/:item"
        name = "inventory"
        handler = "js/inventory.js"

        [[route]]
        name = "audit"
        handler = "js/a.js"
        """.formatted(KEY)));

    assertEquals(List.of("inventory", "audit"), manifest.components());
    assertEquals(Optional.of(List.of("inventory")), manifest.servedComponents());
    assertEquals(Map.of("billing", java.net.URI.create("http://127.0.0.1:9001")), manifest.remotes());
    assertEquals(Optional.of("NODE_KEY"), manifest.nodeKeySecret());
    assertEquals(3, manifest.maxCallDepth());
    assertEquals(List.of(Grants.calls("inventory", "billing")), manifest.routes().get(0).handler().grants());
    assertEquals(List.of("GET /shop/:item", "GET /stock/:item + component inventory"),
        manifest.routes().stream().map(Manifest.Route::label).toList(), "audit is not served here");
    assertEquals(new Manifest.Route(null, "audit", Handler.javascript(dir.resolve("js/a.js").toAbsolutePath())
        .limits(Limits.defaults()), 22), manifest.serving(List.of("audit")).routes().get(1));
    assertTrue(!manifest.toString().contains(KEY), manifest::toString);
    try (Isola isola = manifest.build()) {
      assertEquals(List.of("GET /shop/:item", "GET /stock/:item"), isola.routes());
    }
    Manifest defaults = Manifest.load(manifest("""
        [[route]]
        path = "/a"
        handler = "js/a.js"
        """));
    assertEquals(Manifest.DEFAULT_MAX_CALL_DEPTH, defaults.maxCallDepth());
    assertEquals(Optional.empty(), defaults.servedComponents());
    assertEquals(Optional.empty(), defaults.nodeKeySecret());
    assertEquals(Map.of(), defaults.remotes());
  }

  @Test
  void build_frontRouteCallsItsComponent_throughHandle() throws IOException {
    componentHandlers();
    Manifest manifest = Manifest.load(manifest("""
        [store.stock]
        type = "memory"

        [[route]]
        path = "GET /shop/:item"
        handler = "js/front.js"
        calls = ["inventory"]

        [[route]]
        name = "inventory"
        handler = "js/inventory.js"
        key_value = ["stock"]
        """));

    try (Isola isola = manifest.build()) {
      assertEquals(List.of("GET /shop/:item"), isola.routes(), "a component without a path is no public route");
      var first = isola.handle(Request.get("/shop/apple"));
      assertEquals(200, first.status(), first.bodyText());
      assertEquals("front got 200: apple #1 at depth 1", first.bodyText());
      assertEquals("front got 200: apple #2 at depth 1", isola.handle(Request.get("/shop/apple")).bodyText());
      assertEquals(404, isola.handle(Request.get("/stock/apple")).status());
    }
  }

  @Test
  void build_servedSubsetWithoutTheCalledComponentOrARemote_failsNamingIt() throws IOException {
    componentHandlers();
    Path file = manifest("""
        [node]
        components = []

        [[route]]
        path = "GET /shop/:item"
        handler = "js/front.js"
        calls = ["inventory"]

        [[route]]
        name = "inventory"
        handler = "js/inventory.js"
        """);
    Manifest manifest = Manifest.load(file);
    assertEquals(List.of("GET /shop/:item"), manifest.routes().stream().map(Manifest.Route::label).toList());

    HandlerLoadException e = assertThrows(HandlerLoadException.class, manifest::build);

    assertContains(e.getMessage(), file + ":4: ", "\"inventory\"", "remote");
    try (Isola all = manifest.serving(List.of("inventory")).build()) {
      assertEquals(200, all.handle(Request.get("/shop/pear")).status());
    }
    ManifestException unknown = assertThrows(ManifestException.class, () -> manifest.serving(List.of("billing")));
    assertContains(unknown.getMessage(), file + ":", "\"billing\"", "no [[route]] declares", "inventory");
  }

  @Test
  void load_routeWithNeitherPathNorName_pointsAtRouteHeader() throws IOException {
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "js/a.js"

        [[route]]
        handler = "js/a.js"
        calls = ["a"]
        """, 5, "path");

    assertContains(message, "#2", "has no path and no name", "path = \"GET /hello/:name\"", "name = \"inventory\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Inventory", "in-ventory", "kv", "1st"})
  void load_badComponentName_isRefusedWithTheFix(String name) throws IOException {
    String message = fails("""
        [[route]]
        name = "%s"
        handler = "js/a.js"
        """.formatted(name), 2, "name");

    assertContains(message, "name = \"" + name + "\" in [[route]] #1 is not a valid component name",
        "e.g. \"inventory\"");
  }

  @Test
  void load_sameComponentTwice_namesEarlierLine() throws IOException {
    String message = fails("""
        [[route]]
        name = "inventory"
        handler = "js/a.js"

        [[route]]
        name = "inventory"
        handler = "js/b.mjs"
        """, 6, "name");

    assertContains(message, "same component as the [[route]] at line 1");
  }

  @Test
  void load_callsAComponentDeclaredNowhere_namesTheFix() throws IOException {
    String message = fails("""
        [[route]]
        path = "/a"
        handler = "js/a.js"
        calls = ["inventory"]
        """, 4, "calls");

    assertContains(message, "\"inventory\"", "name = \"inventory\"", "[remote.inventory]");
  }

  @Test
  void load_keySecretNotDeclared_namesTheSecretAndTheFix() throws IOException {
    String message = fails("""
        [node]
        key_secret = "NODE_KEY"

        [[route]]
        path = "/a"
        handler = "js/a.js"
        """, 2, "key_secret");

    assertContains(message, "names no secret declared in [secrets]", "NODE_KEY = { env = \"NODE_KEY\" }");
  }

  @Test
  void load_shortNodeKey_isRefusedWithoutShowingIt() throws IOException {
    String message = fails("""
        [secrets]
        NODE_KEY = "short-key-123"

        [node]
        key_secret = "NODE_KEY"

        [[route]]
        path = "/a"
        handler = "js/a.js"
        """, 5, "key_secret");

    assertContains(message, "13 bytes", "at least 32 bytes", "openssl rand");
    assertTrue(!message.contains("short-key-123"), message);
  }

  @Test
  void load_remoteWithoutNodeKey_asksForOne() throws IOException {
    String message = fails("""
        [remote.inventory]
        url = "http://127.0.0.1:9001"

        [[route]]
        path = "/a"
        handler = "js/a.js"
        calls = ["inventory"]
        """, 1, "key_secret");

    assertContains(message, "[remote.inventory] needs a node key", "[node] with key_secret = \"NODE_KEY\"");
  }

  @Test
  void load_unknownRemoteAndNodeKeys_suggestTheRightOnes() throws IOException {
    String remote = fails("""
        [remote.inventory]
        uri = "http://127.0.0.1:9001"

        [[route]]
        path = "/a"
        handler = "js/a.js"
        """, 2, "uri");
    assertContains(remote, "unknown key \"uri\" in [remote.inventory]", "did you mean \"url\"?");

    String node = fails("""
        [node]
        maxCallDepth = 4

        [[route]]
        path = "/a"
        handler = "js/a.js"
        """, 2, "maxCallDepth");
    assertContains(node, "unknown key \"maxCallDepth\" in [node]", "did you mean \"max_call_depth\"?");

    String misplaced = fails("""
        [[route]]
        path = "/a"
        handler = "js/a.js"
        key_secret = "NODE_KEY"
        """, 4, "key_secret");
    assertContains(misplaced, "\"key_secret\" belongs in [node]");
  }

  @Test
  void load_badRemoteUrlDepthAndServedComponents_areRefusedWithTheFix() throws IOException {
    String url = fails("""
        [secrets]
        NODE_KEY = "%s"
        [node]
        key_secret = "NODE_KEY"
        [remote.inventory]
        url = "ftp://127.0.0.1:9001"
        [[route]]
        path = "/a"
        handler = "js/a.js"
        """.formatted(KEY), 6, "url");
    assertContains(url, "in [remote.inventory] is not a remote's URL", "http or https");

    String noUrl = fails("""
        [remote.inventory]
        [[route]]
        path = "/a"
        handler = "js/a.js"
        """, 1, "url");
    assertContains(noUrl, "[remote.inventory] has no url");

    String depth = fails("""
        [node]
        max_call_depth = 0
        [[route]]
        path = "/a"
        handler = "js/a.js"
        """, 2, "max_call_depth");
    assertContains(depth, "is out of range", "1 (components call no further) to 64");

    String served = fails("""
        [node]
        components = ["billing"]
        [[route]]
        name = "inventory"
        handler = "js/a.js"
        """, 2, "components");
    assertContains(served, "names \"billing\", which no [[route]] declares", "serve some of inventory");
  }
}
