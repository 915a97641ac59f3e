package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.wasm.WasmAbi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** WebAssembly modules that cannot run are refused when the Isola is built, with the reason and the fix. */
class WasmLoadTest {
  private static final Path WASM = WasmWagiTest.WASM;

  private static String refused(Handler handler) {
    HandlerLoadException e = assertThrows(HandlerLoadException.class,
        () -> Isola.newBuilder().route("/x", handler).build().close());
    assertTrue(e.getMessage().contains("route \"/x\""), e.getMessage());
    return e.getMessage();
  }

  private static void assertContains(String message, String... fragments) {
    for (String fragment : fragments) {
      assertTrue(message.contains(fragment), () -> "\"" + fragment + "\" not in: " + message);
    }
  }

  @Test
  void notWasm_saysWhatItExpected() {
    assertContains(refused(Handler.wasm(WASM.resolve("not-wasm.wasm"))), "not-wasm.wasm", "not a WebAssembly module",
        "\\0asm");
  }

  @Test
  void truncatedModule_isRefusedWithTheParserReason() {
    assertContains(refused(Handler.wasm(WASM.resolve("truncated.wasm"))), "truncated.wasm",
        "not a valid WebAssembly module");
  }

  @Test
  void illTypedModule_isRefusedByValidation() {
    assertContains(refused(Handler.wasm(WASM.resolve("invalid-type.wasm"))), "invalid-type.wasm");
  }

  @Test
  void unknownImport_isNamed() {
    assertContains(refused(Handler.wasm(WASM.resolve("unknown-import.wasm"))), "env.launch_missiles",
        "does not provide", "WASI preview 1");
  }

  @Test
  void initialMemoryAboveTheLimit_isRefused_andAllowedWithAHigherLimit() {
    Handler big = Handler.wasm(WASM.resolve("wagi-big-memory.wasm"));
    assertContains(refused(big), "8192 pages (512 MiB)", "memory limit of 256MiB", "raise memory");
    Isola.newBuilder().route("/x", big.limits(Limits.defaults().toBuilder().memory(DataSize.ofMiB(600)).build()))
        .build().close();
  }

  @Test
  void tablesAboveTheLimit_areRefused() {
    assertContains(refused(Handler.wasm(WASM.resolve("big-tables.wasm"))), "80000000 entries", "memory limit of 256MiB");
  }

  @Test
  void multipleMemories_areRefused() {
    assertContains(refused(Handler.wasm(WASM.resolve("multi-memory.wasm"))), "2 memories", "multi-memory");
  }

  @Property(tries = 300)
  void mutatedModules_loadOrFailWithHandlerLoadException(@ForAll("mutations") byte[] module) {
    try {
      Isola.newBuilder().route("/x", Handler.wasm("mutant.wasm", module)).build().close();
    } catch (HandlerLoadException e) {
      assertTrue(e.getMessage().contains("mutant.wasm"), e.getMessage());
    }
  }

  @Provide
  Arbitrary<byte[]> mutations() {
    List<byte[]> seeds = new ArrayList<>();
    for (String name : List.of("wagi-hello.wasm", "wagi-counter.wasm", "extism-greet.wasm", "extism-probe.wasm",
        "wagi-trap-oob.wasm")) {
      try {
        seeds.add(Files.readAllBytes(WASM.resolve(name)));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return Combinators.combine(Arbitraries.of(seeds), Arbitraries.integers().between(1, 8),
        Arbitraries.randomValue(random -> random)).as((seed, flips, random) -> {
          byte[] copy = seed.clone();
          for (int i = 0; i < flips; i++) {
            int at = 8 + random.nextInt(copy.length - 8); // keep the header: mutate the sections
            copy[at] = (byte) random.nextInt(256);
          }
          return copy;
        });
  }

  @Test
  void missingFile_saysWhere() {
    assertContains(refused(Handler.wasm(WASM.resolve("nope.wasm"))), "nope.wasm", "does not exist");
  }

  @Test
  void exportOnAWagiProgram_isRefused() {
    assertContains(refused(Handler.wasm(WASM.resolve("wagi-hello.wasm")).export("greet")), "WAGI", "_start",
        "abi = \"extism\"");
  }

  @Test
  void extismPluginRunAsWagi_suggestsTheExtismAbi() {
    assertContains(refused(Handler.wasm(WASM.resolve("extism-greet.wasm")).abi(WasmAbi.WAGI)), "extism:host/env",
        "set abi = \"extism\"");
  }

  @Test
  void missingPluginFunction_listsTheExports() {
    assertContains(refused(Handler.wasm(WASM.resolve("extism-greet.wasm")).export("nope")),
        "does not export a function \"nope\"", "greet");
  }

  @Test
  void defaultPluginFunction_isHandle() {
    assertContains(refused(Handler.wasm(WASM.resolve("extism-greet.wasm"))), "\"handle\"");
  }

  @Test
  void wagiProgramAsExtismPlugin_hasNoHandleFunction() {
    assertContains(refused(Handler.wasm(WASM.resolve("wagi-hello.wasm")).abi(WasmAbi.EXTISM)), "\"handle\"");
  }

  @Test
  void wasmSettingsOnJavaScript_failAtOnce() {
    Handler js = Handler.javascript("a.js", "export default { fetch() { return new Response('') } }");
    assertThrows(IllegalStateException.class, () -> js.abi(WasmAbi.WAGI));
    assertThrows(IllegalStateException.class, () -> js.export("x"));
    assertThrows(IllegalStateException.class, () -> js.config(Map.of()));
  }

  @Test
  void functionTooLargeForTheCompiler_runsInTheInterpreter_saidInAWarning() throws Exception {
    String route = "/huge-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    try (Isola isola = Isola.newBuilder().route(route, Handler.wasm(WASM.resolve("wagi-huge-function.wasm"))).build()) {
      assertEquals("big\n", isola.handle(Request.get(route)).bodyText());
    }
    String log = System.getProperty("org.slf4j.simpleLogger.logFile", "target/isola-test.log");
    assertTrue(Files.readAllLines(Path.of(log)).stream().anyMatch(l -> l.contains("WARN dev.isola.internal.wasm.WasmEngine")
        && l.contains("route \"" + route + "\"") && l.contains("run in the interpreter")), "no warning in " + log);
  }

  @Test
  void modulesGivenAsBytes_runLikeFiles() throws Exception {
    byte[] bytes = Files.readAllBytes(WASM.resolve("wagi-hello.wasm"));
    try (Isola isola = Isola.newBuilder().route("/x", Handler.wasm("hello.wasm", bytes)).build()) {
      bytes[0] = 1; // the handler keeps its own copy
      assertEquals("hello from wagi\n", isola.handle(Request.get("/x")).bodyText());
    }
  }
}
