package dev.isola.server;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code isola serve} node in a JVM of its own, for tests that need a real process death: the
 * test's own java binary and class path, main class {@link IsolaCli}, {@code serve --port 0}. Its
 * stdout and stderr go to files next to the manifest; {@link #awaitReady} reads the port from the
 * banner {@code Isola serving N routes on http://127.0.0.1:PORT} and waits until a route answers.
 */
final class IsolaNode implements AutoCloseable {
  private static final Pattern BANNER = Pattern.compile("^Isola serving \\d+ routes? on http://127\\.0\\.0\\.1:(\\d+)$",
      Pattern.MULTILINE);

  private final String name;
  private final Process process;
  private final Path stdout;
  private final Path stderr;
  private volatile URI base;

  private IsolaNode(String name, Process process, Path stdout, Path stderr) {
    this.name = name;
    this.process = process;
    this.stdout = stdout;
    this.stderr = stderr;
  }

  /** Starts {@code isola serve --host 127.0.0.1 --port 0 manifest} in a new JVM; returns without waiting. */
  static IsolaNode start(String name, Path manifest) throws IOException {
    Path dir = manifest.toAbsolutePath().getParent();
    Path out = dir.resolve(name + ".out.log");
    Path err = dir.resolve(name + ".err.log");
    List<String> command = new ArrayList<>(List.of(javaBinary(),
        "-Xshare:auto", "-Xmx384m", "-XX:TieredStopAtLevel=1",
        // The flags bin/isola passes (README, "Running on a stock JDK").
        "-Dpolyglot.engine.WarnInterpreterOnly=false", "--enable-native-access=ALL-UNNAMED"));
    if (Runtime.version().feature() >= 23) {
      command.add("--sun-misc-unsafe-memory-access=allow");
    }
    command.addAll(List.of("-Dorg.slf4j.simpleLogger.logFile=System.err",
        "-cp", System.getProperty("java.class.path"), IsolaCli.class.getName(),
        "serve", "--host", "127.0.0.1", "--port", "0", manifest.toString()));
    Process process = new ProcessBuilder(command)
        .redirectOutput(out.toFile())
        .redirectError(err.toFile())
        .start();
    return new IsolaNode(name, process, out, err);
  }

  /** The JVM running this test: the same binary runs the nodes. */
  private static String javaBinary() {
    return ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * Waits (at most {@code bound}) for the banner naming the port, then until {@code GET path}
   * answers 200; fails with the node's output if it exits or the bound passes first.
   */
  void awaitReady(HttpClient client, String path, Duration bound) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + bound.toNanos();
    while (base == null) {
      Matcher banner = BANNER.matcher(Files.readString(stdout, StandardCharsets.UTF_8));
      if (banner.find()) {
        base = URI.create("http://127.0.0.1:" + banner.group(1));
        break;
      }
      checkAlive(deadline, bound, "printed no banner");
      Thread.sleep(100);
    }
    HttpRequest probe = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30)).GET().build();
    while (true) {
      try {
        HttpResponse<String> answer = client.send(probe, HttpResponse.BodyHandlers.ofString());
        if (answer.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // keep trying until the bound
      }
      checkAlive(deadline, bound, "did not answer GET " + path + " with 200");
      Thread.sleep(200);
    }
  }

  private void checkAlive(long deadline, Duration bound, String what) {
    if (!process.isAlive()) {
      fail("node " + name + " exited with " + process.exitValue() + " before it was ready\n" + output());
    }
    if (System.nanoTime() > deadline) {
      fail("node " + name + " " + what + " within " + bound.toSeconds() + " s\n" + output());
    }
  }

  URI uri(String path) {
    if (base == null) {
      throw new IllegalStateException("node " + name + " is not ready yet");
    }
    return base.resolve(path);
  }

  String name() {
    return name;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Kills the node's JVM with SIGKILL ({@link Process#destroyForcibly()}) and waits until it is gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      fail("node " + name + " (pid " + process.pid() + ") still runs 60 s after SIGKILL");
    }
  }

  /** What the node printed, for failure messages. */
  String output() {
    return "--- " + name + " stdout:\n" + read(stdout) + "--- " + name + " stderr:\n" + read(stderr);
  }

  private static String read(Path file) {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8);
      return text.length() > 8000 ? "...\n" + text.substring(text.length() - 8000) : text;
    } catch (IOException e) {
      return "(unreadable: " + e + ")\n";
    }
  }

  /** Kills the node if it still runs. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly();
      process.waitFor(60, TimeUnit.SECONDS);
    }
  }
}
