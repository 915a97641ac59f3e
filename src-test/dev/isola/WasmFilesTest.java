package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Granted directories as WASI preopened directories, from plain C ({@code wagi-readonly.c}) and an
 * Extism plugin: reads work, every change fails with an error the guest sees, the host directory stays
 * as it was, and nothing outside it can be reached.
 */
class WasmFilesTest {
  private static final Path WASM = WasmWagiTest.WASM;
  private static final String HELLO = "hello, read-only world";
  private static final String NOT_TO_BE_READ = "must never reach a guest";

  private static Path base;
  private static Isola isola;

  /**
   * {@code base/data} is granted as {@code /data}; {@code base/outside.txt} and {@code
   * base/outside-dir} are not, and links in {@code data} lead to them.
   */
  @BeforeAll
  static void build(@TempDir Path dir) throws IOException {
    base = dir.toRealPath();
    Files.writeString(base.resolve("outside.txt"), "outside the mount: " + NOT_TO_BE_READ + "\n");
    Files.createDirectories(base.resolve("outside-dir"));
    Files.writeString(base.resolve("outside-dir/secret.txt"), "in a directory outside: " + NOT_TO_BE_READ + "\n");
    Path data = Files.createDirectories(base.resolve("data"));
    Files.writeString(data.resolve("hello.txt"), HELLO + "\n");
    Files.createDirectories(data.resolve("sub"));
    Files.writeString(data.resolve("sub/nested.txt"), "nested line\n");
    Files.createDirectories(data.resolve("empty"));
    Files.createSymbolicLink(data.resolve("alias"), Path.of("hello.txt"));
    Files.createSymbolicLink(data.resolve("escape"), Path.of("../outside.txt"));
    Files.createSymbolicLink(data.resolve("escape-abs"), base.resolve("outside.txt"));
    Files.createSymbolicLink(data.resolve("escape-dir"), Path.of("../outside-dir"));
    isola = Isola.newBuilder()
        .route("/readonly", Handler.wasm(WASM.resolve("wagi-readonly.wasm")).grants(Grants.files(data, "/data")))
        .route("/ungranted", Handler.wasm(WASM.resolve("wagi-readonly.wasm")))
        .route("/plugin", Handler.wasm(WASM.resolve("extism-files.wasm")).grants(Grants.files(data, "/data")))
        .build();
  }

  @AfterAll
  static void close() {
    isola.close();
  }

  private static String body(String route) {
    Response response = isola.handle(Request.get(route));
    assertEquals(200, response.status());
    return response.bodyText();
  }

  private static Map<String, String> run(String route) {
    return outcomes(body(route));
  }

  /** The program's lines as "what path" to outcome ("ok ..." or an errno name). */
  private static Map<String, String> outcomes(String body) {
    Map<String, String> outcomes = new LinkedHashMap<>();
    body.lines().forEach(line -> {
      int colon = line.indexOf(": ");
      outcomes.put(line.substring(0, colon), line.substring(colon + 2));
    });
    return outcomes;
  }

