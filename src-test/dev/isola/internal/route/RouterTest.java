package dev.isola.internal.route;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.isola.RouteConflictException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RouterTest {

  private static Router<String> router(String... specs) {
    Router.Builder<String> builder = Router.builder();
    for (String spec : specs) {
      builder.add(spec, spec);
    }
    return builder.build();
  }

  private static Lookup.Found<String> found(Lookup<String> lookup) {
    if (lookup instanceof Lookup.Found<String> found) {
      return found;
    }
    return fail("expected Found, got " + lookup);
  }

  private static Lookup.MethodNotAllowed<String> notAllowed(Lookup<String> lookup) {
    if (lookup instanceof Lookup.MethodNotAllowed<String> notAllowed) {
      return notAllowed;
    }
    return fail("expected MethodNotAllowed, got " + lookup);
  }

  private static String badReason(Lookup<String> lookup) {
    if (lookup instanceof Lookup.BadPath<String> bad) {
      return bad.reason();
    }
    return fail("expected BadPath, got " + lookup);
  }

  // ---- syntax ----

  @Test
  void parse_methodAndParams_splitsParts() {
    RoutePattern pattern = RoutePattern.parse("GET /users/:id/posts/:post");

    assertEquals(Optional.of("GET"), pattern.method());
    assertEquals(
        List.of(
            new RoutePattern.Literal("users"),
            new RoutePattern.Param("id"),
            new RoutePattern.Literal("posts"),
            new RoutePattern.Param("post")),
        pattern.segments());
    assertEquals(List.of("id", "post"), pattern.paramNames());
    assertEquals(RoutePattern.Kind.PARAM, pattern.kind());
  }

  @Test
  void parse_root_hasNoSegments() {
    RoutePattern pattern = RoutePattern.parse("/");

    assertEquals(List.of(), pattern.segments());
    assertEquals(Optional.empty(), pattern.method());
    assertEquals(RoutePattern.Kind.EXACT, pattern.kind());
  }

  @Test
  void parse_wildcard_isNotASegment() {
    RoutePattern pattern = RoutePattern.parse("PURGE /static/...");

    assertTrue(pattern.wildcard());
    assertEquals(List.of(new RoutePattern.Literal("static")), pattern.segments());
    assertEquals(RoutePattern.Kind.WILDCARD, pattern.kind());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "GET /", "/...", "/a/:b/...", "DELETE /a-b.c~d/!$&'()*+,;=@/...x"})
  void parse_validSpec_roundTrips(String spec) {
    RoutePattern pattern = RoutePattern.parse(spec);

    assertEquals(spec, pattern.spec());
    assertEquals(pattern, new RoutePattern(spec, pattern.method(), pattern.segments(),
        pattern.wildcard()));
  }

  @Test
  void parse_badParamName_messageQuotesSpecAndShowsFix() {
    var e = assertThrows(IllegalArgumentException.class, () -> RoutePattern.parse("GET /a/:1x"));

    assertEquals(
        "route \"GET /a/:1x\": parameter name \"1x\" must start with a letter or '_'"
            + " (e.g. \":id\")",
        e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "``              | is empty",
        "users           | must start with '/'",
        "GET             | must start with '/'",
        "` /a`           | must start with '/'",
        "get /a          | must be uppercase (e.g. \"GET\")",
        "G:T /a          | not allowed in an HTTP method",
        "`GET  /a`       | exactly one space",
        "GET a           | exactly one space and start with '/'",
        "/a/             | trailing '/' is not allowed; write \"/a\"",
        "GET /a/         | write \"GET /a\"",
        "//              | empty segment",
        "/a//b           | empty segment",
        "/a/:            | has no name",
        "/a/:1x          | must start with a letter or '_'",
        "/a/:a-b         | use only letters, digits and '_'",
        "/:id/:id        | \"id\" is used twice",
        "/.../a          | must be the last segment",
        "/a/...:x/...    | contains \":\"",
        "/a/..           | segment \"..\" is not allowed",
        "/./a            | segment \".\" is not allowed",
        "`/a b`          | contains \" \"",
        "/a%20b          | contains \"%\"",
        "/jörg           | contains \"ö\"",
        "/a?b            | contains \"?\"",
      })
  void parse_invalidSpec_throwsQuotingSpecAndProblem(String spec, String problem) {
    var e = assertThrows(IllegalArgumentException.class, () -> RoutePattern.parse(spec));

    assertTrue(e.getMessage().startsWith("route \"" + spec + "\": "), e.getMessage());
    assertTrue(e.getMessage().contains(problem), e.getMessage());
  }

  @Test
  void parse_controlCharacterInSpec_isEscapedInMessage() {
    var e = assertThrows(IllegalArgumentException.class, () -> RoutePattern.parse("/a\nb"));

    assertTrue(e.getMessage().startsWith("route \"/a%0Ab\""), e.getMessage());
  }

  @Test
  void constructor_specNotMatchingParts_throws() {
    assertThrows(IllegalArgumentException.class,
        () -> new RoutePattern(
            "/b", Optional.empty(), List.of(new RoutePattern.Literal("a")), false));
  }

  @Test
  void constructor_literalThatSpellsWildcard_throws() {
    assertThrows(IllegalArgumentException.class, () -> new RoutePattern.Literal("..."));
  }

  @Test
  void add_invalidSpec_throwsAtAdd() {
    Router.Builder<String> builder = Router.builder();

    assertThrows(IllegalArgumentException.class, () -> builder.add("/a/", "x"));
  }

  // ---- matching ----

  @Test
  void match_exactRoute_foundWithNoParamsAndEmptyTail() {
    Lookup.Found<String> f = found(router("/health").match("GET", "/health"));

    assertEquals("/health", f.target());
    assertEquals(Map.of(), f.params());
    assertEquals("", f.tail());
  }

  @Test
  void match_rootRoute_matchesSlashOnly() {
    Router<String> router = router("/");

    assertEquals("/", found(router.match("GET", "/")).target());
    assertInstanceOf(Lookup.NotFound.class, router.match("GET", "/a"));
  }

  @Test
  void match_paramRoute_bindsDecodedSegment() {
    Lookup.Found<String> f = found(router("GET /users/:id").match("GET", "/users/J%C3%B6rg"));

    assertEquals(Map.of("id", "Jörg"), f.params());
  }

  @Test
  void match_plusInSegment_staysPlus() {
    Lookup.Found<String> f = found(router("/q/:term").match("GET", "/q/a+b%20c"));

    assertEquals("a+b c", f.params().get("term"));
  }

  @Test
  void match_params_inDeclarationOrderAndImmutable() {
    Lookup.Found<String> f = found(router("/:z/:a/:m").match("GET", "/1/2/3"));

    assertEquals(List.of("z", "a", "m"), List.copyOf(f.params().keySet()));
    assertEquals(List.of("1", "2", "3"), List.copyOf(f.params().values()));
    assertThrows(UnsupportedOperationException.class, () -> f.params().put("q", "4"));
  }

  @Test
  void match_encodedLiteral_matchesDecodedLiteral() {
    assertEquals("/a/b", found(router("/a/b").match("GET", "/%61/%62")).target());
  }

  @Test
  void match_literal_isCaseSensitive() {
    assertInstanceOf(Lookup.NotFound.class, router("/a").match("GET", "/A"));
  }

  @Test
  void match_trailingSlash_matchesRouteWithout() {
    Router<String> router = router("/a", "/b/:x");

    assertEquals("/a", found(router.match("GET", "/a/")).target());
    assertEquals(Map.of("x", "y"), found(router.match("GET", "/b/y/")).params());
  }

  @Test
  void match_wildcard_tailJoinsDecodedSegments() {
    Lookup.Found<String> f = found(router("/static/...").match("GET", "/static/css/a%20b.css"));

    assertEquals("css/a b.css", f.tail());
  }

  @ParameterizedTest
  @ValueSource(strings = {"/static", "/static/"})
  void match_wildcardWithNothingAfterPrefix_emptyTail(String path) {
    assertEquals("", found(router("/static/...").match("GET", path)).tail());
  }

  @Test
  void match_rootWildcard_matchesEverything() {
    Router<String> router = router("/...");

    assertEquals("", found(router.match("GET", "/")).tail());
    assertEquals("a/b", found(router.match("GET", "/a/b")).tail());
  }

  @Test
  void match_wildcardWithParam_bindsParamAndTail() {
    Lookup.Found<String> f = found(router("/u/:id/...").match("GET", "/u/7/a/b"));

    assertEquals(Map.of("id", "7"), f.params());
    assertEquals("a/b", f.tail());
  }

  @Test
  void match_exactAndParam_exactWins() {
    assertEquals("/users/me", found(router("/users/:id", "/users/me").match("GET", "/users/me"))
        .target());
  }

  @Test
  void match_paramAndWildcard_paramWins() {
    assertEquals("/a/:x", found(router("/a/...", "/a/:x").match("GET", "/a/b")).target());
  }

  @Test
  void match_twoParamRoutes_moreSegmentsWins() {
    // Equal kind; the route with more segments is more specific, even with fewer literals.
    Router<String> router = router("/a/:x/:y", "/:p/:q/:r/:s");

    assertEquals("/:p/:q/:r/:s", found(router.match("GET", "/a/b/c/d")).target());
    assertEquals("/a/:x/:y", found(router.match("GET", "/a/b/c")).target());
  }

  @Test
  void match_twoWildcards_longerPrefixWins() {
    Router<String> router = router("/a/...", "/a/b/...");

    assertEquals("/a/b/...", found(router.match("GET", "/a/b/c")).target());
    assertEquals("/a/b/...", found(router.match("GET", "/a/b")).target());
    assertEquals("/a/...", found(router.match("GET", "/a/c")).target());
  }

  @Test
  void match_methodRouteAndAnyMethodRoute_methodRouteWins() {
    Router<String> router = router("/x", "POST /x");

    assertEquals("POST /x", found(router.match("POST", "/x")).target());
    assertEquals("/x", found(router.match("PUT", "/x")).target());
  }

  @Test
  void match_higherRankRejectsMethod_lowerRankAcceptingRouteWins() {
    Router<String> router = router("POST /a/b", "/a/:x");

    assertEquals("/a/:x", found(router.match("GET", "/a/b")).target());
  }

  @Test
  void match_noRouteForPath_notFound() {
    assertEquals(new Lookup.NotFound<String>(), router("/a", "/b/:x").match("GET", "/c"));
  }

  @Test
  void match_pathMatchedButMethodNot_methodNotAllowedWithSortedMethods() {
    Router<String> router = router("POST /a", "GET /a", "PUT /:x", "DELETE /b");

    var lookup = notAllowed(router.match("PATCH", "/a"));

    assertEquals(List.of("GET", "HEAD", "POST", "PUT"), List.copyOf(lookup.allowed()));
    assertEquals("GET, HEAD, POST, PUT", lookup.allowHeader());
  }

  @Test
  void match_headRequest_answeredByGetRoute() {
    Lookup.Found<String> f = found(router("GET /a/:x").match("HEAD", "/a/1"));

    assertEquals("GET /a/:x", f.target());
  }

  @Test
  void match_headRequest_explicitHeadRouteBeatsGetRoute() {
    Router<String> router = router("GET /a/:x", "HEAD /a/:y");

    assertEquals("HEAD /a/:y", found(router.match("HEAD", "/a/1")).target());
    assertEquals("GET /a/:x", found(router.match("GET", "/a/1")).target());
  }

  @Test
  void match_headRequest_getRouteBeatsAnyMethodRouteOfSameShape() {
    // HEAD mirrors GET: whatever answers GET answers HEAD, so a GET route keeps its rank.
    assertEquals("GET /a", found(router("/a", "GET /a").match("HEAD", "/a")).target());
  }

  @Test
  void match_headRequest_classStillComesFirst() {
    Router<String> router = router("GET /a/b", "HEAD /a/:x");

    assertEquals("GET /a/b", found(router.match("HEAD", "/a/b")).target());
  }

  @Test
  void match_postToGetOnlyRoute_allowsGetAndHead() {
    var lookup = notAllowed(router("GET /a").match("POST", "/a"));

    assertEquals(Set.of("GET", "HEAD"), lookup.allowed());
  }

  // ---- refused paths ----

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "``                | path \"\" must start with '/'",
        "a/b               | path \"a/b\" must start with '/'",
        "//                | empty path segment",
        "/a//b             | empty path segment",
        "/a//              | empty path segment",
        "/..               | path segment \"..\" is not allowed",
        "/a/../b           | path segment \"..\" is not allowed",
        "/a/./b            | path segment \".\" is not allowed",
        "/a/%2e%2e         | path segment \"%2e%2e\" decodes to \"..\"",
        "/a/%2E%2e/b       | decodes to \"..\"",
        "/a/.%2E           | decodes to \"..\"",
        "/a/%2e            | decodes to \".\"",
        "/a%2Fb            | encoded '/' (%2F)",
        "/a%2fb            | encoded '/' (%2f)",
        "/a%5Cb            | encoded '\\' (%5C)",
        "/a%5cb            | encoded '\\' (%5c)",
        "/a\\b             | contains '\\'",
        "/a%zz             | malformed percent-encoding \"%zz\"",
        "/a%4              | malformed percent-encoding \"%4\"",
        "/a%               | malformed percent-encoding \"%\"",
        "/a%4/b            | malformed percent-encoding \"%4\"",
        "/%C3              | not valid UTF-8",
        "/%FF              | not valid UTF-8",
        "/%C0%AE%C0%AE     | not valid UTF-8",
        "/%ED%A0%80        | not valid UTF-8",
        "/a%00             | control character (0x00)",
        "/a%0A             | control character (0x0A)",
        "/a%7F             | control character (0x7F)",
        "/a%1f             | control character (0x1F)",
      })
  void match_refusedPath_badPathNamingTheProblem(String path, String reason) {
    String actual = badReason(router("/...").match("GET", path));

    assertTrue(actual.contains(reason), actual);
  }

  @Test
  void match_rawControlCharacter_badPathWithEscapedSegment() {
    String reason = badReason(router("/...").match("GET", "/a\nb"));

    assertEquals("path segment \"a%0Ab\" contains a control character (0x0A), which is not allowed",
        reason);
  }

  @Test
  void match_dotDot_reasonNamesSegment() {
    assertEquals("path segment \"..\" is not allowed",
        badReason(router("/...").match("GET", "/static/../etc/passwd")));
  }

  @ParameterizedTest
  @ValueSource(strings = {"/...", "/a.", "/.a", "/a..b", "/~"})
  void match_dotsInsideSegment_allowed(String path) {
    assertInstanceOf(Lookup.Found.class, router("/:x").match("GET", path));
  }

  // ---- conflicts ----

  @Test
  void build_renamedParams_conflictNamesBothRoutes() {
    var e = assertThrows(RouteConflictException.class,
        () -> router("GET /users/:id", "GET /users/:name"));

    assertEquals("route \"GET /users/:name\" conflicts with \"GET /users/:id\": both match the"
        + " same requests with the same rank (e.g. \"/users/x\"); remove one, or make one more"
        + " specific (a literal segment or a method)", e.getMessage());
  }

  @Test
  void build_sameSpecTwice_declaredTwice() {
    var e = assertThrows(RouteConflictException.class, () -> router("GET /a", "GET /a"));

    assertEquals("route \"GET /a\" is declared twice; remove one", e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "/a/:x     | /:y/b",
        "/a/:x/c   | /a/b/:y",
        "/a/...    | /:x/...",
        "/...      | /...",
        "POST /:x  | POST /:y",
        "/:x/...   | /:y/...",
      })
  void build_overlappingEqualRank_conflictNamesBoth(String first, String second) {
    var e = assertThrows(RouteConflictException.class, () -> router(first, second));

    assertTrue(e.getMessage().contains("\"" + first + "\""), e.getMessage());
    assertTrue(e.getMessage().contains("\"" + second + "\""), e.getMessage());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "GET /x     | /x",
        "GET /a/:x  | POST /a/:y",
        "/a/...     | /a/b/...",
        "GET /a     | HEAD /a",
        "/a/b       | /a/:x",
        "/a/:x/c    | /a/:y/d",
        "/a/:x      | /a/:x/:y",
        "/a/...     | /a/:x",
        "/          | /...",
      })
  void build_differentRankOrDisjoint_noConflict(String first, String second) {
    Router<String> router = router(first, second);

    assertEquals(2, router.routes().size());
  }

  @Test
  void routes_listedInPrecedenceOrder() {
    Router<String> router =
        router("/...", "/a/:x", "GET /a/b", "/a/b", "/a/b/:c", "/a/b/...", "GET /a/:y");

    assertEquals(
        List.of("GET /a/b", "/a/b", "/a/b/:c", "GET /a/:y", "/a/:x", "/a/b/...", "/..."),
        router.routes().stream().map(RoutePattern::spec).toList());
  }

  @Test
  void found_mutableParams_areCopied() {
    var params = new java.util.LinkedHashMap<String, String>();
    params.put("b", "1");
    params.put("a", "2");
    var f = new Lookup.Found<>(RoutePattern.parse("/:b/:a"), "t", params, "");
    params.put("c", "3");

    assertEquals(List.of("b", "a"), List.copyOf(f.params().keySet()));
  }
}
