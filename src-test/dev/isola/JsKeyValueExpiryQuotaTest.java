package dev.isola;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.kv.KeyValueStore;
import dev.isola.kv.KeyValueStores;
import dev.isola.kv.StoreLimits;
import dev.isola.kv.StoreQuotaExceededException;
import dev.isola.kv.TestClock;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Workers KV's expiry options ({@code expirationTtl}, {@code expiration}) and store quotas as a
 * JavaScript handler meets them. Expiry runs on a clock the test moves, so nothing sleeps.
 */
class JsKeyValueExpiryQuotaTest {
  private static final String EVAL = """
      const AsyncFunction = (async () => {}).constructor;
      export default {
        async fetch(request, env, ctx) {
          const result = await new AsyncFunction("request", "env", await request.text())(request, env);
          return typeof result === "string" ? new Response(result) : Response.json(result);
        },
      };
      """;


  /** Starts at the wall clock's time, so an {@code expiration} in epoch seconds means the same to both. */
  private static final TestClock clock = new TestClock(System.currentTimeMillis());
  private static KeyValueStore kv;
  private static KeyValueStore small;
  private static Isola isola;

  @BeforeAll
  static void build() {
    kv = KeyValueStores.inMemory(StoreLimits.MEMORY_DEFAULTS, clock);
    small = KeyValueStores.inMemory(StoreLimits.NONE.withMaxKeys(2).withMaxValueSize(DataSize.ofBytes(16)), clock);
    isola = Isola.newBuilder()
        .store("kv", kv)
        .store("small", small)
        .route("POST /kv", Handler.javascript("eval.js", EVAL).grants(Grants.keyValue("kv"), Grants.keyValue("small")))
        .build();
  }

  @AfterAll
  static void close() {
    isola.close();
    kv.close();
    small.close();
  }

  private static Response call(String code) {
    return isola.handle(Request.post("/kv", code));
  }

  private static String text(String code) {
    Response response = call(code);
    assertEquals(200, response.status(), response.bodyText());
    return response.bodyText();
  }

  @Test
  void expirationTtl_valueReadableUntilItsSecondsHavePassed() {
    assertEquals("v", text("await env.KV.put('ttl', 'v', { expirationTtl: 60 }); return await env.KV.get('ttl');"));
    clock.advance(Duration.ofSeconds(59));
    assertEquals("v", text("return await env.KV.get('ttl');"));
    clock.advance(Duration.ofSeconds(1));
    assertEquals("null", text("return String(await env.KV.get('ttl'));"));
    assertFalse(kv.exists("ttl"));
  }

  @Test
  void expiration_epochSeconds_valueGoneAfterThatTime() {
    long at = System.currentTimeMillis() / 1000 + 3600;
    assertEquals("v", text("await env.KV.put('at', 'v', { expiration: " + at + " }); return await env.KV.get('at');"));
    clock.set(at * 1000 + 1000);
    assertEquals("null", text("return String(await env.KV.get('at'));"));
  }

  @Test
  void expirationTtl_belowCloudflaresSixtySeconds_accepted() {
    text("await env.KV.put('short', 'v', { expirationTtl: 1 }); return 'ok';");
    assertTrue(kv.exists("short"));
    clock.advance(Duration.ofSeconds(1));
    assertFalse(kv.exists("short"));
  }

