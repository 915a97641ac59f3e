package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Guest console output reaches SLF4J logger {@code isola.guest.<route>}, capped per call. The test
 * JVM's slf4j-simple writes to the file named by {@code org.slf4j.simpleLogger.logFile} (see pom.xml).
 */
class GuestLogTest {
  private static Path logFile() {
    String file = System.getProperty("org.slf4j.simpleLogger.logFile");
    return Path.of(file == null ? "target/isola-test.log" : file);
  }

  @Test
  void console_warnAndError_reachGuestLoggerCappedPerCall() throws Exception {
    String marker = UUID.randomUUID().toString();
    String code = "export default { fetch() {"
        + " for (let i = 0; i < 50; i++) console.warn('" + marker + " line', i, { n: i });"
        + " console.error('" + marker + " never logged'); return new Response('ok'); } };";
    Handler handler = Handler.javascript("chatty.js", code).limits(Limits.newBuilder().maxLogLines(3).build());
    try (Isola isola = Isola.newBuilder().route("GET /chatty", handler).build()) {
      assertEquals("ok", isola.handle(Request.get("/chatty")).bodyText());
    }

    List<String> lines = Files.readAllLines(logFile()).stream().filter(l -> l.contains(marker) || l.contains("isola.guest.GET__chatty")).toList();
    List<String> guestLines = lines.stream().filter(l -> l.contains(marker)).toList();
    assertEquals(3, guestLines.size(), String.join("\n", lines));
    assertTrue(guestLines.get(0).contains("WARN isola.guest.GET__chatty - " + marker + " line 0 { n: 0 }"), guestLines.get(0));
    assertTrue(lines.stream().anyMatch(l -> l.contains("48 more log lines dropped")), String.join("\n", lines));
  }

  @Test
  void console_lineBreaksInALine_areEscaped_soAGuestCannotForgeLogLines() throws Exception {
    String marker = UUID.randomUUID().toString();
    String code = "export default { fetch() {"
        + " console.warn('" + marker + " first\\r\\n12:00:00 ERROR forged-" + marker + "\\nthird');"
        + " return new Response('ok'); } };";
    try (Isola isola = Isola.newBuilder().route("GET /forge", Handler.javascript("forge.js", code)).build()) {
      assertEquals("ok", isola.handle(Request.get("/forge")).bodyText());
    }

    List<String> lines = Files.readAllLines(logFile()).stream().filter(l -> l.contains(marker)).toList();
    assertEquals(1, lines.size(), String.join("\n", lines));
    assertTrue(lines.get(0).contains(marker + " first\\r\\n12:00:00 ERROR forged-" + marker + "\\nthird"), lines.get(0));
  }
}
