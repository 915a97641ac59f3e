package dev.isola.internal.capability;

import dev.isola.internal.capability.http.AddressPolicy;
import dev.isola.internal.capability.http.LoopbackServer;
import dev.isola.internal.capability.http.HttpCall;
import dev.isola.internal.capability.http.OutboundHttp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.CallOptions;
import dev.isola.CapabilityDeniedException;
import dev.isola.Grant;
import dev.isola.Grants;
import dev.isola.capability.Audit;
import dev.isola.capability.AuditReport;
import dev.isola.kv.KeyValueStore;
import dev.isola.kv.KeyValueStores;
import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The recorder at the gate: bounded whatever a guest does, and a permissive audit under the address policy. */
class AuditRecorderTest {
  private static final long FAR = Long.MAX_VALUE / 2;

  private static GrantResolver resolver(Map<String, KeyValueStore> stores, OutboundHttp http) {
    return new GrantResolver(stores, Map.of(), Map.of(), List.of(), Extensions.NONE, http);
  }

  private static CallCapabilities call(RouteCapabilities route, AuditRecorder recorder) {
    return route.forCall("", null, System.nanoTime() + FAR, 1 << 20, "id", CallOptions.none(), CapabilityObserver.NONE,
        recorder);
  }

  @Test
  void manyDistinctKeysAndDenials_keepBoundedSummaries() {
    KeyValueStore store = KeyValueStores.inMemory();
    GrantResolver resolver = resolver(Map.of("s", store), null);
    RouteCapabilities route = resolver.resolve("/r", List.<Grant>of(Grants.keyValue("s")));
    AuditRecorder recorder = new AuditRecorder(Audit.RECORD, resolver);
    Random random = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      CallCapabilities caps = call(route, recorder);
      caps.kvGet("s", (i % 2 == 0 ? "user:" : "order-") + Long.toHexString(random.nextLong()));
      assertThrows(CapabilityDeniedException.class, () -> caps.kvGet("store" + random.nextInt(), "k"));
    }
    AuditReport.RouteAudit audit = recorder.report().route("/r").orElseThrow();
    assertEquals(20_000, audit.calls());
    assertEquals(List.of("key_value = [\"s\"]"), audit.neededToml());
    String note = audit.needed().get(0).note();
    assertEquals("s: keys \"user:*\", \"order-*\"", note);
    assertTrue(note.length() < AuditReport.MAX_KEY_SHAPES * 40, note);
    assertEquals(AuditReport.RouteAudit.MAX_DENIALS, audit.denied().size());
    assertEquals(20_000, audit.deniedNotShown() + countOf(audit.denied()), "every denial counted, kept or not");
    assertTrue(audit.toToml().length() < 8_000, audit.toToml());
  }

  /** Denied uses counted in the kept lines (each asked once here, as every store name was new). */
  private static long countOf(List<AuditReport.Line> lines) {
    return lines.stream().mapToLong(AuditReport.Line::times).sum();
  }

  @Test
  void aListingIsAPrefix_notAKey() {
    GrantResolver resolver = resolver(Map.of("s", KeyValueStores.inMemory()), null);
    resolver.resolve("/r", List.<Grant>of(Grants.keyValue("s")));
    AuditRecorder recorder = new AuditRecorder(Audit.RECORD, resolver);
    AuditRecorder.Route route = recorder.call("/r");
    route.prefix("s", "user");
    route.key("s", "user42");
    assertEquals("s: keys \"user*\"", recorder.report().route("/r").orElseThrow().needed().get(0).note());
    route.prefix("s", "");
    assertEquals("s: keys any key", recorder.report().route("/r").orElseThrow().needed().get(0).note());
  }

  @Test
  void keyShapes_mergeIntoCommonPrefixes() {
    GrantResolver resolver = resolver(Map.of("s", KeyValueStores.inMemory()), null);
    resolver.resolve("/r", List.<Grant>of(Grants.keyValue("s")));
    AuditRecorder recorder = new AuditRecorder(Audit.RECORD, resolver);
    AuditRecorder.Route route = recorder.call("/r");
    for (int i = 0; i < 1000; i++) {
      route.key("s", "order" + i);
    }
    route.key("s", "user:1");
    assertEquals("s: keys \"order*\", \"user:*\"", recorder.report().route("/r").orElseThrow().needed().get(0).note());
    Random random = new Random(3);
    for (int i = 0; i < 10_000; i++) {
      route.key("t", Long.toHexString(random.nextLong()) + "\n" + "x".repeat(i % 300));
    }
    String t = recorder.report().route("/r").orElseThrow().needed().get(0).note();
    assertTrue(t.length() < 2 * AuditReport.MAX_KEY_SHAPES * 40 && !t.contains("\n"), t);
    assertEquals(new AuditRecorder.Shape("user:", true), AuditRecorder.shape("user:42"));
    assertEquals(new AuditRecorder.Shape("counter", false), AuditRecorder.shape("counter"));
    assertEquals(new AuditRecorder.Shape("a".repeat(32), true), AuditRecorder.shape("a".repeat(100)));
  }

  @Test
  void permissive_aNameResolvingToLoopback_isRefusedByTheAddressPolicy() throws Exception {
    try (LoopbackServer server = LoopbackServer.answering(200, "inside")) {
      AddressPolicy rebinding = new AddressPolicy(host -> new InetAddress[] {InetAddress.getLoopbackAddress()});
      OutboundHttp http = new OutboundHttp(Duration.ofSeconds(5), 1 << 20, rebinding);
      GrantResolver resolver = resolver(Map.of(), http);
      RouteCapabilities route = resolver.resolve("/r", List.of());
      AuditRecorder recorder = new AuditRecorder(Audit.PERMISSIVE, resolver);
      try {
        HttpCall request = new HttpCall("GET", URI.create("http://rebound.example.com:" + server.port() + "/"),
            Map.of(), new byte[0]);
        assertThrows(CapabilityDeniedException.class, () -> call(route, recorder).fetch(request));
        assertEquals(0, server.seen.size(), "the loopback server was reached");
        // The audit let the name through its own check, so it is listed as let through; the policy refused it.
        AuditReport.RouteAudit audit = recorder.report().route("/r").orElseThrow();
        assertEquals(List.of("outbound_http = [\"http://rebound.example.com:" + server.port() + "\"]"),
            audit.deniedToml());
      } finally {
        http.close();
      }
    }
  }

  @Test
  void record_neverLetsThrough() {
    KeyValueStore store = KeyValueStores.inMemory();
    GrantResolver resolver = resolver(Map.of("s", store), null);
    RouteCapabilities route = resolver.resolve("/r", List.of());
    AuditRecorder recorder = new AuditRecorder(Audit.RECORD, resolver);
    CallCapabilities caps = call(route, recorder);
    assertThrows(CapabilityDeniedException.class, () -> caps.kvPut("s", "k", new byte[] {1}));
    assertThrows(CapabilityDeniedException.class,
        () -> caps.fetch(new HttpCall("GET", URI.create("https://api.example.com/"), Map.of(), new byte[0])));
    assertTrue(store.list("", 10).isEmpty());
    assertEquals(List.of("key_value = [\"s\"]", "outbound_http = [\"https://api.example.com\"]"),
        recorder.report().route("/r").orElseThrow().deniedToml());
    assertEquals(2, route.denials().get());
  }
}
