package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A JavaScript handler that reaches for a binding its route was not granted ({@code env.KV}, {@code
 * env.kv}, {@code env.vars}, {@code env.secrets}, {@code env.files}, the global {@code fetch}) is
 * denied like any other capability: a catchable {@code CapabilityDeniedError}, and if the call then
 * fails a {@link CapabilityDeniedException} (403) whose message, which is logged, names the line to
 * add to {@code isola.toml}.
 */
class JsDeniedBindingsTest {
  private static Isola isola;

  @org.junit.jupiter.api.io.TempDir static java.nio.file.Path mounted;

  @BeforeAll
  static void build() {
    isola = Isola.newBuilder()
        .store("kv", dev.isola.kv.KeyValueStores.inMemory())
        .route("POST /none", Handler.javascript("none.js", """
            const AsyncFunction = (async () => {}).constructor;
            export default {
              async fetch(request, env) { return new Response(String(await new AsyncFunction("env", await request.text())(env))); },
            };
            """))
        .route("POST /kv", Handler.javascript("kv.js", """
            const AsyncFunction = (async () => {}).constructor;
            export default {
              async fetch(request, env) { return new Response(String(await new AsyncFunction("env", await request.text())(env))); },
            };
            """).grants(Grants.keyValue("kv")))
        .route("POST /files", Handler.javascript("files.js", """
            const AsyncFunction = (async () => {}).constructor;
            export default {
              async fetch(request, env) { return new Response(String(await new AsyncFunction("env", await request.text())(env))); },
            };
            """).grants(Grants.files(mounted, "/static")))
        .build();
  }

  @AfterAll
  static void close() {
    isola.close();
  }

  private static String run(String route, String code) {
    return isola.handle(Request.post(route, code)).bodyText();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "return (await env.KV.get('a'));        | key_value = [\"STORE\"]        | Grants.keyValue(\"STORE\")",
      "return (await env.kv.kv.get('a'));     | key_value = [\"STORE\"]        | Grants.keyValue(\"STORE\")",
      "return env.vars.NAME;                  | variables = [\"NAME\"]         | Grants.variables(\"NAME\")",
      "return env.secrets.NAME;               | readable_secrets = [\"NAME\"]  | Grants.readableSecrets(\"NAME\")",
      "return (await env.files.read('/a'));   | files = [\"DIRECTORY:/mount\"] | Grants.files(Path.of(\"DIRECTORY\"), \"/mount\")",
  })
  void ungrantedBinding_isA403NamingTheGrant(String code, String manifestLine, String javaGrant) {
    long before = isola.capabilityDenials().getOrDefault("POST /none", 0L);

    CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class, () -> run("/none", code));

    assertEquals(403, e.httpStatus());
    assertTrue(e.getMessage().contains("route \"POST /none\": the handler read env."), e.getMessage());
    assertTrue(e.getMessage().contains(manifestLine + " in isola.toml"), e.getMessage());
    assertTrue(e.getMessage().contains(javaGrant), e.getMessage());
    assertEquals(before + 1, isola.capabilityDenials().get("POST /none"));
  }

  @Test
  void deniedPath_withLineBreaks_isLoggedOnOneLine() {
    // The denial's message is logged: a path the guest chose must not start log lines of its own.
    CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class, () -> run("/files",
        "return (await env.files.read('/x\\r\\nWARN forged line\\u2028/y'));"));

    assertFalse(e.getMessage().contains("\r") || e.getMessage().contains("\n")
        || e.getMessage().contains("\u2028"), e.getMessage());
    assertTrue(e.getMessage().contains("/x\\u000d\\u000aWARN forged line\\u2028/y"), e.getMessage());
  }

  @Test
  void fetchWithoutAGrant_existsAndIsA403NamingTheOrigin() {
    assertEquals("function", run("/none", "return typeof fetch;"));

    CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class,
        () -> run("/none", "return (await fetch('https://api.example.com/x')).status;"));

    assertEquals(403, e.httpStatus());
    assertTrue(e.getMessage().contains("outbound_http = [\"https://api.example.com\"]"), e.getMessage());
  }

  @Test
  void denial_isCatchable_likeEveryDenial() {
    assertEquals("CapabilityDeniedError", run("/none", "try { env.KV; return 'read'; } catch (e) { return e.name; }"));
  }

  @Test
  void grantedBindings_areOwnProperties_andOthersStillDenied() {
    assertEquals("[\"KV\",\"kv\"] true CapabilityDeniedError", run("/kv", """
        let vars;
        try { vars = env.vars; } catch (e) { vars = e.name; }
        return JSON.stringify(Object.keys(env)) + " " + Object.hasOwn(env, "KV") + " " + vars;
        """));
  }

  @Test
  void namesNoCapabilityProvides_stayUndefined() {
    assertEquals("undefined undefined [] true", run("/none",
        "return [String(env.SOMETHING_ELSE), String(env.kv2), JSON.stringify(Object.keys(env)), Object.isFrozen(env)].join(' ');"));
  }
}
