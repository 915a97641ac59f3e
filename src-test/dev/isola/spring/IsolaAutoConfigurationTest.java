package dev.isola.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.DataSize;
import dev.isola.Handler;
import dev.isola.HandlerLoadException;
import dev.isola.Isola;
import dev.isola.Limits;
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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * {@link IsolaAutoConfiguration} in a real Spring Boot application ({@link DemoApplication}, its own
 * controller, embedded Tomcat on a free loopback port) configured only through {@code isola.*}
 * properties, called over HTTP. The application is started with {@link SpringApplicationBuilder}
 * rather than {@code @SpringBootTest}: Spring Framework 7's {@code SpringExtension} needs JUnit 6.
 */
class IsolaAutoConfigurationTest {
  private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final String HELLO_JS = "src-test/dev/isola/spring/hello.js";

  private static ConfigurableApplicationContext app;
  private static int port;

  @BeforeAll
  static void start() {
    app = start(DemoApplication.class,
        "isola.base-path=/fn",
        "isola.variables.GREETING=Hello",
        "isola.routes[0].path=GET /hello/:name",
        "isola.routes[0].handler=" + HELLO_JS,
        "isola.routes[0].timeout=2s",
        "isola.routes[0].memory=64MiB",
        "isola.routes[0].variables=GREETING");
    port = port(app);
  }

  @AfterAll
  static void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void route_underBasePath_isServedByIsola() throws Exception {
    HttpResponse<String> response = get(port, "/fn/hello/world");

    assertEquals(200, response.statusCode());
    assertEquals("Hello, world!", response.body());
    assertTrue(response.headers().firstValue("X-Request-Id").isPresent(), "IsolaServlet answered");
  }

  @Test
  void appController_nextToIsola_stillAnswers() throws Exception {
    HttpResponse<String> response = get(port, "/greet/ada");

    assertEquals(200, response.statusCode());
    assertEquals("controller greets ada", response.body());
    assertFalse(response.headers().firstValue("X-Request-Id").isPresent(), "not IsolaServlet");
  }

  @Test
  void unknownPath_underBasePath_isIsolas404() throws Exception {
    HttpResponse<String> response = get(port, "/fn/nothing/here");

    assertEquals(404, response.statusCode());
    assertTrue(response.headers().firstValue("X-Request-Id").isPresent(), "IsolaServlet answered, not the app");
  }

  @Test
  void routePath_outsideBasePath_isNotIsolas() throws Exception {
    HttpResponse<String> response = get(port, "/hello/world");

    assertEquals(404, response.statusCode());
    assertFalse(response.headers().firstValue("X-Request-Id").isPresent(), "the application's 404");
  }

  @Test
  void routeProperties_timeoutAndMemory_becomeTheRoutesLimits() {
    Limits limits = app.getBean(Isola.class).limitsFor("GET", "/hello/x").orElseThrow();

    assertEquals(Duration.ofSeconds(2), limits.timeout());
    assertEquals(DataSize.ofMiB(64), limits.memory());
  }

  @Test
  void close_context_closesTheIsola() {
    Isola isola;
    try (ConfigurableApplicationContext other = start(DemoApplication.class,
        "isola.routes[0].path=GET /hello/:name", "isola.routes[0].handler=" + HELLO_JS)) {
      isola = other.getBean(Isola.class);
    }

    assertThrows(IllegalStateException.class, () -> isola.handle(dev.isola.Request.get("/hello/x")));
  }

  @Test
  void ownIsolaBean_inTheApplication_autoConfiguredOneBacksOff() throws Exception {
    try (ConfigurableApplicationContext own = start(new Class<?>[] {DemoApplication.class, OwnIsola.class},
        "isola.base-path=/own",
        "isola.routes[0].path=GET /hello/:name",
        "isola.routes[0].handler=src-test/dev/isola/spring/missing.js")) {
      HttpResponse<String> response = get(port(own), "/own/whoami");

      assertSame(own.getBean(OwnIsola.class).isola, own.getBean(Isola.class));
      assertEquals(200, response.statusCode());
      assertEquals("own isola", response.body());
    }
  }

  @Test
  void customizer_bean_addsToTheBuilder() throws Exception {
    try (ConfigurableApplicationContext custom = start(new Class<?>[] {DemoApplication.class, Customized.class},
        "isola.routes[0].path=GET /hello/:name", "isola.routes[0].handler=" + HELLO_JS,
        "isola.routes[0].variables=GREETING", "isola.variables.GREETING=Hi")) {
      HttpResponse<String> hello = get(port(custom), "/isola/hello/you");
      HttpResponse<String> added = get(port(custom), "/isola/added");

      assertEquals("Hi, you!", hello.body());
      assertEquals("added in code", added.body());
    }
  }

