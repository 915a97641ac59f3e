package dev.isola.capability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.CapabilityDeniedException;
import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.HandlerLoadException;
import dev.isola.Isola;
import dev.isola.metrics.IsolaMetrics;
import dev.isola.Request;
import dev.isola.Response;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Host interfaces from JavaScript: env.NAME.op(...) on granted routes, denials elsewhere. */
class HostInterfaceJsTest {
  /** The application's service, as a Java interface. */
  public interface Billing {
    String invoice(String customer, long cents);

    Map<String, Object> summary(List<Object> items, boolean detailed);

    byte[] pdf(byte[] header);

    void forget(String customer);

    double rate(int band);

    String secret();
  }

  static final class RealBilling implements Billing {
    final List<String> seen = new CopyOnWriteArrayList<>();

    @Override
    public String invoice(String customer, long cents) {
      seen.add(customer + ":" + cents);
      if (cents < 0) {
        throw new CapabilityException("an invoice cannot be negative (" + cents + ")");
      }
      return "inv-" + customer + "-" + cents;
    }

    @Override
    public Map<String, Object> summary(List<Object> items, boolean detailed) {
      return Map.of("count", items.size(), "detailed", detailed, "first", items.isEmpty() ? "none" : items.get(0));
    }

    @Override
    public byte[] pdf(byte[] header) {
      byte[] out = new byte[header.length + 1];
      System.arraycopy(header, 0, out, 0, header.length);
      out[header.length] = (byte) 0xff;
      return out;
    }

    @Override
    public void forget(String customer) {
      seen.add("forget:" + customer);
    }

    @Override
    public double rate(int band) {
      return band * 0.5;
    }

    @Override
    public String secret() {
      throw new IllegalStateException("database password is hunter2");
    }
  }

  private final RealBilling billing = new RealBilling();
  private Isola isola;

  @AfterEach
  void close() {
    if (isola != null) {
      isola.close();
    }
  }

  private Isola isola(String code, boolean granted) {
    Handler handler = Handler.javascript("billing.js", code);
    if (granted) {
      handler = handler.grants(Grants.hostInterface("billing"));
    }
    isola = Isola.newBuilder()
        .capability(HostInterface.of("billing", Billing.class, billing))
        .route("/x", handler)
        .build();
    return isola;
  }

  private String body(String code) {
    Response r = isola(code, true).handle(Request.get("/x"));
    return r.bodyText();
  }

  @Test
  void callsTheApplicationsImplementationWithCopiedValues() {
    assertEquals("inv-c-1-500", body("export default { async fetch(req, env) {"
        + " return new Response(await env.billing.invoice('c-1', 500)); } }"));
    assertEquals(List.of("c-1:500"), billing.seen);
  }

  @Test
  void jsonBytesVoidAndNumbersTravel() {
    assertEquals("{\"count\":2,\"detailed\":true,\"first\":{\"a\":1}}|1,2,255|undefined|1.5", body(
        "export default { async fetch(req, env) {"
        + " const s = await env.billing.summary([{a: 1}, 'b'], true);"
        + " const p = new Uint8Array(await env.billing.pdf(new Uint8Array([1, 2])));"
        + " const f = await env.billing.forget('c-9');"
        + " const r = await env.billing.rate(3);"
        + " return new Response(JSON.stringify({count: s.count, detailed: s.detailed, first: s.first}) + '|' + p.join(',')"
        + "  + '|' + f + '|' + r); } }"));
    assertTrue(billing.seen.contains("forget:c-9"));
  }

  @Test
  void aCapabilityExceptionReachesTheGuestAsAnError() {
    assertEquals("Error: an invoice cannot be negative (-5)", body("export default { async fetch(req, env) {"
        + " try { await env.billing.invoice('c', -5); return new Response('no'); }"
        + " catch (e) { return new Response(e.name + ': ' + e.message); } } }"));
  }

  @Test
  void anyOtherExceptionReachesTheGuestWithoutItsMessage() {
    String out = body("export default { async fetch(req, env) {"
        + " try { await env.billing.secret(); return new Response('no'); }"
        + " catch (e) { return new Response(e.message + '|' + e.stack); } } }");
    assertTrue(out.startsWith("billing.secret failed (the host logged why)"), out);
    assertTrue(!out.contains("hunter2") && !out.contains("IllegalStateException") && !out.contains("dev.isola"), out);
  }

