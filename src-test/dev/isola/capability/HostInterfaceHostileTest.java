package dev.isola.capability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.GuestException;
import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.capability.counter.CounterCapability;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile guests and failing implementations against host interfaces: what a handler or plugin can
 * learn of the host, and what it can make the host do, through {@code env.NAME.op}, {@code
 * isola:host/NAME.op} and {@code extism:host/user}.
 */
class HostInterfaceHostileTest {
  private static final Path WASM = Path.of("src-test/wasm");
  private static final String SECRET = "password=hunter2";

  /** What the guests call; named billing/invoice so that extism-user.wasm links against it. */
  public interface Billing {
    String invoice(String kind, long cents);
  }

  /** An Error of the application's own, as a library might throw. */
  static final class VaultError extends Error {
    private static final long serialVersionUID = 1L;

    VaultError(String message) {
      super(message);
    }
  }

  /** Throws any Throwable, checked or not, as some libraries do. */
  @SuppressWarnings("unchecked")
  static <T extends Throwable> RuntimeException sneaky(Throwable t) throws T {
    throw (T) t;
  }

  /** Fails the way {@code kind} names, every message holding the secret. */
  static final class Failing implements Billing {
    @Override
    public String invoice(String kind, long cents) {
      return switch (kind) {
        case "error" -> throw new VaultError(SECRET);
        case "assert" -> throw new AssertionError(SECRET);
        case "oom" -> throw new OutOfMemoryError(SECRET);
        case "overflow" -> invoice(kind, cents + 1) + SECRET;
        case "throwable" -> throw sneaky(new Throwable(SECRET));
        default -> "inv-" + kind + "-" + cents;
      };
    }
  }

  private Isola isola;

  @AfterEach
  void close() {
    if (isola != null) {
      isola.close();
    }
  }

  private Isola isola(Billing billing, Handler handler) {
    isola = Isola.newBuilder()
        .capability(HostInterface.of("billing", Billing.class, billing))
        .capability(new CounterCapability())
        .route("/x", handler.grants(Grants.hostInterface("billing")))
        .build();
    return isola;
  }

  @Test
  void anErrorOfTheImplementationNeverReachesTheGuest() {
    String out = isola(new Failing(), Handler.javascript("h.js", "export default { async fetch(req, env) {"
        + " const out = [];"
        + " for (const k of ['error', 'assert', 'oom', 'overflow', 'throwable']) {"
        + "  try { await env.billing.invoice(k, 1); out.push('no'); }"
        + "  catch (e) { out.push(String(e.name) + ': ' + e.message + ' ' + e.stack); } }"
        + " return new Response(out.join('|')); } }"))
        .handle(Request.get("/x")).bodyText();
    assertFalse(out.contains("hunter2") || out.contains("java.") || out.contains("VaultError"), out);
    assertEquals(5, out.split("Error: billing.invoice failed \\(the host logged why\\) Error:", -1).length - 1, out);
  }

  @Test
  void anErrorOfTheImplementationNeverReachesAnExtismPlugin() {
    isola(new Failing(), Handler.wasm(WASM.resolve("extism-user.wasm")).export("invoice"));
    for (String kind : List.of("error", "assert", "oom", "overflow", "throwable")) {
      GuestException e = assertThrows(GuestException.class,
          () -> isola.handle(Request.post("/x", "[\"" + kind + "\", 1]")), kind);
      assertTrue(e.getMessage().contains("host function billing_invoice failed: billing.invoice failed"
          + " (the host logged why)") && !e.getMessage().contains("hunter2"), e.getMessage());
    }
    assertEquals("\"inv-ok-2\"", isola.handle(Request.post("/x", "[\"ok\", 2]")).bodyText());
  }
}
