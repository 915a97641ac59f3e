package dev.isola.kv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeProperty;

/**
 * The in-memory and file stores behave like a sorted map under random operation sequences (see
 * {@link StoreModel}); {@link RedisKeyValueStoreProperties} does the same for Redis.
 */
class KeyValueStoreProperties {
  private Path root;
  private int tries;

  @BeforeProperty
  void createRoot() throws IOException {
    root = Files.createTempDirectory("isola-kv-properties-");
  }

  @AfterProperty
  void deleteRoot() throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  @Provide
  Arbitrary<List<StoreModel.Op>> ops() {
    return StoreModel.ops();
  }

  @Property(tries = 200)
  void inMemory_behavesLikeSortedMap(@ForAll("ops") List<StoreModel.Op> ops) {
    try (KeyValueStore store = KeyValueStores.inMemory()) {
      StoreModel.check(store, ops);
    }
  }

  @Property(tries = 200)
  void file_behavesLikeSortedMap(@ForAll("ops") List<StoreModel.Op> ops) {
    try (KeyValueStore store = KeyValueStores.file(root.resolve("try-" + tries++))) {
      StoreModel.check(store, ops);
    }
  }
}
