package dev.isola;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.isola.internal.capability.files.ReadOnlyFileSystem;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A granted directory serves regular files only. A FIFO in it would make a read wait for a writer,
 * in the operating system, past the call's deadline; a socket is no file either. From JavaScript
 * ({@code env.files.read}) and from WASI ({@code path_open} through {@code fopen}) they read as
 * missing, at once. Symbolic links out of the directory are covered by {@code WasmFilesTest}, {@code
 * ReadOnlyFileSystemTest} and {@link #javascript_linkOutOfTheMount_isRefused()}.
 */
class FilesNotRegularTest {
  /** Far above what a refused open takes, far below "waits for ever". */
  private static final Duration BOUND = Duration.ofSeconds(60);

  private static Path base;
  private static Path data;
  private static Path fifo;
  private static ServerSocketChannel socket;
  private static Isola isola;

  @BeforeAll
  static void build(@TempDir Path dir) throws Exception {
    base = dir.toRealPath();
    data = Files.createDirectories(base.resolve("data"));
    Files.writeString(data.resolve("plain.txt"), "plain\n");
    Files.writeString(base.resolve("outside.txt"), "outside\n");
    Files.createSymbolicLink(data.resolve("escape"), Path.of("../outside.txt"));
    fifo = data.resolve("pipe");
    socket = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    socket.bind(UnixDomainSocketAddress.of(data.resolve("socket")));
    Limits limits = Limits.defaults().toBuilder().timeout(Duration.ofSeconds(20)).build();
    isola = Isola.newBuilder()
        .route("POST /js", Handler.javascript("files.js", """
            export default {
              async fetch(request, env) {
                try { return new Response(String(await env.files.read(await request.text()))); }
                catch (e) { return new Response(e.name + ": " + e.message); }
              },
            };
            """).grants(Grants.files(data, "/data")).limits(limits))
        .route("POST /plugin", Handler.wasm(WasmWagiTest.WASM.resolve("extism-files.wasm"))
            .grants(Grants.files(data, "/data")).limits(limits))
        .build();
  }

  @AfterAll
  static void close() throws IOException {
    release();
    isola.close();
    socket.close();
  }

  /** Makes a FIFO with mkfifo(1); the test is skipped only where there is none. */
  private static void mkfifo() throws Exception {
    if (Files.exists(fifo)) {
      return;
    }
    Process process;
    try {
      process = new ProcessBuilder("mkfifo", fifo.toString()).redirectErrorStream(true).start();
    } catch (IOException e) {
      assumeTrue(false, "mkfifo is not available here: " + e.getMessage());
      return;
    }
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    assumeTrue(process.exitValue() == 0, "mkfifo failed");
    assertTrue(Files.exists(fifo));
  }

  /**
   * Opens the FIFO for reading and writing, which does not wait, so any reader still waiting (an
   * unfixed open) is let go and the JVM can end.
   */
  private static void release() throws IOException {
    if (fifo != null && Files.exists(fifo)) {
      try (FileChannel ignored = FileChannel.open(fifo, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
        // opened and closed
      }
    }
  }

  private static String call(String route, String path) {
    return assertTimeoutPreemptively(BOUND, () -> isola.handle(Request.post(route, path)).bodyText(),
        "reading " + path + " waited; a FIFO must be refused, not opened");
  }

  @Test
  void javascript_fifo_readsAsMissing_atOnce() throws Exception {
    mkfifo();

    assertEquals("null", call("/js", "/data/pipe"));
  }

  @Test
  void wasi_fifo_readsAsMissing_atOnce() throws Exception {
    mkfifo();

    assertTrue(call("/plugin", "/data/pipe").startsWith("read: ENOENT\n"));
  }

  @Test
  void socket_readsAsMissing_forJavaScriptAndWasi() {
    assertEquals("null", call("/js", "/data/socket"));
    assertTrue(call("/plugin", "/data/socket").startsWith("read: ENOENT\n"));
  }

  @Test
  void regularFile_isStillRead() {
    assertEquals("plain\n", call("/js", "/data/plain.txt"));
    assertEquals("read: plain\nwrite: EROFS\n", call("/plugin", "/data/plain.txt"));
  }

  @Test
  void javascript_linkOutOfTheMount_isRefused() {
    String got = call("/js", "/data/escape");

    assertTrue(got.startsWith("Error: ") && got.contains("leads out of its mount"), got);
  }

  @Test
  void readOnlyFileSystem_fifo_isRefusedWithoutOpening() throws Exception {
    mkfifo();
    Path view = ReadOnlyFileSystem.of(data);

    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> assertTimeoutPreemptively(BOUND,
        () -> FileChannel.open(view.resolve("pipe"), StandardOpenOption.READ).close()));
    assertTrue(e.getReason().contains("not a regular file"), e.getReason());
  }
}
