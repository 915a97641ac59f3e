package dev.isola.internal.pipeline;

import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.engine.CallEvent;
import dev.isola.internal.engine.CallListener;
import dev.isola.internal.engine.Outcomes;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the call its request id and reports it, however it ends, as a JFR {@link CallEvent} and to
 * the {@link CallListener} (metrics), counting it in the in-flight gauge meanwhile.
 */
final class Observation extends Stage {
  private static final Logger log = LoggerFactory.getLogger(Isola.class);

  private final CallListener listener;
  /** Routed calls running or waiting for a call thread, for the metrics' gauge. */
  private final AtomicInteger inflight;

  Observation(CallListener listener, AtomicInteger inflight) {
    this.listener = listener;
    this.inflight = inflight;
  }

  @Override
  Response handle(Exchange exchange) {
    Request request = exchange.request;
    String requestId = requestId(request);
    exchange.requestId = requestId;
    // No JFR event class is loaded until JFR runs in this JVM (see CallEvent.begun).
    CallEvent event = jdk.jfr.FlightRecorder.isInitialized() ? CallEvent.begun() : null;
    long start = System.nanoTime();
    inflight.incrementAndGet();
    try {
      Response response = next.handle(exchange);
      completed(event, start, exchange.route.spec(), request, requestId, response.status(), Outcomes.OK);
      return response;
    } catch (RuntimeException | Error e) {
      completed(event, start, exchange.route.spec(), request, requestId, Outcomes.status(e), Outcomes.of(e));
      throw e;
    } finally {
      inflight.decrementAndGet();
    }
  }

  private void completed(@Nullable CallEvent event, long start, String route, Request request, String requestId,
      int status, String outcome) {
    long nanos = System.nanoTime() - start;
    if (event != null) {
      event.commitIfWanted(route, request.method(), request.path(), status, outcome, requestId);
    }
    try {
      listener.completed(route, request.method(), status, outcome, nanos);
    } catch (RuntimeException e) {
      log.warn("the call listener failed on a call of route {}", route, e);
    }
  }

  /** The caller's plain {@code X-Request-Id}, else a new random id. */
  private static String requestId(Request request) {
    return request.requestId()
        .orElseGet(() -> Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE));
  }
}
