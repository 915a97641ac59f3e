package dev.isola.internal.metrics;

import dev.isola.internal.engine.CallListener;
import dev.isola.internal.engine.GuestThreads;
import dev.isola.internal.engine.Outcomes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Records one {@code Isola}'s calls in a Micrometer registry; the meters are listed in {@code
 * dev.isola.metrics.IsolaMetrics}.
 */
public final class MicrometerListener implements CallListener {
  private final MeterRegistry registry;
  private final Tags common;
  /** Meters that read live state of the Isola: removed on close, so a new Isola can register its own. */
  private final List<Meter> live = new ArrayList<>();

  public MicrometerListener(MeterRegistry registry, Tags common, Map<String, AtomicLong> denials,
      AtomicInteger inflight, GuestThreads guests) {
    this.registry = registry;
    this.common = common;
    live.add(FunctionCounter.builder("isola.calls.written_off", guests, GuestThreads::writtenOff)
        .description("Calls whose guest did not stop when a limit tripped: answered without it, thread replaced")
        .tags(common)
        .register(registry));
    live.add(Gauge.builder("isola.calls.stuck", guests, GuestThreads::stuck)
        .description("Written-off calls whose guest still holds its thread")
        .tags(common)
        .register(registry));
    live.add(Gauge.builder("isola.calls.inflight", inflight, AtomicInteger::get)
        .description("Calls of this Isola running or waiting for a call thread")
        .tags(common)
        .register(registry));
    denials.forEach((route, count) -> live.add(FunctionCounter.builder("isola.denials", count, AtomicLong::get)
        .description("Capabilities a route's handler reached for without a grant")
        .tags(common).tag("route", route)
        .register(registry)));
  }

  @Override
  public void capabilityUsed(String route, String capability, String operation, String outcome, long nanos) {
    Timer.builder("isola.capability.calls")
        .description("Uses of application capabilities (host interfaces) by guests")
        .tags(common).tag("route", route).tag("capability", capability).tag("operation", operation)
        .tag("outcome", outcome)
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public void completed(String route, String method, int status, String outcome, long nanos) {
    Tags tags = common.and("route", route, "outcome", outcome);
    Timer.builder("isola.calls")
        .description("Routed calls, from routing to the answer or the exception")
        .tags(tags).tag("status", statusClass(status))
        .register(registry)
        .record(nanos, TimeUnit.NANOSECONDS);
    if (!Outcomes.OK.equals(outcome)) {
      Counter.builder("isola.errors")
          .description("Calls that ended with an exception instead of a response")
          .tags(tags)
          .register(registry)
          .increment();
    }
    if (outcome.startsWith(Outcomes.LIMIT_PREFIX)) {
      Counter.builder("isola.limits.exceeded")
          .description("Calls stopped or refused at one of their route's limits")
          .tags(common).tag("route", route).tag("limit", outcome.substring(Outcomes.LIMIT_PREFIX.length()))
          .register(registry)
          .increment();
    }
  }

  /** {@code 2xx}, {@code 4xx}, ...: a few values, where the status itself would be many. */
  static String statusClass(int status) {
    return status >= 100 && status < 600 ? (status / 100) + "xx" : "other";
  }

  @Override
  public void close() {
    live.forEach(registry::remove);
  }
}