  @Test
  void putOptions_withoutExpiry_storeForGood() {
    text("""
        await env.KV.put('m', 'v', { metadata: { a: 1 } });
        await env.KV.put('n', 'v', undefined);
        await env.KV.put('o', 'v', { expirationTtl: null });
        return 'ok';
        """);
    clock.advance(Duration.ofDays(3650));
    assertTrue(kv.exists("m") && kv.exists("n") && kv.exists("o"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "{ expirationTtl: -1 }|RangeError: put option expirationTtl must be from 1 to 3153600000 (seconds from now, 1 second to 100 years), got -1",
      "{ expirationTtl: 0 }|RangeError: put option expirationTtl must be from 1 to 3153600000",
      "{ expirationTtl: 0.5 }|RangeError: put option expirationTtl must be from 1 to 3153600000",
      "{ expirationTtl: NaN }|RangeError: put option expirationTtl must be from 1 to 3153600000 (seconds from now, 1 second to 100 years), got NaN",
      "{ expirationTtl: Infinity }|RangeError: put option expirationTtl must be from 1 to 3153600000",
      "{ expirationTtl: 3153600001 }|RangeError: put option expirationTtl must be from 1 to 3153600000",
      "{ expirationTtl: '60' }|TypeError: put option expirationTtl must be a number of seconds from now",
      "{ expiration: -5 }|RangeError: put option expiration must be from 1 to 100000000000",
      "{ expiration: 1e12 }|RangeError: put option expiration must be from 1 to 100000000000",
      "{ expiration: 1 }|Error: put option expiration 1 for key \"bad\" is not in the future",
      "{ expiration: 99999999999 }|Error: put option expiration 99999999999 for key \"bad\" is more than 100 years from now",
      "{ expiration: 2e9, expirationTtl: 60 }|TypeError: put options: pass expirationTtl (seconds from now) or expiration (epoch seconds), not both",
      "60|TypeError: put options must be an object: { expirationTtl } or { expiration }",
  })
  void putOptions_invalid_errorNamesTheValueAndTheFix(String options, String expected) {
    String got = text("try { await env.KV.put('bad', 'v', " + options + "); return 'stored'; }"
        + " catch (e) { return e.name + ': ' + e.message; }");
    assertTrue(got.startsWith(expected), got);
    assertFalse(kv.exists("bad"));
  }

  @Test
  void quota_handlerCatchesStoreFullNamingTheLimitWithoutTheCallPrefix() {
    small.delete("q1");
    small.delete("q2");
    String got = text("""
        await env.kv.small.put('q1', 'a');
        await env.kv.small.put('q2', 'b');
        try { await env.kv.small.put('q3', 'c'); return 'stored'; } catch (e) { return e.name + ': ' + e.message; }
        """);
    assertEquals("Error: key-value store \"small\" is full: it holds its max_keys limit of 2 keys, so \"q3\" cannot be"
        + " added; delete keys, let them expire, or raise max_keys in [store.small] of isola.toml", got);
    String tooBig = text("try { await env.kv.small.put('q1', 'x'.repeat(17)); } catch (e) { return e.message; }");
    assertTrue(tooBig.contains("is 17 bytes, more than its max_value_size of 16 bytes"), tooBig);
  }

  @Test
  void quota_incrementAndCompareAndSet_handlerCatchesStoreFull_valueKept() {
    small.delete("q1");
    small.delete("q2");
    String got = text("""
        await env.kv.small.put('q1', 'a');
        await env.kv.small.increment('q2', 7);
        const out = [];
        try { await env.kv.small.increment('q3'); } catch (e) { out.push(e.message); }
        try { await env.kv.small.compareAndSet('q3', null, 'c'); } catch (e) { out.push(e.message); }
        try { await env.kv.small.compareAndSet('q1', 'a', 'x'.repeat(17)); } catch (e) { out.push(e.message); }
        return out.join("\\n");
        """);
    String[] lines = got.split("\n");
    assertEquals(3, lines.length, got);
    assertTrue(lines[0].startsWith("key-value store \"small\" is full: it holds its max_keys limit of 2 keys, so \"q3\""), got);
    assertTrue(lines[1].startsWith("key-value store \"small\" is full: it holds its max_keys limit of 2 keys"), got);
    assertTrue(lines[2].contains("is 17 bytes, more than its max_value_size of 16 bytes"), got);
    assertFalse(small.exists("q3"));
    assertArrayEquals("a".getBytes(java.nio.charset.StandardCharsets.UTF_8), small.get("q1").orElseThrow());
    small.delete("q1");
    small.delete("q2");
  }

  @Test
  void increment_keepsTheTimeToLiveOfAPut() {
    text("await env.kv.kv.put('ttl-count', '1', { expirationTtl: 60 }); return String(await env.kv.kv.increment('ttl-count'));");
    assertArrayEquals("2".getBytes(java.nio.charset.StandardCharsets.UTF_8), kv.get("ttl-count").orElseThrow());
    clock.advance(java.time.Duration.ofSeconds(61));
    assertFalse(kv.exists("ttl-count"));
  }

  @Test
  void quota_uncaught_failsTheCallWith507NamingRouteStoreAndSetting() {
    small.delete("q1");
    small.delete("q2");
    small.put("u1", new byte[1]);
    small.put("u2", new byte[1]);
    try {
      StoreQuotaExceededException e = assertThrows(StoreQuotaExceededException.class,
          () -> call("await env.kv.small.put('u3', 'c'); return 'stored';"));
      assertEquals(507, e.httpStatus());
      assertEquals(StoreQuotaExceededException.Limit.MAX_KEYS, e.limit());
      assertTrue(e.getMessage().startsWith("route \"POST /kv\": key-value store \"small\" is full: "), e.getMessage());
      assertTrue(e.getMessage().contains("raise max_keys in [store.small] of isola.toml, isola.stores.small.max-keys in"
          + " Spring, or StoreLimits.withMaxKeys in Java"), e.getMessage());
    } finally {
      small.delete("u1");
      small.delete("u2");
    }
  }
}
