package dev.isola.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file store against real processes: a child JVM ({@link FileStoreChild}) writes and deletes
 * keys and is killed with SIGKILL at a random moment; every write it acknowledged must be there
 * when the store opens again, and the store must open cleanly. Five rounds on one directory, each
 * killed within about two seconds of its first write.
 */
class FileKeyValueStoreCrashTest {
  private static final int ROUNDS = 5;
  private static final long ROUND_MILLIS = 2_000;
  private static final long STARTUP_SECONDS = 30;
  private static final String ABSENT = "<absent>";
  private static final String EOF = "<eof>";
  private static final String READ_FAILED = "<read failed> ";

  @TempDir Path tempDir;

  @Test
  void kill9_duringWrites_everyAcknowledgedWriteSurvives() throws Exception {
    Path dir = tempDir.resolve("kv");
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    Map<String, String> acknowledged = new HashMap<>();
    int totalAcks = 0;
    for (int round = 0; round < ROUNDS; round++) {
      String context = "seed " + seed + ", round " + round;
      int killAfter = 1 + random.nextInt(300);
      Round result = runRound(dir, random.nextLong(), round, killAfter, acknowledged, context);
      totalAcks += result.acks;
      verify(dir, acknowledged, result.pending, context);
    }
    assertTrue(totalAcks >= ROUNDS, "only " + totalAcks + " writes acknowledged in " + ROUNDS + " rounds");
    System.out.println("kill -9: " + totalAcks + " acknowledged writes in " + ROUNDS + " rounds (seed " + seed
        + "), 0 lost, no damaged value file");
  }

  @Test
  void open_directoryHeldByAnotherProcess_refusedNamingIt() throws Exception {
    Path dir = tempDir.resolve("kv");
    try (KeyValueStore held = KeyValueStores.file(dir)) {
      held.put("k", "v".getBytes(StandardCharsets.UTF_8));
      String answer = runToEnd(child(classPath(), "open", dir.toString()));
      assertTrue(answer.startsWith("refused java.lang.IllegalStateException"), answer);
      assertTrue(answer.contains(dir + " is in use by another process"), answer);
    }
    assertEquals("opened", runToEnd(child(classPath(), "open", dir.toString())));
  }

  @Test
  void redis_jedisNotOnClassPath_refusedNamingDependency() throws Exception {
    String withoutJedis = String.join(File.pathSeparator, Stream.of(classPath().split(File.pathSeparator))
        .filter(entry -> !Path.of(entry).getFileName().toString().startsWith("jedis-"))
        .toList());
    assertTrue(withoutJedis.length() < classPath().length(), "no jedis jar in " + classPath());
    String answer = runToEnd(child(withoutJedis, "redis", "redis://127.0.0.1:1/0"));
    assertTrue(answer.startsWith("refused java.lang.IllegalStateException"), answer);
    assertTrue(answer.contains("needs Jedis") && answer.contains(KeyValueStores.JEDIS_ARTIFACT), answer);
  }

  private record Round(int acks, Optional<String[]> pending) {}

  private Round runRound(Path dir, long seed, int round, int killAfter, Map<String, String> acknowledged, String context)
      throws Exception {
    Process process = child(classPath(), "write", dir.toString(), Long.toString(seed), Integer.toString(round));
    BlockingQueue<String> lines = readLines(process);
    String first = lines.poll(STARTUP_SECONDS, TimeUnit.SECONDS);
    if (!"ready".equals(first)) {
      kill(process);
      fail(context + ": the child did not start, first line " + first + ", stderr: " + stderr(process));
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ROUND_MILLIS);
    int acks = 0;
    String[] pending = null;
    boolean killed = false;
    while (true) {
      String line = killed ? lines.take() : lines.poll(10, TimeUnit.MILLISECONDS);
      if (!killed && (acks >= killAfter || System.nanoTime() > deadline)) {
        kill(process);
        killed = true;
      }
      if (line == null) {
        continue;
      }
      if (line.equals(EOF)) {
        break;
      }
      if (line.startsWith(READ_FAILED)) {
        fail(context + ": lost the child's output, so its acknowledgements are unknown: " + line);
      }
      String[] words = line.split(" ");
      if (words[0].equals("begin")) {
        pending = words;
      } else if (words[0].equals("ack")) {
        acknowledged.put(words[2], words[1].equals("put") ? words[3] : ABSENT);
        pending = null;
        acks++;
      } else {
        fail(context + ": unexpected line from the child: " + line + ", stderr: " + stderr(process));
      }
    }
    assertTrue(killed && process.exitValue() != 0, context + ": the child ended by itself: " + stderr(process));
    return new Round(acks, Optional.ofNullable(pending));
  }

