package dev.isola.internal.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.RouteConflictException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * Route matching against a brute-force reference: routes over literals {a, b, c}, parameters and
 * wildcards, methods {GET, POST, HEAD, any}; paths over the same letters plus a few others.
 */
class RouterProperties {

  // ---- a tiny model of routes, and the reference written from the rules, not from the code ----

  /** A route: method ("" for any), segments ("a".."c" or ":name"), trailing wildcard. */
  record R(String method, List<String> segs, boolean wildcard) {

    /** Builds a route from a shape where "*" stands for a parameter named prefix + position. */
    static R of(String method, List<String> shape, boolean wildcard, String prefix) {
      List<String> segs = new ArrayList<>();
      for (int i = 0; i < shape.size(); i++) {
        segs.add(shape.get(i).equals("*") ? ":" + prefix + i : shape.get(i));
      }
      return new R(method, List.copyOf(segs), wildcard);
    }

    String spec() {
      String path = segs.stream().map(s -> "/" + s).collect(Collectors.joining())
          + (wildcard ? "/..." : "");
      path = path.isEmpty() ? "/" : path;
      return method.isEmpty() ? path : method + " " + path;
    }

    /** 2 exact, 1 param, 0 wildcard. */
    int kindRank() {
      if (wildcard) {
        return 0;
      }
      return segs.stream().anyMatch(s -> s.startsWith(":")) ? 1 : 2;
    }

    boolean sameRank(R other) {
      return kindRank() == other.kindRank()
          && segs.size() == other.segs.size()
          && method.isEmpty() == other.method.isEmpty();
    }

    boolean matchesPath(List<String> path) {
      if (wildcard ? path.size() < segs.size() : path.size() != segs.size()) {
        return false;
      }
      for (int i = 0; i < segs.size(); i++) {
        if (!segs.get(i).startsWith(":") && !segs.get(i).equals(path.get(i))) {
          return false;
        }
      }
      return true;
    }

    boolean accepts(String requestMethod) {
      return method.isEmpty()
          || method.equals(requestMethod)
          || method.equals("GET") && requestMethod.equals("HEAD");
    }

    /** Rank for one request, compared lexicographically: higher wins. */
    List<Integer> rankFor(String requestMethod) {
      return List.of(kindRank(), segs.size(), method.isEmpty() ? 0 : 1,
          method.equals(requestMethod) ? 1 : 0);
    }
  }

  private static final Comparator<List<Integer>> LEXICOGRAPHIC = (x, y) -> {
    for (int i = 0; i < x.size(); i++) {
      int c = Integer.compare(x.get(i), y.get(i));
      if (c != 0) {
        return c;
      }
    }
    return 0;
  };

  /** Every path over {a, b, c, z} of up to 4 segments: enough to witness any overlap here. */
  private static final List<List<String>> ALL_SHORT_PATHS = allPaths(4);

  private static List<List<String>> allPaths(int maxLength) {
    List<List<String>> paths = new ArrayList<>();
    paths.add(List.of());
    for (int start = 0; start < paths.size(); start++) {
      List<String> path = paths.get(start);
      if (path.size() < maxLength) {
        for (String letter : List.of("a", "b", "c", "z")) {
          List<String> longer = new ArrayList<>(path);
          longer.add(letter);
          paths.add(List.copyOf(longer));
        }
      }
    }
    return paths;
  }

  /** Brute force: equal rank, same method (or both any), and some concrete path matches both. */
  static boolean referenceConflict(R x, R y) {
    return x.sameRank(y)
        && x.method().equals(y.method())
        && ALL_SHORT_PATHS.stream().anyMatch(p -> x.matchesPath(p) && y.matchesPath(p));
  }

  static List<R> withoutConflicts(List<R> candidates, List<R> alreadyKept) {
    List<R> kept = new ArrayList<>(alreadyKept);
    List<R> added = new ArrayList<>();
    for (R candidate : candidates) {
      if (kept.stream().noneMatch(k -> referenceConflict(k, candidate))) {
        kept.add(candidate);
        added.add(candidate);
      }
    }
    return added;
  }

