package dev.isola.capability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Request;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A guest looping over what it may not do cannot flood the host's log: a call logs its first ten
 * denials in full, then one line, and counts the rest. Names JavaScript calls by itself are refused.
 */
class DenialLogFloodTest {
  private static Path logFile() {
    String file = System.getProperty("org.slf4j.simpleLogger.logFile");
    return Path.of(file == null ? "target/isola-test.log" : file);
  }

  /** The application's service, as handlers see it. */
  public interface Billing {
    String invoice(String customer);
  }

  @Test
  void aLoopOfDenialsLogsTenLinesAndOneSummary_andCountsThemAll() throws Exception {
    String marker = "flood-" + UUID.randomUUID();
    try (Isola isola = Isola.newBuilder()
        .capability(HostInterface.of("billing", Billing.class, customer -> "x"))
        .route("/" + marker, Handler.javascript("flood.js", "export default { fetch(req, env) {"
            + " for (let i = 0; i < 500; i++) { try { env.billing } catch {} }"
            + " return new Response('survived'); } }"))
        .build()) {
      assertEquals("survived", isola.handle(Request.get("/" + marker)).bodyText());
      assertEquals(500L, isola.capabilityDenials().get("/" + marker));
    }
    long lines = Files.readAllLines(logFile()).stream().filter(l -> l.contains("\"/" + marker + "\"")).count();
    assertEquals(11, lines, "ten denials and one line saying the rest are counted");
  }

  /** A service whose method is named like a promise's. */
  public interface Thenable {
    String then(String x);
  }

  @Test
  void namesJavaScriptCallsByItselfAreRefused() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> HostInterface.of("toJSON", Billing.class,
        customer -> "x")).getMessage().contains("a name JavaScript calls by itself"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> HostInterface.of("billing", Thenable.class,
        x -> x)).getMessage().contains("operation name \"then\""));
    assertThrows(IllegalArgumentException.class, () -> Operation.of("valueOf", Operation.Type.VOID));
  }
}
