package dev.isola.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.spring.app.DemoApplication;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Components from Spring properties ({@code isola.routes[n].name}, {@code isola.routes[n].calls},
 * {@code isola.components}, {@code isola.remotes.NAME.url}, {@code isola.node-key}), in real Spring
 * Boot applications on loopback, called over HTTP.
 */
class IsolaComponentPropertiesTest {
  private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String KEY = "a-node-key-of-at-least-32-bytes-for-tests-only";
  private static final String FRONT = "src-test/dev/isola/spring/shop-front.js";
  private static final String INVENTORY = "src-test/dev/isola/spring/inventory.js";

  /** The same route and component properties on every node. */
  private static List<String> shop(String... more) {
    List<String> all = new ArrayList<>(List.of("isola.base-path=/fn",
        "isola.routes[0].path=GET /shop/:item", "isola.routes[0].handler=" + FRONT, "isola.routes[0].calls=inventory",
        "isola.routes[1].name=inventory", "isola.routes[1].handler=" + INVENTORY));
    all.addAll(List.of(more));
    return all;
  }

  @Test
  void aRouteCallsAComponentByName() throws Exception {
    try (ConfigurableApplicationContext app = start(shop())) {
      HttpResponse<String> shop = get(port(app), "/fn/shop/apple");
      assertEquals(200, shop.statusCode(), shop.body());
      assertEquals("front got 200: stock of /stock/apple at depth 1", shop.body());
      assertEquals(404, get(port(app), "/fn/stock/apple").statusCode(), "a component without a path is no route");
    }
  }

  @Test
  void aComponentServedByAnotherApplication_isCalledThereWithTheNodeKey() throws Exception {
    try (ConfigurableApplicationContext back = start(shop("isola.node-key=" + KEY, "isola.components=inventory"))) {
      String backUrl = "http://127.0.0.1:" + port(back) + "/fn";
      try (ConfigurableApplicationContext front = start(shop("isola.node-key=" + KEY, "isola.components=",
          "isola.remotes.inventory.url=" + backUrl, "isola.max-call-depth=2"))) {
        HttpResponse<String> shop = get(port(front), "/fn/shop/pear");
        assertEquals(200, shop.statusCode(), shop.body());
        assertEquals("front got 200: stock of /stock/pear at depth 1", shop.body());
        assertFalse(front.getBean(IsolaProperties.class).toString().contains(KEY), "the node key is never shown");
      }
      assertEquals(401, get(port(back), "/fn/.isola/components/inventory/stock/pear").statusCode(),
          "a call without a node token is refused");
    }
  }

  @Test
  void componentPropertiesThatCannotWork_failTheStartupNamingTheProperty() {
    String unknown = messages(assertThrows(RuntimeException.class, () -> start(shop("isola.components=billing"))));
    assertTrue(unknown.contains("isola.components names \"billing\"") && unknown.contains("serve some of inventory"),
        unknown);
    String shortKey = messages(assertThrows(RuntimeException.class, () -> start(shop("isola.node-key=short"))));
    assertTrue(shortKey.contains("isola.node-key is 5 bytes") && !shortKey.contains("=short"), shortKey);
    String noRemote = messages(assertThrows(RuntimeException.class, () -> start(shop("isola.components="))));
    assertTrue(noRemote.contains("component \"inventory\"") && noRemote.contains("remote"), noRemote);
    String neither = messages(assertThrows(RuntimeException.class,
        () -> start(shop("isola.routes[2].handler=" + INVENTORY))));
    assertTrue(neither.contains("has no path and no name"), neither);
  }

  private static ConfigurableApplicationContext start(List<String> properties) {
    List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
        "spring.main.banner-mode=off", "spring.main.log-startup-info=false", "logging.level.root=off"));
    all.addAll(properties);
    return new SpringApplicationBuilder(DemoApplication.class).properties(all.toArray(String[]::new)).run();
  }

  private static int port(ConfigurableApplicationContext context) {
    return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
  }

  private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofString());
  }

  private static String messages(Throwable e) {
    List<String> chain = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause()) {
      chain.add(String.valueOf(t.getMessage()));
    }
    return String.join("\n", chain);
  }
}
