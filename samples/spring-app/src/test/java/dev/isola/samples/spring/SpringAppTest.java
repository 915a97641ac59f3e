package dev.isola.samples.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole application, with its {@code application.properties}, on a free loopback port, called
 * over HTTP. Started with {@link SpringApplicationBuilder} rather than {@code @SpringBootTest}: Spring
 * Framework 7's {@code SpringExtension} needs JUnit 6, and these tests run on JUnit 5.
 */
class SpringAppTest {
  private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static ConfigurableApplicationContext app;
  private static int port;

  @BeforeAll
  static void start() {
    // Command-line arguments, not builder properties: those are defaults, which application.properties overrides.
    app = new SpringApplicationBuilder(SpringApp.class)
        .run("--server.port=0", "--spring.main.banner-mode=off", "--logging.level.root=warn");
    port = app.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void isolaRoute_underFn_isAnsweredByTheHandler() throws Exception {
    HttpResponse<String> response = get("/fn/hello/world");

    assertEquals(200, response.statusCode());
    assertEquals("Hello, world!\n", response.body());
    assertTrue(response.headers().firstValue("X-Request-Id").isPresent(), "IsolaServlet answered");
  }

  @Test
  void ownController_nextToIsola_answers() throws Exception {
    HttpResponse<String> response = get("/greet/ada");

    assertEquals(200, response.statusCode());
    assertEquals("controller greets ada\n", response.body());
    assertFalse(response.headers().firstValue("X-Request-Id").isPresent(), "not IsolaServlet");
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofString());
  }
}
