package dev.isola.internal.route;

import static dev.isola.internal.route.Text.quote;

import dev.isola.internal.http.Tokens;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * A parsed route spec: an optional HTTP method, then a path pattern.
 *
 * <pre>{@code
 * RoutePattern.parse("/health");            // exact, any method
 * RoutePattern.parse("GET /users/:id");     // one parameter, GET (and HEAD) only
 * RoutePattern.parse("/static/...");        // wildcard: /static, /static/a, /static/a/b, ...
 * }</pre>
 *
 * <p>Syntax:
 *
 * <ul>
 *   <li><b>method</b> (optional): one uppercase RFC 9110 token ({@code GET}, {@code POST}, {@code
 *       PURGE}, ...) followed by exactly one space. Without it the route accepts every method.
 *   <li><b>path</b>: starts with {@code /}; {@code /} alone is the root. No trailing {@code /}, no
 *       empty segment. Each segment is one of:
 *       <ul>
 *         <li>a literal of RFC 3986 unreserved characters plus {@code !$&'()*+,;=@}, but not
 *             {@code .} or {@code ..} (requests with dot segments are refused, so such a route
 *             could never match). Compared case-sensitively with the percent-decoded request
 *             segment;
 *         <li>a parameter {@code :name}, name {@code [A-Za-z_][A-Za-z0-9_]*}, unique in the route,
 *             binding one non-empty decoded segment;
 *         <li>the wildcard {@code ...}, last segment only, matching zero or more segments.
 *       </ul>
 * </ul>
 *
 * <p>The canonical constructor checks that {@code spec} is exactly the text these parts spell, so
 * every instance round-trips through {@link #parse}. Use {@link #parse} to build one.
 *
 * @param spec the spec as written, e.g. {@code "GET /users/:id"}
 * @param method the method this route accepts, empty for any method
 * @param segments the segments before the wildcard (all segments if there is none)
 * @param wildcard whether the pattern ends with {@code ...}
 */
public record RoutePattern(
    String spec, Optional<String> method, List<Segment> segments, boolean wildcard) {

  /** Characters a literal segment may hold besides ASCII letters and digits. */
  private static final String LITERAL_PUNCTUATION = "-._~!$&'()*+,;=@";

  private static final String WILDCARD = "...";

  private static final Comparator<RoutePattern> PRECEDENCE =
      Comparator.comparing(RoutePattern::kind)
          .thenComparing(p -> p.segments().size(), Comparator.reverseOrder())
          .thenComparing(p -> p.method().isEmpty())
          .thenComparing(p -> !p.method().equals(Optional.of("HEAD")))
          .thenComparing(RoutePattern::spec);

  /** One segment of a pattern before the wildcard. */
  public sealed interface Segment permits Literal, Param {}

  /** A segment that matches only a request segment equal to {@code value} after decoding. */
  public record Literal(String value) implements Segment {
    /** Checks that {@code value} is a valid literal segment. */
    public Literal {
      if (literalProblem(value) != null) {
        throw new IllegalArgumentException("invalid literal segment " + quote(value));
      }
    }

    @Override
    public String toString() {
      return value;
    }
  }

  /** A segment that matches any one non-empty request segment and binds it to {@code name}. */
  public record Param(String name) implements Segment {
    /** Checks that {@code name} is a valid parameter name. */
    public Param {
      if (paramNameProblem(name) != null) {
        throw new IllegalArgumentException("invalid parameter name " + quote(name));
      }
    }

    @Override
    public String toString() {
      return ":" + name;
    }
  }

  /**
   * The class of a pattern, the first key of precedence: {@code EXACT} (all literals) before {@code
   * PARAM} (at least one parameter, no wildcard) before {@code WILDCARD}.
   */
  public enum Kind {
    EXACT,
    PARAM,
    WILDCARD
  }

  /** Checks that the parts are valid and that {@code spec} spells exactly them. */
  public RoutePattern {
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(method, "method");
    segments = List.copyOf(segments);
    method.ifPresent(
        m -> {
          if (methodProblem(m) != null) {
            throw new IllegalArgumentException("invalid method " + quote(m));
          }
        });
    if (!spec.equals(render(method, segments, wildcard))) {
      throw new IllegalArgumentException(
          "spec " + quote(spec) + " does not spell its parts; build patterns with"
              + " RoutePattern.parse");
    }
    Set<String> names = new HashSet<>();
    for (Segment segment : segments) {
      if (segment instanceof Param(String name) && !names.add(name)) {
        throw new IllegalArgumentException("parameter name " + quote(name) + " is used twice");
      }
    }
  }

  /**
   * Parses a route spec.
   *
   * @throws IllegalArgumentException if the spec is invalid; the message quotes the spec, names
   *     the offending part and says how to fix it
   */
  public static RoutePattern parse(String spec) {
    Objects.requireNonNull(spec, "spec");
    if (spec.isEmpty()) {
      throw invalid(spec, "is empty; write a path such as \"/hello\" or \"GET /users/:id\"");
    }
    Optional<String> method = Optional.empty();
    String path = spec;
    if (spec.charAt(0) != '/') {
      int space = spec.indexOf(' ');
      if (space <= 0) {
        throw invalid(spec,
            "must start with '/' or with a method and one space (e.g. \"GET /hello\")");
      }
      String token = spec.substring(0, space);
      String problem = methodProblem(token);
      if (problem != null) {
        throw invalid(spec, problem);
      }
      method = Optional.of(token);
      path = spec.substring(space + 1);
      if (!path.startsWith("/")) {
        throw invalid(spec, "the path must follow the method after exactly one space and start"
            + " with '/' (e.g. \"" + token + " /hello\")");
      }
    }
    return parsePath(spec, method, path);
  }

  private static RoutePattern parsePath(String spec, Optional<String> method, String path) {
    if (path.equals("/")) {
      return new RoutePattern(spec, method, List.of(), false);
    }
    if (path.contains("//")) {
      throw invalid(spec, "an empty segment (\"//\") is not allowed; remove the extra '/'");
    }
    if (path.endsWith("/")) {
      String fixed = spec.substring(0, spec.length() - 1);
      throw invalid(spec, "a trailing '/' is not allowed; write " + quote(fixed)
          + " (requests with a trailing '/' match it too)");
    }
    String[] parts = path.substring(1).split("/", -1);
    List<Segment> segments = new ArrayList<>(parts.length);
    Set<String> names = new HashSet<>();
    boolean wildcard = false;
    for (int i = 0; i < parts.length; i++) {
      String part = parts[i];
      if (part.equals(WILDCARD)) {
        if (i != parts.length - 1) {
          throw invalid(spec,
              "the wildcard \"...\" must be the last segment (e.g. \"/static/...\")");
        }
        wildcard = true;
      } else if (part.startsWith(":")) {
        segments.add(parseParam(spec, part.substring(1), names));
      } else {
        String problem = literalProblem(part);
        if (problem != null) {
          throw invalid(spec, problem);
        }
        segments.add(new Literal(part));
      }
    }
    return new RoutePattern(spec, method, segments, wildcard);
  }

  private static Param parseParam(String spec, String name, Set<String> seen) {
    String problem = paramNameProblem(name);
    if (problem != null) {
      throw invalid(spec, problem);
    }
    if (!seen.add(name)) {
      throw invalid(spec, "parameter name " + quote(name)
          + " is used twice; give each parameter its own name");
    }
    return new Param(name);
  }

  private static IllegalArgumentException invalid(String spec, String problem) {
    return new IllegalArgumentException("route " + quote(spec) + ": " + problem);
  }

  /** Why {@code token} is not an uppercase HTTP method, or null if it is one. */
  static @Nullable String methodProblem(String token) {
    if (token.isEmpty()) {
      return "the method is empty; write one such as \"GET\"";
    }
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c >= 'a' && c <= 'z') {
        return "method " + quote(token) + " must be uppercase (e.g. " + quote(upper(token)) + ")";
      }
      if (!Tokens.isTokenChar(c)) {
        return "method " + quote(token) + " contains '" + c
            + "', which is not allowed in an HTTP method; use a token such as \"GET\" or \"POST\"";
      }
    }
    return null;
  }

  /** Why {@code name} is not a parameter name, or null if it is one. */
  private static @Nullable String paramNameProblem(String name) {
    if (name.isEmpty()) {
      return "a parameter has no name; write one after ':' (e.g. \":id\")";
    }
    char first = name.charAt(0);
    if (!(isAsciiLetter(first) || first == '_')) {
      return "parameter name " + quote(name) + " must start with a letter or '_' (e.g. \":id\")";
    }
    for (int i = 1; i < name.length(); i++) {
      char c = name.charAt(i);
      if (!(isAsciiLetterOrDigit(c) || c == '_')) {
        return "parameter name " + quote(name) + " contains '" + c
            + "'; use only letters, digits and '_' (e.g. \":user_id\")";
      }
    }
    return null;
  }

  /** Why {@code value} is not a literal segment, or null if it is one. */
  private static @Nullable String literalProblem(String value) {
    if (value.isEmpty()) {
      return "an empty segment is not allowed";
    }
    if (value.equals(WILDCARD)) {
      return "the wildcard \"...\" must be the last segment (e.g. \"/static/...\")";
    }
    if (value.equals(".") || value.equals("..")) {
      return "segment " + quote(value) + " is not allowed: requests with \".\" or \"..\" segments"
          + " are refused, so this route could never match";
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!isAsciiLetterOrDigit(c) && LITERAL_PUNCTUATION.indexOf(c) < 0) {
        return "segment " + quote(value) + " contains " + quote(String.valueOf(c))
            + ", which is not allowed in a literal; use letters, digits and " + LITERAL_PUNCTUATION
            + " (literals match the decoded request path), or a parameter such as \":name\"";
      }
    }
    return null;
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  }

  private static boolean isAsciiLetterOrDigit(char c) {
    return isAsciiLetter(c) || (c >= '0' && c <= '9');
  }

  private static String upper(String token) {
    StringBuilder out = new StringBuilder(token.length());
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      out.append(c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c);
    }
    return out.toString();
  }

  private static String render(Optional<String> method, List<Segment> segments, boolean wildcard) {
    StringBuilder out = new StringBuilder();
    method.ifPresent(m -> out.append(m).append(' '));
    for (Segment segment : segments) {
      out.append('/').append(segment);
    }
    if (wildcard) {
      out.append('/').append(WILDCARD);
    }
    if (segments.isEmpty() && !wildcard) {
      out.append('/');
    }
    return out.toString();
  }

  /** The class of this pattern: exact, param or wildcard. */
  public Kind kind() {
    if (wildcard) {
      return Kind.WILDCARD;
    }
    return segments.stream().allMatch(Literal.class::isInstance) ? Kind.EXACT : Kind.PARAM;
  }

  /** The parameter names in declaration order. */
  public List<String> paramNames() {
    return segments.stream()
        .flatMap(s -> s instanceof Param(String name) ? Stream.of(name) : Stream.<String>empty())
        .toList();
  }

  /**
   * Whether this route accepts a request with {@code requestMethod}: an any-method route accepts
   * all, a method route its own method, and a {@code GET} route also {@code HEAD} (RFC 9110
   * §9.3.2: HEAD is GET without the body; the caller drops the body).
   */
  public boolean acceptsMethod(String requestMethod) {
    return method.isEmpty()
        || method.get().equals(requestMethod)
        || method.get().equals("GET") && requestMethod.equals("HEAD");
  }

  /**
   * Whether {@code other} has the same rank: same kind, same number of segments before any
   * wildcard, and both method-specific or both any-method.
   */
  public boolean sameRankAs(RoutePattern other) {
    return kind() == other.kind()
        && segments.size() == other.segments.size()
        && method.isPresent() == other.method.isPresent();
  }

  /**
   * Precedence, highest first: kind ({@link Kind#EXACT} first), then more segments before fewer
   * (before the wildcard), then method-specific before any-method. Within equal rank a {@code HEAD}
   * route sorts before the others, so it answers HEAD requests before a {@code GET} route of the
   * same rank; remaining ties (which cannot match the same request) sort by spec.
   */
  public static Comparator<RoutePattern> precedence() {
    return PRECEDENCE;
  }

  /** Returns the spec as written. */
  @Override
  public String toString() {
    return spec;
  }
}
