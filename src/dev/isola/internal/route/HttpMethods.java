package dev.isola.internal.route;

import static dev.isola.internal.route.Text.quote;

import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Which methods a route may name. RFC 9110's (section 9: GET, HEAD, POST, PUT, DELETE, CONNECT,
 * OPTIONS, TRACE) and RFC 5789's PATCH are known; any other method is taken for a typo ({@code
 * GETT}) unless the application declared it as an extension method ({@code PROPFIND}), and every
 * method must be an uppercase RFC 9110 token.
 */
public final class HttpMethods {
  /** RFC 9110's methods, then PATCH, in the order suggestions are tried. */
  public static final List<String> KNOWN =
      List.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

  private HttpMethods() {}

  /** Why {@code method} cannot be declared as an extension method, or null if it can. */
  public static @Nullable String tokenProblem(String method) {
    return RoutePattern.methodProblem(method);
  }

  /**
   * Why a route may not name {@code method}, or null if it may: the method is known or among {@code
   * extensions}.
   *
   * @param spec the route spec, quoted in the message
   */
  public static @Nullable String unknownProblem(String spec, String method, Set<String> extensions) {
    if (KNOWN.contains(method) || extensions.contains(method)) {
      return null;
    }
    String nearest = nearest(method);
    return "route " + quote(spec) + ": method " + quote(method) + " is none of RFC 9110's methods (GET, HEAD,"
        + " POST, PUT, DELETE, CONNECT, OPTIONS, TRACE) nor PATCH"
        + (nearest == null ? "." : "; did you mean " + quote(nearest) + "?")
        + " If " + quote(method) + " is meant, declare it before the route: Isola.Builder.extensionMethods("
        + quote(method) + "), or extension_methods = [" + quote(method) + "] at the top of isola.toml";
  }

  /** The known method at most two edits from {@code method} (one for short ones), if any. */
  private static @Nullable String nearest(String method) {
    return Suggestions.nearest(method, KNOWN).orElse(null);
  }
}
