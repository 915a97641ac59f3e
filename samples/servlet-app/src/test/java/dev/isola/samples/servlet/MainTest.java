package dev.isola.samples.servlet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The sample's server, as {@link Main} starts it, on a free loopback port, called over HTTP. */
class MainTest {
  private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static Server server;
  private static int port;

  @BeforeAll
  static void start() throws Exception {
    server = Main.start("127.0.0.1", 0);
    port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
  }

  @AfterAll
  static void stop() throws Exception {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void helloRoute_underFn_isAnsweredByTheHandler() throws Exception {
    HttpResponse<String> response = get("/fn/hello/world");

    assertEquals(200, response.statusCode());
    assertEquals("Hello, world!\n", response.body());
    assertTrue(response.headers().firstValue("X-Request-Id").isPresent(), "IsolaServlet answered");
  }

  @Test
  void unknownPath_underFn_isIsolas404() throws Exception {
    HttpResponse<String> response = get("/fn/nothing/here");

    assertEquals(404, response.statusCode());
  }

  private static HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofString());
  }
}