  /** The expected lookup, as a comparable string. */
  static String referenceMatch(List<R> table, String method, List<String> path) {
    List<R> matching = table.stream().filter(r -> r.matchesPath(path)).toList();
    List<R> accepting = matching.stream().filter(r -> r.accepts(method)).toList();
    if (!accepting.isEmpty()) {
      List<Integer> best = accepting.stream().map(r -> r.rankFor(method)).max(LEXICOGRAPHIC)
          .orElseThrow();
      List<R> winners = accepting.stream()
          .filter(r -> LEXICOGRAPHIC.compare(r.rankFor(method), best) == 0).toList();
      assertEquals(1, winners.size(), () -> "reference found a tie: " + winners);
      R winner = winners.get(0);
      Map<String, String> params = new LinkedHashMap<>();
      for (int i = 0; i < winner.segs().size(); i++) {
        if (winner.segs().get(i).startsWith(":")) {
          params.put(winner.segs().get(i).substring(1), path.get(i));
        }
      }
      String tail = winner.wildcard()
          ? String.join("/", path.subList(winner.segs().size(), path.size())) : "";
      return "found " + winner.spec() + " " + List.copyOf(params.entrySet()) + " [" + tail + "]";
    }
    if (!matching.isEmpty()) {
      Set<String> allowed = new TreeSet<>();
      for (R r : matching) {
        allowed.add(r.method());
        if (r.method().equals("GET")) {
          allowed.add("HEAD");
        }
      }
      return "405 " + allowed;
    }
    return "404";
  }

  static String describe(Lookup<String> lookup) {
    return switch (lookup) {
      case Lookup.Found<String> f ->
          "found " + f.route().spec() + " " + List.copyOf(f.params().entrySet()) + " [" + f.tail()
              + "]";
      case Lookup.MethodNotAllowed<String> m -> "405 " + m.allowed();
      case Lookup.NotFound<String> n -> "404";
      case Lookup.BadPath<String> b -> "400 " + b.reason();
    };
  }

  static Router<String> build(List<R> table) {
    Router.Builder<String> builder = Router.builder();
    table.forEach(r -> builder.add(r.spec(), r.spec()));
    return builder.build();
  }

  static String rawPath(List<String> segments, boolean trailingSlash) {
    if (segments.isEmpty()) {
      return "/";
    }
    return "/" + String.join("/", segments) + (trailingSlash ? "/" : "");
  }

  // ---- generators ----

  @Provide
  Arbitrary<R> routes() {
    return Combinators.combine(
            Arbitraries.of("", "GET", "POST", "HEAD"),
            Arbitraries.of("a", "b", "c", "*").list().ofMaxSize(3),
            Arbitraries.integers().between(0, 2).map(i -> i == 0))
        .as((method, shape, wildcard) -> R.of(method, shape, wildcard, "p"));
  }

  @Provide
  Arbitrary<List<R>> tables() {
    return routes().list().ofMinSize(1).ofMaxSize(12)
        .map(candidates -> withoutConflicts(candidates, List.of()));
  }

  @Provide
  Arbitrary<List<String>> paths() {
    return Arbitraries.of("a", "b", "c", "d", "ab", "-").list().ofMaxSize(4);
  }

  @Provide
  Arbitrary<String> methods() {
    return Arbitraries.of("GET", "POST", "HEAD", "PUT");
  }

  @Provide
  Arbitrary<List<String>> safeSegments() {
    Arbitrary<String> common = Arbitraries.of("a", "b", "c");
    Arbitrary<String> other = Arbitraries.strings().withChars("abcdé+~-_ ü€").ofMinLength(1)
        .ofMaxLength(4);
    return Arbitraries.frequencyOf(
            Tuple.of(3, common), Tuple.of(1, other))
        .list().ofMaxSize(5);
  }

  @Provide
  Arbitrary<String> badSegments() {
    return Arbitraries.of("..", ".", "%2e%2e", "%2E.", ".%2e", "%2e", "%2E", "%2E%2E",
        "%2F", "%2f", "a%2Fb", "%5C", "%5c", "a%5cb", "\\", "a\\");
  }

  // ---- properties ----

  @Property(tries = 400)
  void match_anyTableAndPath_agreesWithReference(
      @ForAll("tables") List<R> table,
      @ForAll("methods") String method,
      @ForAll("paths") List<String> path,
      @ForAll boolean trailingSlash) {
    Router<String> router = build(table);

    String actual = describe(router.match(method, rawPath(path, trailingSlash)));

    assertEquals(referenceMatch(table, method, path), actual, () -> "table " + table);
  }

  @Property(tries = 300)
  void build_anyTable_refusesExactlyWhenReferenceFindsConflict(
      @ForAll @Size(max = 8) List<@From("routes") R> table) {
    boolean conflict = false;
    for (int i = 0; i < table.size() && !conflict; i++) {
      for (int j = 0; j < i && !conflict; j++) {
        conflict = referenceConflict(table.get(i), table.get(j));
      }
    }

    if (conflict) {
      assertThrows(RouteConflictException.class, () -> build(table));
    } else {
      assertEquals(table.size(), build(table).routes().size());
    }
  }

