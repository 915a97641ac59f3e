package dev.isola.internal.pipeline;

import dev.isola.LimitExceededException;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.Response;

/**
 * Refuses a request body over the route's {@code maxRequestBody} (413) and fixes the call's
 * deadline: now plus the route's timeout, or the caller's {@code CallOptions.timeout} if sooner. The
 * deadline runs from here, through admission and any wait for a call thread.
 */
final class Deadline extends Stage {
  @Override
  Response handle(Exchange exchange) {
    Route route = exchange.route;
    Request request = exchange.request;
    Limits limits = route.limits();
    if (request.bodyLength() > limits.maxRequestBody().bytes()) {
      throw new LimitExceededException(route.spec(), LimitExceededException.Limit.REQUEST_BODY,
          "the request body of " + request.bodyLength() + " bytes is larger than max_request_body "
              + limits.maxRequestBody() + "; send less or raise maxRequestBody");
    }
    long deadline = System.nanoTime() + limits.timeout().toNanos();
    if (exchange.options.timeout().isPresent()) { // the embedder's deadline, if sooner, wins
      deadline = Math.min(deadline, System.nanoTime() + exchange.options.timeout().get().toNanos());
    }
    if (exchange.hasCallerDeadline) { // a component call never outlives its caller
      deadline = Math.min(deadline, exchange.callerDeadline);
    }
    exchange.deadline = deadline;
    return next.handle(exchange);
  }
}
