package dev.isola.internal.route;

import static dev.isola.internal.route.Text.quote;

import dev.isola.RouteConflictException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * Picks the route for a request. Immutable and thread-safe once built.
 *
 * <pre>{@code
 * Router<String> router = Router.<String>builder()
 *     .add("GET /users/:id", "user")
 *     .add("/static/...", "files")
 *     .build();                                   // refuses conflicting routes
 * router.match("GET", "/users/J%C3%B6rg");        // Found(user, {id=Jörg}, "")
 * router.match("HEAD", "/users/7");               // Found(user, {id=7}, ""): GET answers HEAD
 * router.match("POST", "/users/7");               // MethodNotAllowed([GET, HEAD])
 * router.match("GET", "/static/css/a.css");       // Found(files, {}, "css/a.css")
 * router.match("GET", "/static/../etc/passwd");   // BadPath(path segment ".." is not allowed)
 * }</pre>
 *
 * <p><b>Precedence.</b> Of the routes whose pattern matches the decoded path and whose method
 * accepts the request, the highest-ranked wins. Rank, most significant first: kind (exact, then
 * param, then wildcard); more segments before fewer (for a wildcard, the segments before {@code
 * ...}); method-specific before any-method. A {@code GET} route also accepts {@code HEAD} and keeps
 * its rank for it (it stays above any-method routes), but a {@code HEAD} route of the same rank
 * comes first.
 *
 * <p><b>Errors.</b> If routes match the path but none accepts the method the answer is {@link
 * Lookup.MethodNotAllowed} with the methods of all of them; if none matches, {@link
 * Lookup.NotFound}; a path refused before matching (see {@link Lookup.BadPath}) never reaches a
 * route.
 *
 * <p><b>Conflicts.</b> {@link Builder#build()} refuses two routes of equal rank whose methods
 * overlap (the same method, or both any-method) and that some path matches both, since neither
 * would reliably win.
 *
 * @param <T> what routes point at (a handler, or anything in tests)
 */
public final class Router<T> {
  private final List<RoutePattern> routes;
  /** Exact routes by decoded path ("/a/b", "/" for the root), each list in precedence order. */
  private final Map<String, List<CompiledRoute<T>>> exactByPath;
  /** Param and wildcard routes in precedence order. */
  private final List<CompiledRoute<T>> others;

  private Router(List<CompiledRoute<T>> ordered) {
    List<RoutePattern> patterns = new ArrayList<>(ordered.size());
    Map<String, List<CompiledRoute<T>>> exact = new HashMap<>();
    List<CompiledRoute<T>> rest = new ArrayList<>();
    for (CompiledRoute<T> route : ordered) {
      patterns.add(route.pattern);
      if (route.pattern.kind() == RoutePattern.Kind.EXACT) {
        exact.computeIfAbsent(exactKey(route.pattern), k -> new ArrayList<>()).add(route);
      } else {
        rest.add(route);
      }
    }
    exact.replaceAll((path, list) -> List.copyOf(list));
    this.routes = List.copyOf(patterns);
    this.exactByPath = Map.copyOf(exact);
    this.others = List.copyOf(rest);
  }

  private static String exactKey(RoutePattern pattern) {
    StringBuilder key = new StringBuilder();
    for (RoutePattern.Segment segment : pattern.segments()) {
      key.append('/').append(segment);
    }
    return key.isEmpty() ? "/" : key.toString();
  }

  /** Starts an empty route table. */
  public static <T> Builder<T> builder() {
    return new Builder<>();
  }

  /**
   * Finds the route for a request.
   *
   * @param method the request method as sent, case-sensitive ({@code "GET"})
   * @param rawPath the request path as sent: percent-encoded, without the query string
   */
  public Lookup<T> match(String method, String rawPath) {
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(rawPath, "rawPath");
    return switch (PathDecoder.decode(rawPath)) {
      case PathDecoder.Rejected rejected -> new Lookup.BadPath<>(rejected.reason());
      case PathDecoder.Decoded path -> match(method, path);
    };
  }

  private Lookup<T> match(String method, PathDecoder.Decoded path) {
    String[] segments = path.segments();
    boolean pathMatched = false;
    // Exact routes outrank all others, so a hit that accepts the method ends the search.
    List<CompiledRoute<T>> exact = exactByPath.get(path.key());
    if (exact != null) {
      for (CompiledRoute<T> route : exact) {
        if (route.accepts(method)) {
          return route.found(segments);
        }
      }
      pathMatched = true;
    }
    for (CompiledRoute<T> route : others) {
      if (route.matchesPath(segments)) {
        if (route.accepts(method)) {
          return route.found(segments);
        }
        pathMatched = true;
      }
    }
    return pathMatched
        ? new Lookup.MethodNotAllowed<>(allowedMethods(path))
        : new Lookup.NotFound<>();
  }

  /** The methods of every route matching the path; called only when none accepted the request. */
  private Set<String> allowedMethods(PathDecoder.Decoded path) {
    Set<String> allowed = new TreeSet<>();
    exactByPath.getOrDefault(path.key(), List.of()).forEach(r -> r.addAllowedMethods(allowed));
    for (CompiledRoute<T> route : others) {
      if (route.matchesPath(path.segments())) {
        route.addAllowedMethods(allowed);
      }
    }
    return allowed;
  }

  /** All routes in precedence order, highest first (see {@link RoutePattern#precedence()}). */
  public List<RoutePattern> routes() {
    return routes;
  }

  @Override
  public String toString() {
    return "Router" + routes;
  }

  /**
   * Collects routes; not thread-safe. {@link #add} checks each spec's syntax where it is written,
   * {@link #build()} checks the table as a whole.
   *
   * @param <T> what routes point at
   */
  public static final class Builder<T> {
    private final List<CompiledRoute<T>> routes = new ArrayList<>();

    private Builder() {}

    /**
     * Adds a route.
     *
     * @param spec a route spec such as {@code "GET /users/:id"} (see {@link RoutePattern})
     * @throws IllegalArgumentException if the spec is invalid; the message quotes it and says why
     */
    public Builder<T> add(String spec, T target) {
      return add(RoutePattern.parse(spec), target);
    }

    /** Adds a route with an already parsed pattern. */
    public Builder<T> add(RoutePattern pattern, T target) {
      Objects.requireNonNull(pattern, "pattern");
      Objects.requireNonNull(target, "target");
      routes.add(new CompiledRoute<>(pattern, target));
      return this;
    }

    /**
     * Builds the router.
     *
     * @throws RouteConflictException if two routes conflict (see {@link Router}); the message
     *     names both as written
     */
    public Router<T> build() {
      for (int later = 0; later < routes.size(); later++) {
        for (int earlier = 0; earlier < later; earlier++) {
          checkConflict(routes.get(later).pattern, routes.get(earlier).pattern);
        }
      }
      List<CompiledRoute<T>> ordered = new ArrayList<>(routes);
      ordered.sort((a, b) -> RoutePattern.precedence().compare(a.pattern, b.pattern));
      return new Router<>(ordered);
    }

    private static void checkConflict(RoutePattern route, RoutePattern other) {
      if (route.spec().equals(other.spec())) {
        throw new RouteConflictException(
            "route " + quote(route.spec()) + " is declared twice; remove one");
      }
      if (!route.sameRankAs(other) || !route.method().equals(other.method())) {
        return;
      }
      String example = commonPath(route, other);
      if (example != null) {
        throw new RouteConflictException("route " + quote(route.spec()) + " conflicts with "
            + quote(other.spec()) + ": both match the same requests with the same rank (e.g. "
            + quote(example) + "); remove one, or make one more specific"
            + " (a literal segment or a method)");
      }
    }

    /**
     * A path both patterns match, or null if there is none. Called for patterns of equal rank, so
     * both have the same segment count before the wildcard and both or neither have one.
     */
    private static @Nullable String commonPath(
        RoutePattern a, RoutePattern b) {
      StringBuilder path = new StringBuilder();
      for (int i = 0; i < a.segments().size(); i++) {
        RoutePattern.Segment x = a.segments().get(i);
        RoutePattern.Segment y = b.segments().get(i);
        boolean bothLiteral =
            x instanceof RoutePattern.Literal && y instanceof RoutePattern.Literal;
        if (bothLiteral && !x.equals(y)) {
          return null;
        }
        RoutePattern.Segment shown = x instanceof RoutePattern.Literal ? x : y;
        path.append('/').append(shown instanceof RoutePattern.Literal ? shown.toString() : "x");
      }
      return path.isEmpty() ? "/" : path.toString();
    }
  }
}
