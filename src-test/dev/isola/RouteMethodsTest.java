package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A route names one of RFC 9110's methods or PATCH; anything else is taken for a typo unless the
 * application declared it with {@link Isola.Builder#extensionMethods}.
 */
class RouteMethodsTest {
  private static final Handler OK = Handler.javascript("ok.js",
      "export default { fetch(request) { return new Response(request.method); } };");

  @Test
  void typo_isRefused_suggestingTheMethodMeant() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Isola.newBuilder().route("GETT /x", OK));

    assertTrue(e.getMessage().startsWith("route \"GETT /x\": method \"GETT\" is none of RFC 9110's methods"),
        e.getMessage());
    assertTrue(e.getMessage().contains("did you mean \"GET\"?"), e.getMessage());
    assertTrue(e.getMessage().contains("Isola.Builder.extensionMethods(\"GETT\")"), e.getMessage());
  }

  @Test
  void unknownMethodFarFromAnyKnownOne_isRefusedWithoutASuggestion() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Isola.newBuilder().route("PROPFIND /dav", OK));

    assertTrue(!e.getMessage().contains("did you mean"), e.getMessage());
    assertTrue(e.getMessage().contains("nor PATCH. If \"PROPFIND\" is meant, declare it"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"})
  void knownMethods_needNoDeclaration(String method) {
    Isola.newBuilder().route(method + " /x", OK);
  }

  @Test
  void declaredExtensionMethod_routesItsRequests() {
    try (Isola isola = Isola.newBuilder().readySandboxes(0).extensionMethods("PROPFIND")
        .route("PROPFIND /dav/...", OK).build()) {
      assertEquals("PROPFIND",
          isola.handle(Request.newBuilder().method("PROPFIND").target("/dav/a").build()).bodyText());
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"PROP FIND", "propfind", "PROP/FIND", "", "M\u00c9THODE"})
  void extensionMethod_mustBeAnUppercaseToken(String method) {
    assertThrows(IllegalArgumentException.class, () -> Isola.newBuilder().extensionMethods(method));
  }

  @Test
  void methodThatIsNoToken_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Isola.newBuilder().route("G(ET /x", OK));

    assertTrue(e.getMessage().contains("not allowed in an HTTP method"), e.getMessage());
  }
}
