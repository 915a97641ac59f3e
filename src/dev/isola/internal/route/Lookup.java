package dev.isola.internal.route;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The outcome of {@link Router#match}: exactly one of {@link Found}, {@link MethodNotAllowed},
 * {@link NotFound} or {@link BadPath}, meant for an exhaustive {@code switch}.
 *
 * <pre>{@code
 * switch (router.match(request.method(), request.rawPath())) {
 *   case Lookup.Found<Handler> f -> call(f.target(), f.params(), f.tail());
 *   case Lookup.MethodNotAllowed<Handler> m -> respond(405, "Allow", m.allowHeader());
 *   case Lookup.NotFound<Handler> n -> respond(404);
 *   case Lookup.BadPath<Handler> b -> respond(400, b.reason());
 * }
 * }</pre>
 *
 * @param <T> what routes point at
 */
public sealed interface Lookup<T>
    permits Lookup.Found, Lookup.MethodNotAllowed, Lookup.NotFound, Lookup.BadPath {

  /**
   * A route matched and accepts the method. For a {@code HEAD} request this may be a {@code GET}
   * route; the caller then sends no body.
   *
   * @param route the route that won
   * @param target what the route points at
   * @param params parameter values, percent-decoded, in declaration order; immutable
   * @param tail for a wildcard route the decoded segments it matched, joined with {@code /} ({@code
   *     ""} for none); {@code ""} for other routes
   */
  record Found<T>(RoutePattern route, T target, Map<String, String> params, String tail)
      implements Lookup<T> {
    /** Copies {@code params} into an immutable map that keeps their order. */
    public Found {
      Objects.requireNonNull(route, "route");
      Objects.requireNonNull(target, "target");
      params = ParamMap.copyOf(params);
      Objects.requireNonNull(tail, "tail");
    }
  }

  /**
   * Some route matches the path, none accepts the method: answer 405 with an {@code Allow} header.
   *
   * @param allowed the methods the routes matching the path accept, sorted, with {@code HEAD}
   *     whenever {@code GET} is there; immutable
   */
  record MethodNotAllowed<T>(Set<String> allowed) implements Lookup<T> {
    /** Copies {@code allowed} into an immutable sorted set. */
    public MethodNotAllowed {
      allowed = Collections.unmodifiableSortedSet(new TreeSet<>(allowed));
    }

    /** The value of the {@code Allow} header, e.g. {@code "GET, HEAD, POST"}. */
    public String allowHeader() {
      return String.join(", ", allowed);
    }
  }

  /** No route matches the path: answer 404. */
  record NotFound<T>() implements Lookup<T> {}

  /**
   * The path is refused before any route is tried (dot segment, encoded slash, bad encoding,
   * control character, ...): answer 400.
   *
   * @param reason what is wrong, quoting the offending segment, e.g. {@code path segment ".." is
   *     not allowed}
   */
  record BadPath<T>(String reason) implements Lookup<T> {
    /** Checks that {@code reason} is present. */
    public BadPath {
      Objects.requireNonNull(reason, "reason");
    }
  }
}
