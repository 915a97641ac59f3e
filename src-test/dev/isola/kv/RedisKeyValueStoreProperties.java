package dev.isola.kv;

import java.util.List;
import java.util.UUID;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/** The Redis store behaves like a sorted map under random operation sequences, on a real server. */
@AddLifecycleHook(RedisKeyValueStoreProperties.SkipWithoutRedis.class)
class RedisKeyValueStoreProperties {
  /** jqwik reports an aborted {@code @BeforeContainer} as an error, so skipping is decided before. */
  static final class SkipWithoutRedis implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
      return RedisServer.skipWithoutServer() ? SkipResult.skip(RedisServer.MISSING) : SkipResult.doNotSkip();
    }
  }

  private static RedisServer server;

  @BeforeContainer
  static void startServer() throws Exception {
    server = RedisServer.start();
  }

  @AfterContainer
  static void stopServer() throws Exception {
    if (server != null) {
      server.close();
      server = null;
    }
  }

  @Provide
  Arbitrary<List<StoreModel.Op>> ops() {
    return StoreModel.ops();
  }

  /** Each try has a key prefix of its own, so tries start empty and share one server. */
  @Property(tries = 200)
  void redis_behavesLikeSortedMap(@ForAll("ops") List<StoreModel.Op> ops) {
    try (KeyValueStore store = KeyValueStores.redis(server.uri(), "property:" + UUID.randomUUID() + ":")) {
      StoreModel.check(store, ops);
    }
  }
}
