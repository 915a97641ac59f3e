package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.isola.kv.KeyValueStore;
import dev.isola.kv.KeyValueStores;
import dev.isola.kv.StoreLimits;
import org.junit.jupiter.api.Test;

/** A Wasm guest's {@code isola:host/kv.put} over its store's quota answers -5 and stores nothing. */
class WasmKeyValueQuotaTest {
  @Test
  void wagi_putOverMaxKeys_answersFullAndStoresNothing() {
    try (KeyValueStore small = KeyValueStores.inMemory(StoreLimits.NONE.withMaxKeys(1));
        Isola isola = Isola.newBuilder()
            .store("small", small)
            .route("/kv/:store/:key", Handler.wasm(WasmWagiTest.WASM.resolve("wagi-kv.wasm")).grants(Grants.keyValue("small")))
            .build()) {
      assertEquals("put 0\n", isola.handle(put("/kv/small/a", "1")).bodyText());
      assertEquals("put -5\n", isola.handle(put("/kv/small/b", "2")).bodyText());
      assertFalse(small.exists("b"));
      assertEquals("put 0\n", isola.handle(put("/kv/small/a", "overwrite")).bodyText());
    }
  }

  private static Request put(String target, String body) {
    return Request.newBuilder().method("PUT").target(target).body(body).build();
  }
}
