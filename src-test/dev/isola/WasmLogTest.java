package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Wasm guest output meant for logs (WAGI stderr, Extism {@code log_*}, an Extism plugin's WASI
 * stdout and stderr) reaches SLF4J logger {@code isola.guest.<route>}, one guest line per log line,
 * capped per call. The test JVM's slf4j-simple writes to {@code target/isola-test.log} (see pom.xml).
 */
class WasmLogTest {
  private static final Path WASM = WasmWagiTest.WASM;

  /** Tests log at warn; guest loggers here get info, before slf4j-simple creates them. */
  private static void logInfo(String loggerName) {
    System.setProperty("org.slf4j.simpleLogger.log." + loggerName, "info");
  }

  private static List<String> logLines(String loggerName) throws Exception {
    String file = System.getProperty("org.slf4j.simpleLogger.logFile", "target/isola-test.log");
    return Files.readAllLines(Path.of(file)).stream().filter(l -> l.contains(loggerName + " - ")).toList();
  }

  @Test
  void wagiStderr_isLoggedLineByLine_andCapped() throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 8);
    String route = "/stderr-" + id;
    logInfo("isola.guest._stderr_" + id);
    try (Isola isola = Isola.newBuilder()
        .route(route, Handler.wasm(WASM.resolve("wagi-stderr.wasm")).limits(Limits.newBuilder().maxLogLines(2).build()))
        .build()) {
      assertEquals("logged\n", isola.handle(Request.get(route)).bodyText());
    }
    List<String> lines = logLines("isola.guest._stderr_" + id);
    assertEquals(3, lines.size(), String.join("\n", lines));
    assertTrue(lines.get(0).endsWith(" - one"), lines.get(0));
    assertTrue(lines.get(1).endsWith(" - two"), lines.get(1));
    assertTrue(lines.get(2).contains("1 more log lines dropped"), lines.get(2));
  }

  @Test
  void extismLogs_andWasiOutput_areLoggedAtTheirLevels() throws Exception {
    String id = UUID.randomUUID().toString().substring(0, 8);
    logInfo("isola.guest._log_" + id);
    logInfo("isola.guest._wasi_" + id);
    try (Isola isola = Isola.newBuilder()
        .route("/log-" + id, Handler.wasm(WASM.resolve("extism-log.wasm")))
        .route("/wasi-" + id, Handler.wasm(WASM.resolve("extism-wasi.wasm")))
        .build()) {
      isola.handle(Request.post("/log-" + id, ""));
      isola.handle(Request.post("/wasi-" + id, ""));
    }
    List<String> log = logLines("isola.guest._log_" + id);
    assertTrue(log.stream().anyMatch(l -> l.contains("INFO isola.guest._log_" + id + " - info line")), String.join("\n", log));
    assertTrue(log.stream().anyMatch(l -> l.contains("WARN isola.guest._log_" + id + " - warn line")), String.join("\n", log));
    assertTrue(log.stream().anyMatch(l -> l.contains("ERROR isola.guest._log_" + id + " - error line")), String.join("\n", log));
    List<String> wasi = logLines("isola.guest._wasi_" + id);
    assertTrue(wasi.stream().anyMatch(l -> l.contains("INFO isola.guest._wasi_" + id + " - hello from wasi stdout")),
        String.join("\n", wasi));
    assertTrue(wasi.stream().anyMatch(l -> l.contains("WARN isola.guest._wasi_" + id + " - hello from wasi stderr")),
        String.join("\n", wasi));
  }
}