  @Test
  void argumentsAreCheckedAgainstTheOperation() {
    assertEquals("TypeError: billing.invoice: argument 2 must be a safe integer, got a string ('5')"
        + "|TypeError: billing.invoice takes 2 arguments, got 1"
        + "|TypeError: billing.pdf: argument 1 must be an ArrayBuffer, typed array or DataView, got a string ('x')"
        + "|Error: billing.rate: argument 1 (4294967296) is out of the range of an int",
        body("export default { async fetch(req, env) { const out = [];"
            + " for (const f of [() => env.billing.invoice('c', '5'), () => env.billing.invoice('c'),"
            + "   () => env.billing.pdf('x'), () => env.billing.rate(2 ** 32)]) {"
            + "  try { await f(); out.push('no'); } catch (e) { out.push(e.name + ': ' + e.message); } }"
            + " return new Response(out.join('|')); } }"));
    assertTrue(billing.seen.isEmpty(), "no call reached the implementation: " + billing.seen);
  }

  @Test
  void anUngrantedRouteIsDeniedNamingTheGrant() {
    isola("export default { async fetch(req, env) { return new Response(await env.billing.invoice('c', 1)); } }",
        false);
    CapabilityDeniedException e = assertThrows(CapabilityDeniedException.class, () -> isola.handle(Request.get("/x")));
    assertTrue(e.getMessage().contains("host_interfaces = [\"billing\"]")
        && e.getMessage().contains("Grants.hostInterface(\"billing\")"), e.getMessage());
    assertTrue(billing.seen.isEmpty());
    assertEquals(Map.of("/x", 1L), isola.capabilityDenials());
  }

  @Test
  void anUngrantedBindingCanBeCaughtAndIsNotEnumerable() {
    Response r = isola("export default { async fetch(req, env) { let m; try { env.billing; m = 'no'; }"
        + " catch (e) { m = e.name; } return new Response(m + '|' + Object.keys(env).join(',')); } }", false)
        .handle(Request.get("/x"));
    assertEquals("CapabilityDeniedError|", r.bodyText());
  }

  @Test
  void aGrantOfAnUnregisteredCapabilityFailsTheBuild() {
    HandlerLoadException e = assertThrows(HandlerLoadException.class, () -> Isola.newBuilder()
        .route("/x", Handler.javascript("a.js", "export default { fetch() { return new Response('') } }")
            .grants(Grants.hostInterface("billing")))
        .build());
    assertTrue(e.getMessage().contains("no capability named \"billing\"")
        && e.getMessage().contains("Isola.Builder.capability(HostInterface.of(\"billing\""), e.getMessage());
  }

  @Test
  void usesAreCountedInMetrics() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    isola = Isola.newBuilder()
        .metrics(IsolaMetrics.micrometer(registry))
        .capability(HostInterface.of("billing", Billing.class, billing))
        .route("/x", Handler.javascript("m.js", "export default { async fetch(req, env) {"
            + " await env.billing.invoice('a', 1); try { await env.billing.invoice('a', -1) } catch {}"
            + " return new Response('ok'); } }").grants(Grants.hostInterface("billing")))
        .build();
    isola.handle(Request.get("/x"));
    assertEquals(1, registry.get("isola.capability.calls").tag("capability", "billing").tag("operation", "invoice")
        .tag("outcome", "ok").timer().count());
    assertEquals(1, registry.get("isola.capability.calls").tag("outcome", "failed").timer().count());
  }

  public interface Overloaded {
    String a(String x);

    String a(long x);
  }

  public interface Unsafe {
    Thread thread();
  }

  @Test
  void interfacesGuestsCannotUseAreRefused() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> HostInterface.of("o", Overloaded.class, new Overloaded() {
          public String a(String x) {
            return x;
          }

          public String a(long x) {
            return "";
          }
        })).getMessage().contains("overloaded"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> HostInterface.of("u", Unsafe.class, () -> null))
        .getMessage().contains("java.lang.Thread"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> HostInterface.of("kv", Billing.class, billing))
        .getMessage().contains("one of Isola's own"));
    assertThrows(IllegalArgumentException.class, () -> Isola.newBuilder()
        .capability(HostInterface.of("billing", Billing.class, billing))
        .capability(HostInterface.of("billing", Billing.class, billing)));
  }
}
