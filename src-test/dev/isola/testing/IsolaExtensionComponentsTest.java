package dev.isola.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.isola.Request;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A manifest's components run in-process under the extension, whatever [node] serves and remotes say. */
class IsolaExtensionComponentsTest {
  @RegisterExtension
  IsolaExtension isola = IsolaExtension.fromManifest(Path.of("src-test/dev/isola/testing/components/isola.toml"));

  @Test
  void aRouteCallsItsComponent_inProcess_withTheComponentsOwnGrants() {
    assertEquals("inventory says 200: apple in stock", isola.handle(Request.get("/shop/apple")).bodyText());
    assertEquals("seen", isola.kv("stock").get("apple").map(v -> new String(v, java.nio.charset.StandardCharsets.UTF_8))
        .orElseThrow());
  }
}
