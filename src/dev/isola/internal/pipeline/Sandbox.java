package dev.isola.internal.pipeline;

import dev.isola.Response;

/**
 * Runs the call in a fresh sandbox: the engine's {@link dev.isola.internal.engine.PreparedHandler},
 * which answers with a {@link Response} or throws an {@link dev.isola.IsolaException} for every
 * failure. The last stage.
 */
final class Sandbox extends Stage {
  @Override
  Response handle(Exchange exchange) {
    return exchange.route.handler().call(exchange.call);
  }
}
