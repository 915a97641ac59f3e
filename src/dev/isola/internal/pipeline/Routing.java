package dev.isola.internal.pipeline;

import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.route.Lookup;
import dev.isola.internal.route.Router;

/**
 * Finds the route; answers itself, with a {@link Response}, when there is none (404), when the route
 * does not take the method (405 with {@code Allow}) or when the path cannot be routed safely (400).
 * Those answers are not calls: no later stage sees them.
 */
final class Routing extends Stage {
  private final Router<Route> router;
  private final ComponentEndpoint components;

  Routing(Router<Route> router, ComponentEndpoint components) {
    this.router = router;
    this.components = components;
  }

  @Override
  Response handle(Exchange exchange) {
    Request request = exchange.request;
    if (components.addressed(request)) {
      return components.handle(request);
    }
    Lookup<Route> lookup = router.match(request.method(), request.path());
    return switch (lookup) {
      case Lookup.Found<Route> found -> {
        exchange.found = found;
        exchange.route = found.target();
        yield next.handle(exchange);
      }
      case Lookup.MethodNotAllowed<Route> m -> Response.newBuilder()
          .status(405)
          .header("Allow", String.join(", ", m.allowed()))
          .header("Content-Type", "text/plain; charset=utf-8")
          .body("405 Method Not Allowed: " + request.method() + " " + request.path() + " allows " + String.join(", ", m.allowed()) + "\n")
          .build();
      case Lookup.NotFound<Route> n -> Response.of(404, "404 Not Found: no route matches " + request.path() + "\n");
      case Lookup.BadPath<Route> bad -> Response.of(400, "400 Bad Request: " + bad.reason() + "\n");
    };
  }
}
