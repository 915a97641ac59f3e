package dev.isola.internal.pipeline;

import dev.isola.IsolaException;
import dev.isola.Response;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/**
 * Moves a WebAssembly call from a virtual thread to a platform call thread of the {@code Isola}
 * (allocation is measured per platform thread, so guest code never runs on a virtual thread) and
 * waits for it; every other call goes on in place (JavaScript guests always run on their own
 * threads, see {@code GuestThreads}). A full pool is an {@link dev.isola.OverloadedException}. The
 * deadline already runs while the call waits for a thread.
 */
final class ThreadHop extends Stage {
  private final IsolaRuntime runtime;

  ThreadHop(IsolaRuntime runtime) {
    this.runtime = runtime;
  }

  @Override
  Response handle(Exchange exchange) {
    Route route = exchange.route;
    if (!Thread.currentThread().isVirtual() || route.handler().runsOnOwnThreads()) {
      return next.handle(exchange);
    }
    Future<Response> future;
    try {
      future = runtime.callThreads().submit(
          dev.isola.internal.engine.CallerMdc.carried(exchange.resumingAt(next)::call)::get);
    } catch (RejectedExecutionException e) {
      throw runtime.overloaded(e);
    }
    try {
      return future.get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new IsolaException("route \"" + route.spec() + "\": the call failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      // Not future.cancel(true): interrupting a thread inside GraalJS is reported to the guest. The
      // call runs on to its own limits; its caller is gone, and its permits stay taken until it ends.
      exchange.handOff();
      Thread.currentThread().interrupt();
      throw new IsolaException("route \"" + route.spec() + "\": interrupted while waiting for the call", e);
    }
  }
}
