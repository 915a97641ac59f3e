package dev.isola.kv;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

/**
 * The other process in {@link FileKeyValueStoreCrashTest}: a JVM the test starts and kills. Its
 * first argument says what to do:
 *
 * <ul>
 *   <li>{@code write <dir> <seed> <round>}: opens the file store, prints {@code ready}, then puts
 *       and deletes keys until killed (or for at most a minute), printing {@code begin put <key>
 *       <hash>} / {@code begin delete <key>} before and {@code ack put <key> <hash>} / {@code ack
 *       delete <key>} after each call returns;
 *   <li>{@code open <dir>}: opens and closes the store, prints {@code opened} or {@code refused
 *       <message>};
 *   <li>{@code redis <uri>}: calls {@link KeyValueStores#redis(String)}, prints {@code opened} or
 *       {@code refused <exception class> <message>}.
 * </ul>
 */
public final class FileStoreChild {
  private static final long MAX_RUN_MILLIS = 60_000;

  private FileStoreChild() {}

  public static void main(String[] args) throws Exception {
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    switch (args[0]) {
      case "write" -> write(Path.of(args[1]), Long.parseLong(args[2]), args[3], out);
      case "open" -> report(out, () -> KeyValueStores.file(Path.of(args[1])).close());
      case "redis" -> report(out, () -> KeyValueStores.redis(args[1]).close());
      default -> throw new IllegalArgumentException("unknown mode " + args[0]);
    }
    out.flush();
  }

  private static void report(PrintStream out, Runnable open) {
    try {
      open.run();
      out.println("opened");
    } catch (RuntimeException e) {
      out.println("refused " + e.getClass().getName() + " " + e.getMessage().replace('\n', ' '));
    }
  }

  private static void write(Path dir, long seed, String round, PrintStream out) {
    Random random = new Random(seed);
    long stop = System.currentTimeMillis() + MAX_RUN_MILLIS;
    try (KeyValueStore store = KeyValueStores.file(dir)) {
      List<String> keys = new ArrayList<>(store.list("", Integer.MAX_VALUE));
      out.println("ready");
      out.flush();
      for (int n = 0; System.currentTimeMillis() < stop; n++) {
        int choice = random.nextInt(100);
        if (choice < 15 && !keys.isEmpty()) {
          String key = keys.remove(random.nextInt(keys.size()));
          line(out, "begin delete " + key);
          store.delete(key);
          line(out, "ack delete " + key);
        } else {
          String key = choice < 40 && !keys.isEmpty() ? keys.get(random.nextInt(keys.size())) : newKey(round, n);
          byte[] value = new byte[random.nextInt(20_000)];
          random.nextBytes(value);
          String hash = hash(value);
          line(out, "begin put " + key + " " + hash);
          if (n % 5 == 0) {
            store.put(key, value, Duration.ofHours(1)); // the expiry is in the file header too
          } else {
            store.put(key, value);
          }
          line(out, "ack put " + key + " " + hash);
          if (!keys.contains(key)) {
            keys.add(key);
          }
        }
      }
    }
  }

  /** Some keys are long enough (over 64 bytes) to live in a subdirectory of the store. */
  private static String newKey(String round, int n) {
    return n % 7 == 3 ? "long-" + round + "-" + n + "-" + "x".repeat(100) : "k-" + round + "-" + n;
  }

  private static void line(PrintStream out, String line) {
    out.println(line);
    out.flush();
  }

  /** The first 16 hex digits of the SHA-256 of {@code value}. */
  static String hash(byte[] value) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(value), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
