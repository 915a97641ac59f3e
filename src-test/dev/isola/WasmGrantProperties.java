package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.kv.KeyValueStore;
import dev.isola.kv.KeyValueStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * For every subset of five grants (two stores, two variables, one files mount) there is a route with
 * exactly those grants; random probes from a WAGI program succeed exactly when their resource was
 * granted, and an ungranted write never reaches a store.
 */
class WasmGrantProperties {
  private static final int RESOURCES = 5;
  private static Isola isola;
  private static KeyValueStore storeA;
  private static KeyValueStore storeB;

  enum Probe {
    GET_A("GET", "/a/k", 0), PUT_A("PUT", "/a/k", 0), PUT_B("PUT", "/b/k", 1), GET_B("GET", "/b/k", 1),
    VAR_X("GET", "/a/var:X", 2), VAR_Y("GET", "/a/var:Y", 3), FILE("GET", "/a/f?file=/files/f.txt", 4);

    final String method;
    final String path;
    final int resource;

    Probe(String method, String path, int resource) {
      this.method = method;
      this.path = path;
      this.resource = resource;
    }
  }

  @BeforeContainer
  static void build() throws Exception {
    storeA = KeyValueStores.inMemory();
    storeB = KeyValueStores.inMemory();
    Path dir = Files.createTempDirectory("isola-grants");
    Files.writeString(dir.resolve("f.txt"), "file");
    Isola.Builder builder = Isola.newBuilder().store("a", storeA).store("b", storeB)
        .variable("X", "x").variable("Y", "y");
    for (int mask = 0; mask < 1 << RESOURCES; mask++) {
      List<Grant> grants = new ArrayList<>();
      if ((mask & 1) != 0) {
        grants.add(Grants.keyValue("a"));
      }
      if ((mask & 2) != 0) {
        grants.add(Grants.keyValue("b"));
      }
      if ((mask & 4) != 0) {
        grants.add(Grants.variables("X"));
      }
      if ((mask & 8) != 0) {
        grants.add(Grants.variables("Y"));
      }
      if ((mask & 16) != 0) {
        grants.add(Grants.files(dir, "/files"));
      }
      builder.route("/g" + mask + "/kv/:store/:key",
          Handler.wasm(WasmWagiTest.WASM.resolve("wagi-kv.wasm")).grants(grants.toArray(Grant[]::new)));
    }
    isola = builder.build();
  }

  @AfterContainer
  static void close() {
    isola.close();
    storeA.close();
    storeB.close();
  }

  @Property(tries = 400)
  void probes_succeedExactlyWhenGranted(@ForAll("masks") int mask, @ForAll Probe probe) {
    boolean granted = (mask & (1 << probe.resource)) != 0;
    long before = storeA.list("", 10).size() + storeB.list("", 10).size();
    String body = isola.handle(Request.newBuilder().method(probe.method).target("/g" + mask + "/kv" + probe.path)
        .body("v").build()).bodyText();
    boolean denied = body.contains("-2");
    assertEquals(!granted, denied, "mask " + mask + ", " + probe + ": " + body);
    if (!granted && probe.method.equals("PUT")) {
      assertEquals(before, storeA.list("", 10).size() + storeB.list("", 10).size(), "an ungranted write landed");
    }
    if (granted && probe == Probe.FILE) {
      assertTrue(body.contains("file=file"), body);
    }
    assertFalse(body.contains("error -3"), body);
  }

  @Provide
  Arbitrary<Integer> masks() {
    return Arbitraries.integers().between(0, (1 << RESOURCES) - 1);
  }
}
