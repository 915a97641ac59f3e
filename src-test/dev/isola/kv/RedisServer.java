package dev.isola.kv;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A real {@code redis-server} for tests, started on a free loopback port with persistence off and
 * stopped by {@link #close()}. Without {@code redis-server} on the PATH, a test using it is skipped,
 * or fails when env {@code CI} is {@code true} (CI must run it: see {@code .ci/run}). Public for
 * tests in other packages that need a shared store, such as {@code dev.isola.server.ScaleOutTest}.
 */
public final class RedisServer implements AutoCloseable {
  public static final String INSTALL = "apt-get install -y redis-server";
  private static final Duration STARTUP = Duration.ofSeconds(15);

  private final Process process;
  private final Path workDir;
  private final int port;

  private RedisServer(Process process, Path workDir, int port) {
    this.process = process;
    this.workDir = workDir;
    this.port = port;
  }

  public static final String MISSING = "redis-server is not on the PATH; the Redis key-value tests need a real one: " + INSTALL;

  /**
   * Whether a test needing Redis should be skipped: {@code redis-server} is missing and this is not
   * CI, where it must be there (see {@code .ci/run}).
   */
  public static boolean skipWithoutServer() {
    return findExecutable().isEmpty() && !"true".equals(System.getenv("CI"));
  }

  /** Starts a server, or skips (fails on CI) the calling test if {@code redis-server} is missing. */
  public static RedisServer start() throws IOException, InterruptedException {
    Path executable = findExecutable().orElse(null);
    if (executable == null) {
      Assumptions.assumeFalse(skipWithoutServer(), MISSING);
      fail(MISSING + " (CI=true, so this is a failure, not a skip: install it in .ci/run)");
    }
    Path workDir = Files.createTempDirectory("isola-redis-");
    for (int attempt = 1; ; attempt++) {
      int port = freePort();
      Path log = workDir.resolve("redis-" + port + ".log");
      Process process = new ProcessBuilder(executable.toString(), "--port", Integer.toString(port),
          "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", workDir.toString())
          .redirectErrorStream(true)
          .redirectOutput(log.toFile())
          .start();
      RedisServer server = new RedisServer(process, workDir, port);
      if (server.awaitPong()) {
        return server;
      }
      server.stopProcess();
      String output = Files.readString(log);
      // Another program may take the port between freePort() and the server's bind.
      if (attempt == 3 || !output.contains("in use")) {
        server.deleteWorkDir();
        fail("redis-server did not answer PING on port " + port + " within " + STARTUP + "; its output:\n" + output);
      }
    }
  }

  /** The URI of database 0 of this server. */
  public String uri() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  public int port() {
    return port;
  }

  @Override
  public void close() throws InterruptedException {
    stopProcess();
    deleteWorkDir();
  }

  private boolean awaitPong() throws InterruptedException {
    long deadline = System.nanoTime() + STARTUP.toNanos();
    while (System.nanoTime() < deadline && process.isAlive()) {
      if (answersPing()) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  private boolean answersPing() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
      socket.setSoTimeout(1000);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      return "+PONG".equals(in.readLine());
    } catch (IOException notYet) {
      return false;
    }
  }

  private void stopProcess() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
    }
  }

  private void deleteWorkDir() {
    try (Stream<Path> files = Files.walk(workDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException ignored) {
      // A temporary directory; the OS cleans it eventually.
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  /** {@code redis-server} on the PATH, or at system property {@code isola.test.redisServer}. */
  private static Optional<Path> findExecutable() {
    String configured = System.getProperty("isola.test.redisServer");
    if (configured != null) {
      return Optional.of(Path.of(configured)).filter(Files::isExecutable);
    }
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "redis-server"))) {
        return Optional.of(Path.of(dir, "redis-server"));
      }
    }
    return Optional.empty();
  }
}