  @Test
  void missingHandlerFile_failsTheStartup() {
    Exception e = assertThrows(Exception.class, () -> start(DemoApplication.class,
        "isola.routes[0].path=GET /hello/:name", "isola.routes[0].handler=src-test/dev/isola/spring/missing.js"));

    assertTrue(causes(e).stream().anyMatch(HandlerLoadException.class::isInstance), e::toString);
  }

  @Test
  void badBasePath_failsTheStartup_namingTheProperty() {
    Exception e = assertThrows(Exception.class, () -> start(DemoApplication.class, "isola.base-path=/fn/"));

    assertTrue(messages(e).contains("isola.base-path \"/fn/\""), messages(e));
  }

  /** The application's own service, as handlers see it. */
  public interface Billing {
    String invoice(String customer, long cents);
  }

  /** A service of the application, offered to handlers by annotation. */
  @org.springframework.stereotype.Service
  @IsolaHostInterface("billing")
  static class BillingService implements Billing {
    @Override
    public String invoice(String customer, long cents) {
      return "invoice for " + customer + ": " + cents;
    }
  }

  @Test
  void annotatedBean_isAHostInterface_forRoutesGrantedIt() throws Exception {
    try (ConfigurableApplicationContext withBilling = start(
        new Class<?>[] {DemoApplication.class, BillingService.class},
        "isola.base-path=/fn",
        "isola.routes[0].path=GET /checkout", "isola.routes[0].handler=src-test/dev/isola/spring/billing.js",
        "isola.routes[0].host-interfaces=billing",
        "isola.routes[1].path=GET /sneaky", "isola.routes[1].handler=src-test/dev/isola/spring/billing.js")) {
      HttpResponse<String> ok = get(port(withBilling), "/fn/checkout?customer=ada");
      assertEquals(200, ok.statusCode());
      assertEquals("invoice for ada: 500", ok.body());
      HttpResponse<String> denied = get(port(withBilling), "/fn/sneaky?customer=ada");
      assertEquals(403, denied.statusCode());
    }
  }

  /** An application that has a Micrometer registry, as with Actuator. */
  @org.springframework.context.annotation.Configuration(proxyBeanMethods = false)
  static class WithRegistry {
    @org.springframework.context.annotation.Bean
    io.micrometer.core.instrument.MeterRegistry meterRegistry() {
      return new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    }
  }

  @Test
  void metrics_goToTheApplicationsRegistry() throws Exception {
    try (ConfigurableApplicationContext withRegistry = start(new Class<?>[] {DemoApplication.class, WithRegistry.class},
        "isola.base-path=/fn", "isola.variables.GREETING=Hi", "isola.routes[0].path=GET /hello/:name",
        "isola.routes[0].handler=" + HELLO_JS, "isola.routes[0].variables=GREETING")) {
      assertEquals(200, get(port(withRegistry), "/fn/hello/metrics").statusCode());
      var registry = withRegistry.getBean(io.micrometer.core.instrument.MeterRegistry.class);
      assertEquals(1, registry.get("isola.calls").tags("route", "GET /hello/:name", "outcome", "ok").timer().count());
    }
  }

  private static ConfigurableApplicationContext start(Class<?> source, String... properties) {
    return start(new Class<?>[] {source}, properties);
  }

  private static ConfigurableApplicationContext start(Class<?>[] sources, String... properties) {
    List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
        "spring.main.banner-mode=off", "spring.main.log-startup-info=false", "logging.level.root=warn"));
    all.addAll(List.of(properties));
    return new SpringApplicationBuilder(sources).properties(all.toArray(String[]::new)).run();
  }

  private static int port(ConfigurableApplicationContext context) {
    return context.getEnvironment().getRequiredProperty("local.server.port", Integer.class);
  }

  private static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).build(), BodyHandlers.ofString());
  }

  private static List<Throwable> causes(Throwable e) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable t = e; t != null; t = t.getCause()) {
      chain.add(t);
    }
    return chain;
  }

  private static String messages(Throwable e) {
    return String.join("\n", causes(e).stream().map(Throwable::toString).toList());
  }

  /**
   * An application's own {@code Isola}. The properties' route is not built: its handler file does
   * not exist, so building it would fail the startup.
   */
  static class OwnIsola {
    final Isola isola = Isola.newBuilder()
        .route("GET /whoami", Handler.javascript("whoami.js",
            "export default { fetch() { return new Response('own isola'); } };"))
        .build();

    @Bean(destroyMethod = "close")
    Isola isola() {
      return isola;
    }
  }

  /** An application that adds a route in code. */
  static class Customized {
    @Bean
    IsolaBuilderCustomizer addRoute() {
      return builder -> builder.route("GET /added", Handler.javascript("added.js",
          "export default { fetch() { return new Response('added in code'); } };"));
    }
  }
}
