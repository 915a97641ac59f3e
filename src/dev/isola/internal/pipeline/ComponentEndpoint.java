package dev.isola.internal.pipeline;

import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.capability.component.Components;
import dev.isola.internal.capability.component.NodeToken;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves component calls from peer nodes: requests to {@value Components#PATH_PREFIX}{@code
 * NAME/...} that carry a {@link NodeToken} valid under this node's key. Without a node key there is
 * no such endpoint (the path is answered 404 like any other without a route); with one, a request
 * without a valid token is answered 401 and logged, a component this node does not serve 404, and a
 * call past the most depth 508. The callee runs from {@link Observation} on, as a local call does,
 * with the caller's request id and trace and at most the time the caller had left.
 */
final class ComponentEndpoint {
  private static final Logger log = LoggerFactory.getLogger(ComponentEndpoint.class);

  private final Components components;
  private final Map<String, Route> routes;
  private final Pipeline pipeline;

  ComponentEndpoint(Components components, Map<String, Route> routes, Pipeline pipeline) {
    this.components = components;
    this.routes = routes;
    this.pipeline = pipeline;
  }

  /** Whether {@code request} is addressed to this endpoint (only when this node has a node key). */
  boolean addressed(Request request) {
    return components.token() != null && request.target().startsWith(Components.PATH_PREFIX);
  }

  /**
   * The limits of the component a peer's call to {@code path} would run, if this node serves peers
   * and that component: what an adapter sizes the request body by.
   */
  java.util.Optional<dev.isola.Limits> limitsFor(String path) {
    if (components.token() == null || !path.startsWith(Components.PATH_PREFIX)) {
      return java.util.Optional.empty();
    }
    Route route = routes.get(nameIn(path.substring(Components.PATH_PREFIX.length())));
    return route == null ? java.util.Optional.empty() : java.util.Optional.of(route.limits());
  }

  /** The component named at the start of what follows the prefix: up to the first '/' or '?'. */
  private static String nameIn(String rest) {
    for (int i = 0; i < rest.length(); i++) {
      if (rest.charAt(i) == '/' || rest.charAt(i) == '?') {
        return rest.substring(0, i);
      }
    }
    return rest;
  }

  Response handle(Request request) {
    NodeToken token = components.token();
    String rest = request.target().substring(Components.PATH_PREFIX.length());
    String name = nameIn(rest);
    String after = rest.substring(name.length()); // "", "/path?query" or "?query"
    String target = after.startsWith("/") ? after : "/" + after;
    String requestId = request.headers().first("X-Request-Id").orElse("");
    int depth = intHeader(request, Components.DEPTH_HEADER);
    long timeoutMillis = intHeader(request, Components.TIMEOUT_HEADER);
    String problem = token.problem(request.headers().first(NodeToken.HEADER).orElse(null), new NodeToken.Claims(name,
        request.method(), target, depth, timeoutMillis, requestId, request.bodyBytes()));
    if (problem != null) {
      log.warn("refused a component call to {} {} (request id {}): {}", request.method(),
          dev.isola.internal.capability.CallCapabilities.escaped(request.target()),
          dev.isola.internal.capability.CallCapabilities.escaped(requestId), problem);
      return Response.newBuilder().status(401)
          .header("WWW-Authenticate", NodeToken.HEADER)
          .header("Content-Type", "text/plain; charset=utf-8")
          .body("401 Unauthorized: component calls are served only to nodes presenting a valid " + NodeToken.HEADER
              + " signed with this node's key; see the server log\n")
          .build();
    }
    Route route = routes.get(name);
    if (route == null) {
      return Response.of(404, "404 Not Found: component " + name + " is not served on this node (it serves "
          + (routes.isEmpty() ? "none" : String.join(", ", new TreeSet<>(routes.keySet()))) + ")\n");
    }
    if (depth < 1 || timeoutMillis < 1) {
      return Response.of(400, "400 Bad Request: a component call needs " + Components.DEPTH_HEADER + " and "
          + Components.TIMEOUT_HEADER + " of at least 1\n");
    }
    if (depth > components.maxDepth()) {
      return Response.newBuilder().status(508).header("Content-Type", "text/plain; charset=utf-8")
          .body(Components.loopText(name, depth)).build();
    }
    Request callee = request.toBuilder()
        .target(target)
        .headers(Components.withoutToken(request.headers()))
        .build();
    return pipeline.component(name, callee, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis), depth,
        null, null, dev.isola.CallOptions.none());
  }

  /** The header's value as a non-negative int, or 0 when it is missing or not one. */
  private static int intHeader(Request request, String name) {
    String value = request.headers().first(name).orElse("");
    if (value.isEmpty() || value.length() > 9) {
      return 0;
    }
    for (int i = 0; i < value.length(); i++) {
      if (value.charAt(i) < '0' || value.charAt(i) > '9') {
        return 0;
      }
    }
    return Integer.parseInt(value);
  }
}