  /** Every entry under {@code root} (links not followed): kind, contents, size, mtime and ctime. */
  private static Map<String, String> snapshot(Path root) throws IOException {
    Map<String, String> entries = new TreeMap<>();
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : (Iterable<Path>) paths::iterator) {
        var attributes = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        String kind = attributes.isSymbolicLink() ? "link to " + Files.readSymbolicLink(path)
            : attributes.isDirectory() ? "directory"
            : "file " + new String(Files.readAllBytes(path), StandardCharsets.ISO_8859_1);
        Object ctime = Files.getAttribute(path, "unix:ctime", LinkOption.NOFOLLOW_LINKS);
        entries.put(root.relativize(path).toString(),
            kind + " size=" + attributes.size() + " mtime=" + attributes.lastModifiedTime() + " ctime=" + ctime);
      }
    }
    return entries;
  }

  @Test
  void reads_underTheMount_work() {
    Map<String, String> outcomes = run("/readonly");

    assertEquals("ok " + HELLO, outcomes.get("read /data/hello.txt"));
    assertEquals("ok nested line", outcomes.get("read /data/sub/nested.txt"));
    assertEquals("ok " + HELLO, outcomes.get("read /data/alias"), "a link inside the directory");
    assertEquals("ok alias,empty,hello.txt,sub", outcomes.get("list /data"), "links out are not listed");
    assertEquals("ok nested.txt", outcomes.get("list /data/sub"));
    assertEquals("ok file size=" + (HELLO.length() + 1), outcomes.get("stat /data/hello.txt"));
    assertEquals("ok dir", outcomes.get("stat /data/sub"));
    assertEquals("ok symlink", outcomes.get("lstat /data/alias"));
  }

  @Test
  void changes_everyOneFails_withAnErrorForTheGuest() {
    Map<String, String> outcomes = run("/readonly");

    Map<String, String> expected = new LinkedHashMap<>();
    for (String change : new String[] {"fopen w /data/hello.txt", "fopen w /data/new.txt", "fopen a /data/hello.txt",
        "fopen r+ /data/hello.txt", "creat /data/created.txt", "open O_CREAT|O_RDONLY /data/created.txt",
        "open O_TRUNC|O_RDONLY /data/hello.txt", "open O_WRONLY /data/hello.txt", "unlink /data/hello.txt",
        "rename /data/hello.txt", "mkdir /data/newdir", "rmdir /data/empty", "symlink /data/link", "link /data/hard",
        "truncate /data/hello.txt", "utimes /data/hello.txt", "ftruncate /data/hello.txt",
        "futimens /data/hello.txt", "posix_fallocate /data/hello.txt"}) {
      expected.put(change, "EROFS");
    }
    // wasi-libc reports the refused write on a descriptor opened for reading (ENOTCAPABLE) as EBADF.
    expected.put("write /data/hello.txt", "EBADF");
    Map<String, String> actual = new LinkedHashMap<>(outcomes);
    actual.keySet().retainAll(expected.keySet());
    assertEquals(expected, actual);
    assertEquals("ok " + HELLO, outcomes.get("read again /data/hello.txt"));
  }

  @Test
  void changes_leaveTheHostDirectoryByteForByteAsItWas() throws IOException {
    Map<String, String> before = snapshot(base);

    run("/readonly");
    run("/readonly");
    isola.handle(Request.post("/plugin", "/data/hello.txt"));
    isola.handle(Request.post("/plugin", "/data/new.txt"));

    assertEquals(before, snapshot(base));
  }

  @Test
  void waysOut_linksAndDotDot_revealNothing() {
    String body = body("/readonly");
    Map<String, String> outcomes = outcomes(body);

    assertEquals("ENOENT", outcomes.get("read /data/escape"), "a relative link out");
    assertEquals("ENOENT", outcomes.get("read /data/escape-abs"), "an absolute link out");
    assertEquals("ENOENT", outcomes.get("read /data/escape-dir/secret.txt"), "a linked directory out");
    assertEquals("ENOENT", outcomes.get("list /data/escape-dir"));
    assertEquals("ENOENT", outcomes.get("stat /data/escape"));
    assertEquals("ok symlink", outcomes.get("lstat /data/escape"), "the link itself is inside");
    assertEquals("EPERM", outcomes.get("read /data/../outside.txt"));
    assertEquals("EPERM", outcomes.get("read /data/sub/../../outside.txt"));
    assertEquals("EPERM", outcomes.get("read /data/../etc/passwd"));
    assertEquals("EPERM", outcomes.get("list /data/.."));
    assertFalse(body.contains(NOT_TO_BE_READ), body);
    assertFalse(body.contains("root:"), body);
  }

  @Test
  void withoutAFilesGrant_noDirectoryIsPreopened() {
    Map<String, String> outcomes = run("/ungranted");

    assertFalse(outcomes.isEmpty());
    outcomes.forEach((what, outcome) -> assertEquals("ENOTCAPABLE", outcome, what));
  }

  @Test
  void extismPluginWithWasi_readsTheMount_andCannotWrite() {
    String output = isola.handle(Request.post("/plugin", "/data/hello.txt")).bodyText();

    assertEquals("read: " + HELLO + "\nwrite: EROFS\n", output);
  }

  @Test
  void extismPluginWithWasi_linksOutOfTheMount_readNothing() {
    String output = isola.handle(Request.post("/plugin", "/data/escape-abs")).bodyText();

    assertTrue(output.startsWith("read: ENOENT\n"), output);
  }
}
