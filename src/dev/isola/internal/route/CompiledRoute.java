package dev.isola.internal.route;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A route ready for matching: its pattern flattened into arrays so the hot path neither allocates
 * nor switches over segment types.
 *
 * @param <T> what the route points at
 */
final class CompiledRoute<T> {
  final RoutePattern pattern;
  final T target;
  private final @Nullable String method;
  /** Per segment before the wildcard: the literal, or null for a parameter. */
  private final @Nullable String[] literals;
  private final String[] paramNames;
  private final int[] paramPositions;
  private final boolean wildcard;

  CompiledRoute(RoutePattern pattern, T target) {
    this.pattern = pattern;
    this.target = target;
    this.method = pattern.method().orElse(null);
    this.wildcard = pattern.wildcard();
    List<RoutePattern.Segment> segments = pattern.segments();
    this.literals = new String[segments.size()];
    List<String> names = new ArrayList<>();
    List<Integer> positions = new ArrayList<>();
    for (int i = 0; i < segments.size(); i++) {
      switch (segments.get(i)) {
        case RoutePattern.Literal(String value) -> literals[i] = value;
        case RoutePattern.Param(String name) -> {
          names.add(name);
          positions.add(i);
        }
      }
    }
    this.paramNames = names.toArray(String[]::new);
    this.paramPositions = positions.stream().mapToInt(Integer::intValue).toArray();
  }

  /** Whether the pattern matches these decoded segments, whatever the method. */
  boolean matchesPath(String[] segments) {
    int fixed = literals.length;
    if (wildcard ? segments.length < fixed : segments.length != fixed) {
      return false;
    }
    for (int i = 0; i < fixed; i++) {
      String literal = literals[i];
      if (literal != null && !literal.equals(segments[i])) {
        return false;
      }
    }
    return true;
  }

  /** See {@link RoutePattern#acceptsMethod}. */
  boolean accepts(String requestMethod) {
    return method == null
        || method.equals(requestMethod)
        || method.equals("GET") && requestMethod.equals("HEAD");
  }

  /** Adds the methods this route accepts to {@code allowed}; only for method-specific routes. */
  void addAllowedMethods(Set<String> allowed) {
    if (method != null) {
      allowed.add(method);
      if (method.equals("GET")) {
        allowed.add("HEAD");
      }
    }
  }

  /** The lookup for segments this route {@linkplain #matchesPath matches}. */
  Lookup.Found<T> found(String[] segments) {
    String[] values = new String[paramNames.length];
    for (int i = 0; i < values.length; i++) {
      values[i] = segments[paramPositions[i]];
    }
    String tail = wildcard ? join(segments, literals.length) : "";
    return new Lookup.Found<>(pattern, target, ParamMap.of(paramNames, values), tail);
  }

  private static String join(String[] segments, int from) {
    if (from == segments.length) {
      return "";
    }
    if (from == segments.length - 1) {
      return segments[from];
    }
    return String.join("/", Arrays.asList(segments).subList(from, segments.length));
  }
}
