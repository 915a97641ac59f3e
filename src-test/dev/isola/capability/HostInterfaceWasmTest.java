package dev.isola.capability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.CapabilityDeniedException;
import dev.isola.GuestException;
import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.capability.counter.CounterCapability;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A host interface called from a WAGI program in C and from an Extism plugin importing extism:host/user. */
class HostInterfaceWasmTest {
  private static final Path WASM = Path.of("src-test/wasm");

  private final List<String> seen = new CopyOnWriteArrayList<>();
  private Isola isola;

  @BeforeEach
  void build() {
    CapabilitySpiTest.Billing billing = (customer, cents) -> {
      seen.add(customer + ":" + cents);
      if (cents < 0) {
        throw new CapabilityException("an invoice cannot be negative (" + cents + ")");
      }
      return "inv-" + customer + "-" + cents;
    };
    isola = Isola.newBuilder()
        .capability(HostInterface.of("billing", CapabilitySpiTest.Billing.class, billing))
        .capability(new CounterCapability())
        .route("/wagi", Handler.wasm(WASM.resolve("wagi-capabilities.wasm")).grants(Grants.hostInterface("billing")))
        .route("/wagi-denied", Handler.wasm(WASM.resolve("wagi-capabilities.wasm")))
        .route("/extism", Handler.wasm(WASM.resolve("extism-user.wasm")).export("invoice")
            .grants(Grants.hostInterface("billing")))
        .route("/extism-none", Handler.wasm(WASM.resolve("extism-user.wasm")).export("none")
            .grants(Grants.hostInterface("billing")))
        .route("/extism-denied", Handler.wasm(WASM.resolve("extism-user.wasm")).export("invoice"))
        .build();
  }

  @AfterEach
  void close() {
    isola.close();
  }

  @Test
  void wagiCallsItWithJsonInAndOut() {
    assertEquals("13 \"inv-c-1-500\"\n", isola.handle(Request.get("/wagi?invoice")).bodyText());
    assertEquals(List.of("c-1:500"), seen);
  }

  @Test
  void wagiGetsTheCapabilitysMessageAndBadArgumentsAreInvalid() {
    assertEquals("-4 an invoice cannot be negative (-5)\n", isola.handle(Request.get("/wagi?negative")).bodyText());
    String bad = isola.handle(Request.get("/wagi?bad")).bodyText();
    assertTrue(bad.startsWith("-3 billing.invoice: argument 2 must be an integer"), bad);
    assertTrue(bad.contains("\n-3 the arguments are not JSON"), bad);
    assertEquals(List.of("c-1:-5"), seen);
  }

  @Test
  void wagiIsDeniedWithoutTheGrant() {
    assertEquals("-2 route \"/wagi-denied\"", isola.handle(Request.get("/wagi-denied?invoice")).bodyText()
        .substring(0, 23));
    assertTrue(seen.isEmpty());
    assertEquals(1L, isola.capabilityDenials().get("/wagi-denied"));
  }

  @Test
  void anExtismPluginCallsItAsAnExtismHostFunction() {
    assertEquals("\"inv-c-2-7\"", isola.handle(Request.post("/extism", "[\"c-2\", 7]")).bodyText());
    assertEquals(List.of("c-2:7"), seen);
  }

  @Test
  void anExtismHostFunctionsFailureFailsThePluginsCall() {
    GuestException e = assertThrows(GuestException.class, () -> isola.handle(Request.post("/extism", "[\"c\", -1]")));
    assertTrue(e.getMessage().contains("host function billing_invoice failed: an invoice cannot be negative (-1)"),
        e.getMessage());
    GuestException none = assertThrows(GuestException.class, () -> isola.handle(Request.post("/extism-none", "")));
    assertTrue(none.getMessage().contains("billing.invoice takes 2 arguments, got 0"), none.getMessage());
  }

  @Test
  void anExtismPluginIsDeniedWithoutTheGrant() {
    CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class,
        () -> isola.handle(Request.post("/extism-denied", "[\"c\", 1]")));
    assertTrue(e.getMessage().contains("Grants.hostInterface(\"billing\")"), e.getMessage());
    assertTrue(seen.isEmpty());
  }
}
