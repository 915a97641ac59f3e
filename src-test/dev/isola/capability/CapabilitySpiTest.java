package dev.isola.capability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.CallOptions;
import dev.isola.CapabilityDeniedException;
import dev.isola.Handler;
import dev.isola.HandlerLoadException;
import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.capability.counter.CounterCapability;
import dev.isola.capability.counter.CounterGrant;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A capability added in one folder ({@code capability/counter}), registered with the builder and
 * reached from JavaScript, a WAGI program and an Extism plugin, with its own grant type, per-route
 * resolution, per-call narrowing and denials.
 */
class CapabilitySpiTest {
  private static final Path WASM = Path.of("src-test/wasm");

  /** For the fixtures, which also import billing.invoice. */
  public interface Billing {
    String invoice(String customer, long cents);
  }

  private final CounterCapability counter = new CounterCapability();
  private Isola isola;

  @AfterEach
  void close() {
    if (isola != null) {
      isola.close();
    }
  }

  private Isola build(long max) {
    CounterGrant grant = new CounterGrant(max);
    isola = Isola.newBuilder()
        .capability(counter)
        .capability(HostInterface.of("billing", Billing.class, (customer, cents) -> {
          if (cents < 0) {
            throw new CapabilityException("an invoice cannot be negative");
          }
          return customer + "/" + cents;
        }))
        .route("/js", Handler.javascript("count.js", "export default { async fetch(req, env) {"
            + " await env.counter.add(3); return new Response(String(await env.counter.add(3))); } }").grants(grant))
        .route("/js-big", Handler.javascript("big.js", "export default { async fetch(req, env) {"
            + " return new Response(String(await env.counter.add(100))); } }").grants(grant))
        .route("/js-none", Handler.javascript("none.js", "export default { async fetch(req, env) {"
            + " return new Response(String(await env.counter.get())); } }"))
        .route("/wagi", Handler.wasm(WASM.resolve("wagi-capabilities.wasm")).grants(grant))
        .route("/wagi-none", Handler.wasm(WASM.resolve("wagi-capabilities.wasm")))
        .route("/extism", Handler.wasm(WASM.resolve("extism-user.wasm")).export("count").grants(grant))
        .build();
    return isola;
  }

  @Test
  void javascriptReachesIt() {
    assertEquals("6", build(5).handle(Request.get("/js")).bodyText());
    assertEquals(6, counter.value());
  }

  @Test
  void wagiReachesIt() {
    assertEquals("1 3\n1 6\n", build(5).handle(Request.get("/wagi?counter")).bodyText());
  }

  @Test
  void extismReachesIt() {
    assertEquals("3", build(5).handle(Request.post("/extism", "[3]")).bodyText());
  }

  @Test
  void aCallIsNarrowedNeverWidened() {
    build(5);
    CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class, () -> isola.handle(
        Request.get("/js"), CallOptions.newBuilder().narrow("counter", 2L).build()));
    assertTrue(e.getMessage().contains("at most 2"), e.getMessage());
    assertEquals("6", isola.handle(Request.get("/js"), CallOptions.newBuilder().narrow("counter", 50L).build())
        .bodyText());
  }

  @Test
  void aNarrowingOfACapabilityTheIsolaDoesNotRegisterIsRefused() {
    build(5);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> isola.handle(Request.get("/js"),
        CallOptions.newBuilder().narrow("countr", 2L).build()));
    assertTrue(e.getMessage().contains("CallOptions.narrow(\"countr\", ...) names a capability this Isola does not"
        + " register (it registers billing, counter)"), e.getMessage());
    assertEquals(0, counter.value());
  }

  @Test
  void aHostInterfaceTakesNoNarrowing() {
    isola = Isola.newBuilder()
        .capability(HostInterface.of("billing", Billing.class, (customer, cents) -> customer + "/" + cents))
        .route("/bill", Handler.javascript("bill.js", "export default { async fetch(req, env) {"
            + " return new Response(await env.billing.invoice('c', 1)); } }")
            .grants(dev.isola.Grants.hostInterface("billing")))
        .build();
    assertEquals("c/1", isola.handle(Request.get("/bill")).bodyText());
    dev.isola.IsolaException e = assertThrows(dev.isola.IsolaException.class, () -> isola.handle(
        Request.get("/bill"), CallOptions.newBuilder().narrow("billing", "anything").build()));
    assertTrue(e.getMessage().contains("capability billing takes no narrowing"), e.getMessage());
  }

  @Test
  void theCapabilityDeniesWhatItsGrantDoesNotAllow() {
    build(5);
    assertThrows(CapabilityDeniedException.class, () -> isola.handle(Request.get("/js-big")));
    assertThrows(CapabilityDeniedException.class, () -> isola.handle(Request.post("/extism", "[9]")));
    assertEquals(0, counter.value());
  }

  @Test
  void anUngrantedRouteIsDeniedNamingTheGrantType() {
    build(5);
    CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class,
        () -> isola.handle(Request.get("/js-none")));
    assertTrue(e.getMessage().contains("a CounterGrant"), e.getMessage());
    assertEquals("-2 ", isola.handle(Request.get("/wagi-none?counter")).bodyText().lines().findFirst().orElseThrow()
        .substring(0, 3));
    assertEquals(0, counter.value());
  }

  @Test
  void theGrantIsResolvedAtBuildTime() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> new CounterGrant(0)).getMessage()
        .contains("at least 1"));
    HandlerLoadException e = assertThrows(HandlerLoadException.class, () -> Isola.newBuilder()
        .route("/x", Handler.javascript("a.js", "export default { fetch() { return new Response('') } }")
            .grants(new CounterGrant(1)))
        .build());
    assertTrue(e.getMessage().contains("no capability named \"counter\""), e.getMessage());
  }

  @Test
  void aModuleImportingAnUnregisteredCapabilityFailsTheBuild() {
    HandlerLoadException e = assertThrows(HandlerLoadException.class, () -> Isola.newBuilder()
        .capability(counter)
        .route("/x", Handler.wasm(WASM.resolve("wagi-capabilities.wasm")))
        .build());
    assertTrue(e.getMessage().contains("isola:host/billing.invoice") && e.getMessage().contains("isola:host/counter"),
        e.getMessage());
  }

  @Test
  void operationsAreDescribedAsRegistered() {
    assertEquals(List.of("add", "get"), counter.operations().stream().map(Operation::name).toList());
  }
}
