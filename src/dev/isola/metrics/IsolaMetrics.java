package dev.isola.metrics;

import dev.isola.Isola;
import dev.isola.IsolaException;
import dev.isola.internal.engine.CallListener;
import dev.isola.internal.pipeline.Access;
import dev.isola.internal.metrics.MicrometerListener;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import java.util.Objects;

/**
 * Where an {@link Isola} reports its calls, set with {@link Isola.Builder#metrics(IsolaMetrics)}.
 * Micrometer ({@code io.micrometer:micrometer-core}) is an optional dependency: add it to use {@link
 * #micrometer(MeterRegistry)}; an {@code Isola} without metrics never loads it.
 *
 * <pre>{@code
 * MeterRegistry registry = new SimpleMeterRegistry();   // or your application's registry
 * try (Isola isola = Isola.newBuilder()
 *     .route("GET /hello/:name", Handler.javascript(Path.of("handlers/hello.js")))
 *     .metrics(IsolaMetrics.micrometer(registry))
 *     .build()) {
 *   isola.handle(Request.get("/hello/world"));
 * }
 * }</pre>
 *
 * <p>The meters, each also tagged with the tags given to {@link #micrometer(MeterRegistry, Iterable)}:
 *
 * <ul>
 *   <li>{@code isola.calls} (timer): every routed call, from routing to the answer or the exception,
 *       tagged {@code route} (as declared), {@code outcome} ({@code ok}, {@code guest-error}, {@code
 *       limit:timeout}, {@code limit:memory}, {@code limit:max_request_body}, {@code
 *       limit:max_response_body}, {@code denied}, {@code overloaded}, {@code error}) and {@code
 *       status} ({@code 2xx}, {@code 4xx}, {@code 5xx}: the response's, or the exception's {@link
 *       IsolaException#httpStatus()}).
 *   <li>{@code isola.errors} (counter): calls that ended with an exception, tagged {@code route} and
 *       {@code outcome}.
 *   <li>{@code isola.limits.exceeded} (counter): calls stopped at a limit, tagged {@code route} and
 *       {@code limit} ({@code timeout}, {@code memory}, ...).
 *   <li>{@code isola.denials} (function counter): {@link Isola#capabilityDenials()} per {@code
 *       route}, including denials the handler caught.
 *   <li>{@code isola.capability.calls} (timer): each use of an application capability ({@link
 *       dev.isola.capability.HostInterface} or another {@link dev.isola.capability.Capability}),
 *       tagged {@code route}, {@code capability}, {@code operation} and {@code outcome} ({@code ok},
 *       {@code denied}, {@code invalid}, {@code failed}).
 *   <li>{@code isola.calls.inflight} (gauge): calls of this {@code Isola} running or waiting for a
 *       call thread.
 *   <li>{@code isola.calls.written_off} (function counter): calls whose guest did not stop when a
 *       limit tripped, answered without it and their thread replaced (each is also logged at ERROR).
 *   <li>{@code isola.calls.stuck} (gauge): written-off calls whose guest still holds its thread.
 * </ul>
 *
 * <p>Requests that match no route (404, 405, 400) are not counted: they never reach a handler.
 * {@link Isola#close()} removes the gauge and function counters, which read the closed {@code
 * Isola}; timers and counters stay. Two {@code Isola}s in one registry need a tag each to keep their
 * gauges apart: {@code IsolaMetrics.micrometer(registry, Tags.of("isola", "api"))}.
 */
public final class IsolaMetrics {
  static {
    Access.registerMetrics(metrics -> metrics.listeners);
  }

  private final CallListener.Factory listeners;

  private IsolaMetrics(CallListener.Factory listeners) {
    this.listeners = listeners;
  }

  /** Records calls in {@code registry} with the meters listed above. */
  public static IsolaMetrics micrometer(MeterRegistry registry) {
    return micrometer(registry, Tags.empty());
  }

  /** Like {@link #micrometer(MeterRegistry)}, with {@code tags} added to every meter. */
  public static IsolaMetrics micrometer(MeterRegistry registry, Iterable<Tag> tags) {
    Objects.requireNonNull(registry, "registry");
    Tags common = Tags.of(Objects.requireNonNull(tags, "tags"));
    return new IsolaMetrics((denials, inflight, guests) ->
        new MicrometerListener(registry, common, denials, inflight, guests));
  }
}