  /**
   * Reopens the store and compares it with the acknowledged writes. The one write the child had
   * begun but not acknowledged when it died may or may not have happened; what the store shows for
   * its key becomes the expected state for the next rounds.
   */
  private static void verify(Path dir, Map<String, String> acknowledged, Optional<String[]> pending, String context)
      throws IOException {
    try (KeyValueStore store = KeyValueStores.file(dir)) {
      try (Stream<Path> leftovers = Files.list(dir.resolve(FileKeyValueStore.TEMP_DIR))) {
        assertEquals(List.of(), leftovers.toList(), context + ": temporary files left after open");
      }
      assertEquals(Map.of(), ((FileKeyValueStore) store).damagedAtOpen(), context + ": damaged value files after the kill");
      Set<String> keys = new HashSet<>(acknowledged.keySet());
      pending.ifPresent(words -> keys.add(words[2]));
      for (String key : keys) {
        String actual = store.get(key).map(FileStoreChild::hash).orElse(ABSENT);
        Set<String> allowed = new HashSet<>();
        allowed.add(acknowledged.getOrDefault(key, ABSENT));
        pending.filter(words -> words[2].equals(key)).ifPresent(words -> allowed.add(words[1].equals("put") ? words[3] : ABSENT));
        assertTrue(allowed.contains(actual), context + ": key " + key + " holds " + actual + ", expected one of " + allowed);
        assertEquals(!actual.equals(ABSENT), store.exists(key), context + ": exists(" + key + ")");
        acknowledged.put(key, actual);
      }
      List<String> listed = store.list("", Integer.MAX_VALUE);
      List<String> unexpected = new ArrayList<>(listed);
      unexpected.removeAll(keys);
      assertEquals(List.of(), unexpected, context + ": keys nobody wrote");
    }
  }

  private static String classPath() {
    return System.getProperty("java.class.path");
  }

  private static Process child(String classPath, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-Xmx128m", "-cp", classPath, FileStoreChild.class.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).start();
  }

  /**
   * Kills the child with SIGKILL and waits for it to end. Not {@link Process#destroyForcibly()}:
   * that also closes the stream of the child's stdout, and the lines still in the pipe (a lagging
   * reader on a loaded machine leaves hundreds there) would be lost, acknowledgements included, so
   * the test would expect values the child had since overwritten or deleted. Through the handle
   * the stream stays open and is read to its end.
   */
  private static void kill(Process process) throws InterruptedException {
    if (!process.toHandle().destroyForcibly() && process.isAlive()) {
      fail("could not kill the child " + process.pid());
    }
    process.waitFor();
  }

  /**
   * The child's stdout lines, then {@value #EOF} (or {@value #READ_FAILED} and the error), read on
   * a thread of their own. Only lines with their newline count: a last line without one was cut by
   * the kill, and what it would have said had not been fully printed.
   */
  private static BlockingQueue<String> readLines(Process process) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader = new Thread(() -> {
      ByteArrayOutputStream line = new ByteArrayOutputStream();
      try (InputStream in = process.getInputStream()) {
        for (int b = in.read(); b != -1; b = in.read()) {
          if (b == '\n') {
            lines.add(line.toString(StandardCharsets.UTF_8));
            line.reset();
          } else {
            line.write(b);
          }
        }
        lines.add(EOF);
      } catch (IOException e) {
        lines.add(READ_FAILED + e);
      }
    }, "child-stdout");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  /** Runs a child that ends by itself and returns its stdout, failing after a while. */
  private static String runToEnd(Process process) throws Exception {
    if (!process.waitFor(STARTUP_SECONDS, TimeUnit.SECONDS)) {
      kill(process);
      fail("child did not end within " + STARTUP_SECONDS + " s");
    }
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertEquals(0, process.exitValue(), () -> out + "\n" + stderr(process));
    return out;
  }

  private static String stderr(Process process) {
    try {
      return process.isAlive() ? "(running)" : new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
