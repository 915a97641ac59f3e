package dev.isola.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.kv.StoreLimits;
import dev.isola.spring.app.DemoApplication;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/** {@code isola.stores.NAME.*}: key-value stores and their quotas from Spring properties. */
class IsolaStorePropertiesTest {
  private static ConfigurableApplicationContext start(String... properties) {
    List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
        "spring.main.banner-mode=off", "spring.main.log-startup-info=false", "logging.level.root=warn"));
    all.addAll(List.of(properties));
    return new SpringApplicationBuilder(DemoApplication.class).properties(all.toArray(String[]::new)).run();
  }

  @Test
  void storeProperties_declareAStoreWithQuotas_grantedToARoute() {
    try (ConfigurableApplicationContext app = start(
        "isola.stores.notes.type=memory",
        "isola.stores.notes.max-keys=2",
        "isola.stores.notes.max-value-size=1KiB",
        "isola.routes[0].path=POST /note/:key",
        "isola.routes[0].handler=src-test/dev/isola/spring/kv-count.js",
        "isola.routes[0].key-value=notes")) {
      Isola isola = app.getBean(Isola.class);
      assertEquals("stored a", isola.handle(Request.post("/note/a", "")).bodyText());
      assertEquals("stored b", isola.handle(Request.post("/note/b", "")).bodyText());
      Response full = isola.handle(Request.post("/note/c", ""));
      assertEquals(507, full.status());
      assertTrue(full.bodyText().contains("key-value store \"notes\" is full"), full.bodyText());
      assertTrue(full.bodyText().contains("max_keys limit of 2"), full.bodyText());
    }
  }

  @Test
  void storeProperties_limitsOverTheTypesDefaults() {
    IsolaProperties.Store memory = new IsolaProperties.Store("memory", null, null, null, null, 50L, "1MiB");
    assertEquals(new StoreLimits(StoreLimits.MEMORY_DEFAULTS.maxValueSize(), 50, 1024 * 1024), memory.limits("m"));
    IsolaProperties.Store file = new IsolaProperties.Store(null, null, null, null, "2KiB", null, null);
    assertEquals(StoreLimits.NONE.withMaxValueSize(dev.isola.DataSize.ofKiB(2)), file.limits("f"));
  }

  @Test
  void storeProperties_malformed_namedWithTheFix() {
    IllegalArgumentException size = assertThrows(IllegalArgumentException.class,
        () -> new IsolaProperties.Store("memory", null, null, null, "lots", null, null).limits("m"));
    assertTrue(size.getMessage().startsWith("isola.stores.m: max-value-size \"lots\" is not a data size"), size.getMessage());
    IllegalArgumentException type = assertThrows(IllegalArgumentException.class,
        () -> new IsolaProperties.Store("disk", null, null, null, null, null, null).limits("d"));
    assertTrue(type.getMessage().contains("isola.stores.d.type \"disk\" is not a store type"), type.getMessage());
    IllegalArgumentException redis = assertThrows(IllegalArgumentException.class,
        () -> new IsolaProperties.Store("redis", null, null, null, null, null, null).spec("r"));
    assertTrue(redis.getMessage().contains("set isola.stores.r.uri="), redis.getMessage());
  }
}
