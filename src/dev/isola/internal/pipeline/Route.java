package dev.isola.internal.pipeline;

import dev.isola.Limits;
import dev.isola.internal.capability.RouteCapabilities;
import dev.isola.internal.engine.PreparedHandler;
import java.util.concurrent.Semaphore;
import org.jspecify.annotations.Nullable;

/**
 * One route as the pipeline runs it, made when the {@link dev.isola.Isola} is built.
 *
 * @param spec the route as declared
 * @param handler what the engine prepared
 * @param limits the handler's limits, or the builder's defaults
 * @param capabilities what the route was granted
 * @param slots the route's admission permits ({@link Limits#maxInFlight()}), or null for no limit
 */
public record Route(String spec, PreparedHandler handler, Limits limits, RouteCapabilities capabilities,
    @Nullable Semaphore slots) {

  /** A route with admission permits for its {@link Limits#maxInFlight()}, if it has one. */
  public static Route of(String spec, PreparedHandler handler, Limits limits, RouteCapabilities capabilities) {
    return new Route(spec, handler, limits, capabilities,
        limits.maxInFlight() == Limits.UNLIMITED ? null : new Semaphore(limits.maxInFlight()));
  }
}
