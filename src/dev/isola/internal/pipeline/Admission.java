package dev.isola.internal.pipeline;

import dev.isola.Limits;
import dev.isola.OverloadedException;
import dev.isola.Response;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import org.jspecify.annotations.Nullable;

/**
 * Takes a permit of the {@code Isola}-wide limit ({@code Isola.Builder.maxInFlight}) and of the
 * route's ({@code Limits.maxInFlight}) for the rest of the call. No permit is an {@link
 * OverloadedException} (503, {@code Retry-After} 1 s) at once, never a wait.
 */
final class Admission extends Stage {
  /** Slots of the whole Isola, or null for no limit. */
  private final @Nullable Semaphore globalSlots;
  private final int maxInFlight;

  Admission(int maxInFlight) {
    this.maxInFlight = maxInFlight;
    this.globalSlots = maxInFlight == Limits.UNLIMITED ? null : new Semaphore(maxInFlight);
  }

  @Override
  Response handle(Exchange exchange) {
    Route route = exchange.route;
    Semaphore routeSlots = route.slots();
    if (globalSlots != null && !globalSlots.tryAcquire()) {
      throw new OverloadedException("this Isola already runs its limit of " + maxInFlight + " calls at once"
          + " (Isola.Builder.maxInFlight); try again shortly, or raise the limit", Duration.ofSeconds(1));
    }
    exchange.globalSlot = globalSlots;
    if (routeSlots != null && !routeSlots.tryAcquire()) {
      exchange.releaseSlots();
      throw new OverloadedException("route \"" + route.spec() + "\" already runs its limit of "
          + route.limits().maxInFlight() + " calls at once (max_in_flight); try again shortly, or raise it",
          Duration.ofSeconds(1));
    }
    exchange.routeSlot = routeSlots;
    try {
      return next.handle(exchange);
    } finally {
      // A caller that stopped waiting for a call still running on a call thread (ThreadHop) leaves
      // the permits to that call's end: the call still runs, so it still counts.
      if (!exchange.handedOff()) {
        exchange.releaseSlots();
      }
    }
  }
}
