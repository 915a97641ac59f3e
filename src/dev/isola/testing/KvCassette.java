package dev.isola.testing;

import dev.isola.kv.KeyValueStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import java.util.Optional;

/**
 * A handler's key-value calls recorded once and replayed as a test, next to its {@link
 * HttpCassette} (the same file name with {@code .kv} added). Recording, every call a guest makes on
 * the test's stores is written down with its result. Replaying, the stores start with the values
 * the recorded reads saw, and when the test ends the writes the handler made (puts and deletes, in
 * order) must be the recorded ones, or the test fails showing both.
 *
 * <p>One line per call, text, to read and edit: {@code get STORE KEY = BASE64} (or {@code absent}),
 * {@code put STORE KEY = BASE64}, {@code delete STORE KEY}; keys are URL-encoded. The atomic
 * operations are written as the read and the write they made: an increment as a {@code get} of the
 * value before (absent for 0) and a {@code put} of the sum; a compare-and-set that matched as a
 * {@code get} of the expected value and a {@code put} or {@code delete}, and one that did not as a
 * {@code get} of the value found.
 */
final class KvCassette {
  /** One recorded call; {@code value} is null for an absent read and for a delete. */
  record Call(String op, String store, String key, byte[] value) {
    String line() {
      String head = op + " " + store + " " + URLEncoder.encode(key, StandardCharsets.UTF_8);
      return switch (op) {
        case "delete" -> head;
        default -> head + (value == null ? " absent" : " = " + Base64.getEncoder().encodeToString(value));
      };
    }
  }

  private final Path file;
  private final boolean recording;
  private final List<Call> recorded;
  private final List<Call> calls = new ArrayList<>();

  private KvCassette(Path file, boolean recording, List<Call> recorded) {
    this.file = file;
    this.recording = recording;
    this.recorded = recorded;
  }

  /** The key-value cassette beside {@code httpCassette}: replayed if it exists, else recorded. */
  static KvCassette beside(Path httpCassette) {
    Path file = httpCassette.resolveSibling(httpCassette.getFileName() + ".kv");
    return Files.exists(file) ? new KvCassette(file, false, read(file)) : new KvCassette(file, true, List.of());
  }

  /** {@code store} with every guest call written down, named {@code name} in the cassette. */
  KeyValueStore wrap(String name, KeyValueStore store) {
    if (!recording) {
      java.util.Set<String> written = new java.util.HashSet<>();
      for (Call call : recorded) { // the stores start as the recorded reads saw them, before the handler wrote
        if (!call.store().equals(name)) {
          continue;
        }
        if (!call.op().equals("get")) {
          written.add(call.key());
        } else if (call.value() != null && !written.contains(call.key()) && store.get(call.key()).isEmpty()) {
          store.put(call.key(), call.value());
        }
      }
    }
    return new Recording(name, store);
  }

  /** Writes the recording, or checks the replayed writes against it. */
  void finish() {
    if (recording) {
      StringBuilder text = new StringBuilder("# Isola key-value cassette: calls recorded by IsolaExtension.httpCassette;"
          + " delete this file to record again.\n");
      calls.forEach(call -> text.append(call.line()).append('\n'));
      try {
        Files.writeString(file, text, StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException("the key-value cassette " + file + " cannot be written: " + e.getMessage(), e);
      }
      return;
    }
    List<String> expected = writes(recorded);
    List<String> actual = writes(calls);
    if (!expected.equals(actual)) {
      throw new AssertionError("the handler's key-value writes differ from those recorded in " + file.getFileName()
          + "\nrecorded:\n  " + String.join("\n  ", expected) + "\nnow:\n  " + String.join("\n  ", actual)
          + "\n(delete the file to record again if the change is intended)");
    }
  }

  private static List<String> writes(List<Call> calls) {
    return calls.stream().filter(c -> !c.op().equals("get")).map(Call::line).toList();
  }

  static List<Call> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("the key-value cassette " + file + " cannot be read: " + e.getMessage(), e);
    }
    List<Call> calls = new ArrayList<>();
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n);
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split(" ");
      String where = file + ":" + (n + 1) + ": ";
      if (parts.length < 3 || !List.of("get", "put", "delete").contains(parts[0])) {
        throw new IllegalArgumentException(where + "write \"get|put|delete STORE KEY [= BASE64 | absent]\"");
      }
      String key = URLDecoder.decode(parts[2], StandardCharsets.UTF_8);
      byte[] value = null;
      if (parts.length == 5 && parts[3].equals("=")) {
        try {
          value = Base64.getDecoder().decode(parts[4]);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + "the value must be Base64");
        }
      } else if (!(parts.length == 3 || parts.length == 4 && parts[3].equals("absent"))) {
        throw new IllegalArgumentException(where + "after the key comes \"= BASE64\", \"absent\" or nothing");
      }
      calls.add(new Call(parts[0], parts[1], key, value));
    }
    return calls;
  }

  /** A store that writes down the guest's calls; listing and existence checks pass through. */
  private final class Recording implements KeyValueStore {
    private final String name;
    private final KeyValueStore delegate;

    Recording(String name, KeyValueStore delegate) {
      this.name = name;
      this.delegate = delegate;
    }

    @Override
    public Optional<byte[]> get(String key) {
      Optional<byte[]> value = delegate.get(key);
      calls.add(new Call("get", name, key, value.orElse(null)));
      return value;
    }

    @Override
    public void put(String key, byte[] value) {
      delegate.put(key, value);
      calls.add(new Call("put", name, key, value.clone()));
    }

    /** Passes the time to live on; the cassette writes the put down as any other (it keeps no expiry). */
    @Override
    public void put(String key, byte[] value, java.time.Duration ttl) {
      delegate.put(key, value, ttl);
      calls.add(new Call("put", name, key, value.clone()));
    }

    @Override
    public long increment(String key, long delta) {
      long sum = delegate.increment(key, delta);
      long before = sum - delta; // no overflow: the store refused those
      calls.add(new Call("get", name, key, before == 0 ? null : ascii(before)));
      calls.add(new Call("put", name, key, ascii(sum)));
      return sum;
    }

    @Override
    public boolean compareAndSet(String key, byte @org.jspecify.annotations.Nullable [] expected,
        byte @org.jspecify.annotations.Nullable [] newValue) {
      boolean set = delegate.compareAndSet(key, expected, newValue);
      if (set) {
        calls.add(new Call("get", name, key, expected == null ? null : expected.clone()));
        calls.add(newValue == null ? new Call("delete", name, key, null) : new Call("put", name, key, newValue.clone()));
      } else {
        calls.add(new Call("get", name, key, delegate.get(key).orElse(null)));
      }
      return set;
    }

    private static byte[] ascii(long n) {
      return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public boolean delete(String key) {
      boolean deleted = delegate.delete(key);
      calls.add(new Call("delete", name, key, null));
      return deleted;
    }

    @Override
    public boolean exists(String key) {
      return delegate.exists(key);
    }

    @Override
    public List<String> list(String prefix, int limit) {
      return delegate.list(prefix, limit);
    }

    @Override
    public void close() {
      delegate.close();
    }
  }

}
