package dev.isola.jmh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The Wasm test fixtures the benchmarks run, found from the project root or from {@code jmh/}. */
final class Fixtures {
  private Fixtures() {}

  static Path wasm(String name) {
    for (Path dir : List.of(Path.of("src-test/wasm"), Path.of("../src-test/wasm"))) {
      if (Files.isRegularFile(dir.resolve(name))) {
        return dir.resolve(name);
      }
    }
    throw new IllegalStateException(name + " not found in src-test/wasm: run the benchmarks from the project root");
  }
}
