package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.isola.kv.KeyValueStore;
import dev.isola.metrics.IsolaMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link IsolaMetrics#micrometer}: the meters README and Javadoc list, with their tags. */
class IsolaMetricsTest {
  private static final String EVAL = """
      const AsyncFunction = (async () => {}).constructor;
      export default {
        async fetch(request, env) {
          return new Response(String(await new AsyncFunction("env", await request.text())(env)));
        },
      };
      """;

  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicReference<Double> inflightSeen = new AtomicReference<>();
  private final Isola isola = Isola.newBuilder()
      .store("probe", inflightProbe())
      .route("POST /eval", Handler.javascript("eval.js", EVAL)
          .grants(Grants.outboundHttp("http://127.0.0.1:9"), Grants.keyValue("probe")))
      // Only the timeout can stop the loop (it allocates nothing like 64 GiB); 2 s leaves its module
      // room to load at build() on a busy machine.
      .route("POST /loop", Handler.javascript("loop.js", "export default { fetch() { while (true) {} } };")
          .limits(Limits.newBuilder().timeout(Duration.ofSeconds(2)).memory(DataSize.ofGiB(64)).build()))
      .metrics(IsolaMetrics.micrometer(registry))
      .build();

  @AfterEach
  void close() {
    isola.close();
  }

  @Test
  void okCalls_areTimedPerRouteOutcomeAndStatusClass() {
    isola.handle(Request.post("/eval", "return 'a';"));
    isola.handle(Request.post("/eval", "return 'b';"));

    assertEquals(2, registry.get("isola.calls").tags("route", "POST /eval", "outcome", "ok", "status", "2xx")
        .timer().count());
    assertNull(registry.find("isola.errors").counter());
  }

  @Test
  void guestError_isTimedAsA5xxAndCountedAsAnError() {
    assertThrows(GuestException.class, () -> isola.handle(Request.post("/eval", "throw new Error('boom');")));

    assertEquals(1, registry.get("isola.calls").tags("outcome", "guest-error", "status", "5xx").timer().count());
    assertEquals(1, registry.get("isola.errors").tags("route", "POST /eval", "outcome", "guest-error")
        .counter().count());
  }

  @Test
  void timeout_isCountedAsTheLimitItCrossed() {
    assertThrows(LimitExceededException.class, () -> isola.handle(Request.post("/loop", "")));

    assertEquals(1, registry.get("isola.limits.exceeded").tags("route", "POST /loop", "limit", "timeout")
        .counter().count());
    assertEquals(1, registry.get("isola.calls").tags("outcome", "limit:timeout", "status", "5xx").timer().count());
    assertEquals(1, registry.get("isola.errors").tags("outcome", "limit:timeout").counter().count());
  }

  @Test
  void requestBodyTooLarge_isCountedBeforeTheHandlerRuns() {
    Isola small = Isola.newBuilder()
        .route("POST /small", Handler.javascript("small.js", "export default { fetch() { return new Response(''); } };")
            .limits(Limits.newBuilder().maxRequestBody(DataSize.ofBytes(4)).build()))
        .metrics(IsolaMetrics.micrometer(registry))
        .build();
    try (small) {
      assertThrows(LimitExceededException.class, () -> small.handle(Request.post("/small", "too long")));
    }

    assertEquals(1, registry.get("isola.calls").tags("outcome", "limit:max_request_body", "status", "4xx")
        .timer().count());
  }

  @Test
  void uncaughtDenial_isCountedAsDeniedAndAsADenialOfTheRoute() {
    assertThrows(CapabilityDeniedException.class,
        () -> isola.handle(Request.post("/eval", "await fetch('http://127.0.0.2:9/');")));

    assertEquals(1, registry.get("isola.denials").tag("route", "POST /eval").functionCounter().count());
    assertEquals(1, registry.get("isola.calls").tags("outcome", "denied", "status", "4xx").timer().count());
  }

  @Test
  void caughtDenial_isADenialOfTheRouteInAnOkCall() {
    isola.handle(Request.post("/eval", "try { await fetch('http://127.0.0.2:9/'); } catch (e) {} return 'ok';"));

    assertEquals(1, registry.get("isola.denials").tag("route", "POST /eval").functionCounter().count());
    assertEquals(0, registry.get("isola.denials").tag("route", "POST /loop").functionCounter().count());
    assertEquals(1, registry.get("isola.calls").tags("outcome", "ok").timer().count());
  }

  @Test
  void inflight_countsTheRunningCall() {
    isola.handle(Request.post("/eval", "return await env.KV.get('x');"));

    assertEquals(1.0, inflightSeen.get());
    assertEquals(0.0, registry.get("isola.calls.inflight").gauge().value());
  }

  @Test
  void writtenOff_noCallWrittenOff_readsZero() {
    isola.handle(Request.post("/eval", "return 'ok';"));

    assertEquals(0, registry.get("isola.calls.written_off").functionCounter().count());
    assertEquals(0.0, registry.get("isola.calls.stuck").gauge().value());
  }

  @Test
  void close_removesTheMetersThatReadTheIsola() {
    isola.close();

    assertNull(registry.find("isola.calls.inflight").gauge());
    assertNull(registry.find("isola.denials").functionCounter());
    assertNull(registry.find("isola.calls.written_off").functionCounter());
    assertNull(registry.find("isola.calls.stuck").gauge());
  }

  @Test
  void commonTags_areOnEveryMeter() {
    MeterRegistry tagged = new SimpleMeterRegistry();
    try (Isola other = Isola.newBuilder()
        .route("GET /a", Handler.javascript("a.js", "export default { fetch() { return new Response('a'); } };"))
        .metrics(IsolaMetrics.micrometer(tagged, Tags.of("isola", "api")))
        .build()) {
      other.handle(Request.get("/a"));

      assertEquals(1, tagged.get("isola.calls").tags("isola", "api", "route", "GET /a").timer().count());
      assertEquals(0.0, tagged.get("isola.calls.inflight").tag("isola", "api").gauge().value());
      assertEquals(0, tagged.get("isola.denials").tags("isola", "api", "route", "GET /a").functionCounter().count());
    }
  }

  @Test
  void withoutMetrics_isolaRunsWithoutMicrometer() throws Exception {
    String classPath = java.util.Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
        .filter(entry -> !entry.contains("micrometer"))
        .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
    Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", classPath, WithoutMicrometerChild.class.getName(), "samples/wasm/hello-wagi.wasm")
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    String output = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

    assertEquals(0, child.waitFor());
    assertEquals("200 micrometer absent", output.strip());
  }

  /** A store whose reads note the inflight gauge: a call's view of the metrics while it runs. */
  private KeyValueStore inflightProbe() {
    return new ObservedStore(() -> inflightSeen.set(registry.get("isola.calls.inflight").gauge().value()));
  }
}
