package dev.isola.internal.pipeline;

import dev.isola.CallOptions;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.engine.Call;
import dev.isola.internal.route.Lookup;
import java.util.concurrent.Callable;

/**
 * One call on its way through the {@link Pipeline}: what the caller gave, and what each stage has
 * fixed so far. The only object the pipeline allocates per call; confined to the call (it crosses
 * to a call thread only through {@link ThreadHop}, whose executor hand-off orders the writes).
 */
final class Exchange implements Callable<Response> {
  final Request request;
  final CallOptions options;
  /** Set by {@link Routing}. */
  Lookup.Found<Route> found;
  /** Set by {@link Routing}: {@code found.target()}. */
  Route route;
  /** Set by {@link Observation}: the caller's plain {@code X-Request-Id}, else a random one. */
  String requestId;
  /** Set by {@link Deadline}: the {@link System#nanoTime()} the call must end by. */
  long deadline;
  /** Set by {@link Narrowing}: what the engine's sandbox gets. */
  Call call;
  /** Set by {@link ThreadHop}: where the call goes on from on a call thread. */
  private Stage resume;

  Exchange(Request request, CallOptions options) {
    this.request = request;
    this.options = options;
  }

  /** Runs the rest of the pipeline from {@code stage} when this exchange is {@linkplain #call() called}. */
  Exchange resumingAt(Stage stage) {
    this.resume = stage;
    return this;
  }

  /** The rest of the pipeline, on a call thread (see {@link ThreadHop}). */
  @Override
  public Response call() {
    return resume.handle(this);
  }
}
