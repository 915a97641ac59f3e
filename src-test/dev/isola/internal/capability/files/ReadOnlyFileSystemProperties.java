package dev.isola.internal.capability.files;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;

/**
 * For any path made of names from a small pool ({@code ..}, {@code .}, links in and out, loops), a
 * read-only view reads exactly what the system would read when the file's real path is inside the
 * directory, and finds nothing otherwise.
 */
class ReadOnlyFileSystemProperties {
  private static final List<String> NAMES = List.of("..", ".", "", "sub", "hello.txt", "alias", "escape",
      "escape-abs", "escape-dir", "secret.txt", "outside.txt", "data", "self", "up", "loop");

  private static Path base;
  private static Path data;
  private static Path root;

  @BeforeContainer
  static void layout() throws IOException {
    base = Files.createTempDirectory("isola-read-only").toRealPath();
    Files.writeString(base.resolve("outside.txt"), "outside");
    Files.createDirectories(base.resolve("outside-dir"));
    Files.writeString(base.resolve("outside-dir/secret.txt"), "outside");
    data = Files.createDirectories(base.resolve("data"));
    Files.writeString(data.resolve("hello.txt"), "hello");
    Files.createDirectories(data.resolve("sub"));
    Files.writeString(data.resolve("sub/secret.txt"), "inside");
    Files.createSymbolicLink(data.resolve("alias"), Path.of("hello.txt"));
    Files.createSymbolicLink(data.resolve("sub/up"), Path.of(".."));
    Files.createSymbolicLink(data.resolve("self"), Path.of("."));
    Files.createSymbolicLink(data.resolve("up"), Path.of(".."));
    Files.createSymbolicLink(data.resolve("loop"), Path.of("loop"));
    Files.createSymbolicLink(data.resolve("escape"), Path.of("../outside.txt"));
    Files.createSymbolicLink(data.resolve("escape-abs"), base.resolve("outside.txt"));
    Files.createSymbolicLink(data.resolve("escape-dir"), Path.of("../outside-dir"));
    root = ReadOnlyFileSystem.of(data);
  }

  @AfterContainer
  static void remove() throws IOException {
    try (Stream<Path> paths = Files.walk(base)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
  }

  private static Optional<Path> realPath(Path path) {
    try {
      return Optional.of(path.toRealPath());
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  @Property(tries = 2000)
  void read_isTheSystemsRead_insideOnly(@ForAll("paths") String path) throws IOException {
    Optional<Path> real = realPath(data.resolve(path));
    Path viewed = root.resolve(path);

    if (real.isPresent() && real.get().startsWith(data) && Files.isRegularFile(real.get())) {
      Statistics.collect("a file inside");
      assertArrayEquals(Files.readAllBytes(real.get()), Files.readAllBytes(viewed), path);
    } else if (real.isPresent() && !real.get().startsWith(data)) {
      Statistics.collect("outside");
      assertThrows(NoSuchFileException.class, () -> Files.readAllBytes(viewed), path);
    } else {
      Statistics.collect("missing, a loop or a directory");
      assertThrows(IOException.class, () -> Files.readAllBytes(viewed), path);
    }
  }

  @Property(tries = 2000)
  void list_isTheSystemsList_insideOnly(@ForAll("paths") String path) throws IOException {
    Optional<Path> real = realPath(data.resolve(path));
    Path viewed = root.resolve(path);

    if (real.isPresent() && real.get().startsWith(data) && Files.isDirectory(real.get())) {
      Statistics.collect("a directory inside");
      try (Stream<Path> expected = Files.list(real.get()); Stream<Path> actual = Files.list(viewed)) {
        assertEquals(expected.map(p -> String.valueOf(p.getFileName())).sorted().toList(),
            actual.map(p -> String.valueOf(p.getFileName())).sorted().toList(), path);
      }
    } else {
      Statistics.collect("anything else");
      assertThrows(IOException.class, () -> Files.list(viewed).close(), path);
    }
  }

  @Provide
  Arbitrary<String> paths() {
    return Arbitraries.of(NAMES).list().ofMinSize(1).ofMaxSize(5).map(names -> String.join("/", names));
  }
}