  @Property(tries = 300)
  void build_overlappingTwinOfEqualRank_refusedNamingBoth(
      @ForAll("routes") R base,
      @ForAll @Size(3) List<Boolean> swaps,
      @ForAll @Size(3) List<@IntRange(min = 0, max = 2) Integer> letters,
      @ForAll("tables") List<R> others,
      @ForAll @IntRange(min = 0, max = 20) int firstAt,
      @ForAll @IntRange(min = 0, max = 20) int secondAt,
      @ForAll boolean twinFirst) {
    R twin = twinOf(base, swaps, letters);
    assertTrue(referenceConflict(base, twin), () -> "generator bug: " + base + " vs " + twin);
    List<R> table = new ArrayList<>(withoutConflicts(others, List.of(base, twin)));
    table.add(Math.min(firstAt, table.size()), twinFirst ? twin : base);
    table.add(Math.min(secondAt, table.size()), twinFirst ? base : twin);

    var e = assertThrows(RouteConflictException.class, () -> build(table));

    assertTrue(e.getMessage().contains("\"" + base.spec() + "\""), e.getMessage());
    assertTrue(e.getMessage().contains("\"" + twin.spec() + "\""), e.getMessage());
  }

  /**
   * A route of the same rank and method as {@code base} that shares a path with it: at each swapped
   * position a literal becomes a parameter or a parameter becomes a literal; parameters renamed.
   */
  static R twinOf(R base, List<Boolean> swaps, List<Integer> letters) {
    List<String> shape = new ArrayList<>();
    for (int i = 0; i < base.segs().size(); i++) {
      boolean param = base.segs().get(i).startsWith(":");
      boolean swap = swaps.get(i) && base.kindRank() != 2; // an exact route has only itself
      if (param != swap) {
        shape.add("*");
      } else {
        shape.add(param ? List.of("a", "b", "c").get(letters.get(i)) : base.segs().get(i));
      }
    }
    if (base.kindRank() == 1 && !shape.contains("*")) {
      // Keep the class: a param route's twin needs a parameter, say where base has one.
      for (int i = 0; i < shape.size(); i++) {
        if (base.segs().get(i).startsWith(":")) {
          shape.set(i, "*");
          break;
        }
      }
    }
    return R.of(base.method(), shape, base.wildcard(), "q");
  }

  @Property(tries = 400)
  void match_percentEncodingAnyCharacters_selectsSameRouteParamsAndTail(
      @ForAll("tables") List<R> table,
      @ForAll("methods") String method,
      @ForAll("safeSegments") List<String> path,
      @ForAll boolean trailingSlash,
      @ForAll @Size(min = 1) List<@IntRange(min = 0, max = 3) Integer> encodings) {
    Router<String> router = build(table);
    String plain = rawPath(path, trailingSlash);
    String encoded = percentEncode(plain, encodings);

    assertEquals(describe(router.match(method, plain)), describe(router.match(method, encoded)),
        () -> plain + " vs " + encoded);
  }

  /**
   * Encodes characters other than '/' by choice i (cycled): 0 raw, 1 upper hex, 2 lower hex, 3
   * mixed case.
   */
  static String percentEncode(String path, List<Integer> choices) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      int choice = choices.isEmpty() ? 0 : choices.get(i % choices.size());
      if (c == '/' || choice == 0) {
        out.append(c);
        continue;
      }
      for (byte b : String.valueOf(c).getBytes(StandardCharsets.UTF_8)) {
        String hex = String.format("%02X", b & 0xff);
        hex = switch (choice) {
          case 1 -> hex;
          case 2 -> hex.toLowerCase(Locale.ROOT);
          default -> hex.substring(0, 1).toLowerCase(Locale.ROOT) + hex.substring(1);
        };
        out.append('%').append(hex);
      }
    }
    return out.toString();
  }

  @Property(tries = 300)
  void match_dotSegmentOrEncodedSlashAnywhere_badPath(
      @ForAll("tables") List<R> table,
      @ForAll boolean withCatchAll,
      @ForAll("methods") String method,
      @ForAll("safeSegments") List<String> path,
      @ForAll("badSegments") String bad,
      @ForAll @IntRange(min = 0, max = 5) int at,
      @ForAll boolean trailingSlash) {
    List<R> routes = new ArrayList<>(table);
    R catchAll = new R("", List.of(), true);
    if (withCatchAll && routes.stream().noneMatch(r -> referenceConflict(r, catchAll))) {
      routes.add(catchAll);
    }
    List<String> segments = new ArrayList<>(path);
    segments.add(Math.min(at, segments.size()), bad);

    Lookup<String> lookup = build(routes).match(method, rawPath(segments, trailingSlash));

    assertInstanceOf(Lookup.BadPath.class, lookup, () -> describe(lookup));
  }
}
