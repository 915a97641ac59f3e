package dev.isola.samples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.testing.IsolaExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code handlers/hello.js} on its own, without Spring or HTTP, with Isola's JUnit 5 extension. */
class HelloHandlerTest {
  @RegisterExtension
  IsolaExtension isola = IsolaExtension.of(builder -> builder
      .variable("GREETING", "Hi")
      .route("GET /hello/:name", Handler.javascript(Path.of("handlers/hello.js"))
          .grants(Grants.variables("GREETING"))));

  @Test
  void hello_nameInPath_isGreetedWithTheVariable() {
    var response = isola.get("/hello/ada");

    assertEquals(200, response.status());
    assertEquals("Hi, ada!\n", response.bodyText());
  }
}
