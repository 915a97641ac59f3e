package dev.isola.kv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiConsumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default {@link KeyValueStore}: one file per key in a directory, crash-safe. A write that has
 * returned survives {@code kill -9} of the JVM (and a power loss, on a disk that honors flushes), and
 * the store always opens again.
 *
 * <p><b>How</b>: {@code put} writes the value to a new file in {@code tmp/}, forces it to disk
 * ({@code fsync}), renames it atomically over {@code data/<key file>} and forces the directory that
 * holds the name. A crash before the rename leaves the old value and a stray temporary file, which
 * the next {@link #open} deletes; a crash after it leaves the new value. {@code delete} removes the
 * file and forces its directory. File names are the hex form of the key (see {@link FileNames}).
 * {@code isola-kv.lock} in the directory is locked while the store is open, so a second process (or
 * a second open in the same JVM) is refused instead of writing beside the first.
 *
 * <p><b>Why not an embedded database</b> (H2, SQLite, RocksDB, MapDB): no dependency and no native
 * code; every write is independently durable, with no log to replay or compact and no recovery step
 * that can fail; and the data is plain files an operator can inspect, back up or copy with ordinary
 * tools. The cost: two {@code fsync}s per write (value file and directory, typically 1-10 ms on SSDs),
 * a file per key (small values use a file system block each), and {@link #list} walks the
 * directories, reading every key file name below the prefix. Isola stores are for a handler's small
 * state, not bulk data, so this is the trade it makes; a {@link KeyValueStore} can wrap a database
 * when that trade is wrong.
 *
 * <p>A read sees a write as soon as the rename is done, possibly just before the write is forced
 * to disk and acknowledged. Value files are readable by their owner only (the default for
 * temporary files, which they start as).
 *
 * <p><b>Integrity</b>: each value file carries a header with the value's length, its expiry and a
 * CRC32C checksum ({@link ValueFile}). {@link #open} reads every file and logs a warning naming
 * the key and the file of each damaged one (truncated, changed bytes, another format); {@link #get}
 * of such a key throws {@link CorruptValueException} instead of returning the damaged bytes. A
 * {@code put} or {@code delete} of the key replaces or removes the file. Files of the format before
 * checksums ({@code <hex>.v}, the bare value) are rewritten in the new format ({@code <hex>.kv})
 * when the store opens: the new file is written and renamed in place before the old one is
 * deleted, so a crash during the rewrite leaves every value readable and the next open finishes it.
 *
 * <p><b>Expiry and quotas</b>: a key put with a time to live reads as absent once its time has
 * passed, and its file is deleted at the next write (or the next open). The store counts its keys
 * and their bytes at open and keeps the count exact under concurrent writes: writes of one key run
 * one at a time (a lock per key hash), and a write reserves its growth against the {@link
 * StoreLimits} before it touches the disk, giving it back if it fails.
 *
 * <p><b>Atomic operations</b>: {@link #increment} and {@link #compareAndSet} read the value and
 * write the new one under the key's lock, which every write of that key takes, so they are atomic
 * within the process; the lock file keeps other processes out. Their writes are durable as a put's.
 */
final class FileKeyValueStore implements KeyValueStore {
  private static final Logger log = LoggerFactory.getLogger(FileKeyValueStore.class);
  private static final int STRIPES = 64;
  static final String LOCK_FILE = "isola-kv.lock";
  static final String DATA_DIR = "data";
  static final String TEMP_DIR = "tmp";

  /** Windows cannot open a directory to force it; NTFS journals renames itself. */
  private static final boolean SYNC_DIRECTORIES =
      !System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");

  private final Path directory;
  private final Path data;
  private final Path temp;
  private final FileChannel lockChannel;
  private final FileLock lock;
  /** Read-held by every operation, write-held by close, so close waits for running writes. */
  private final ReentrantReadWriteLock closing = new ReentrantReadWriteLock();
  private final Object directoryCreation = new Object();
  private boolean closed;
  private final StoreLimits limits;
  private final Clock clock;
  private final Expiries expiries = new Expiries();
  /** One lock per key hash: writes of one key run one at a time, so each sees the size it replaces. */
  private final ReentrantLock[] stripes = new ReentrantLock[STRIPES];
  /** Guards {@link #keys} and {@link #bytes}. */
  private final Object usage = new Object();
  private long keys;
  private long bytes;
  /** What the last open found damaged: key, then the problem and file. */
  private final TreeMap<String, String> damagedAtOpen = new TreeMap<>(Keys.UTF8_ORDER);

  private FileKeyValueStore(Path directory, FileChannel lockChannel, FileLock lock, StoreLimits limits, Clock clock) {
    this.directory = directory;
    this.data = directory.resolve(DATA_DIR);
    this.temp = directory.resolve(TEMP_DIR);
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.limits = limits;
    this.clock = clock;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new ReentrantLock();
    }
  }

  /** Opens (creating if needed) the store in {@code directory}; see {@link KeyValueStores#file}. */
  static FileKeyValueStore open(Path directory, StoreLimits limits, Clock clock) {
    Path dir = directory.toAbsolutePath().normalize();
    StoreDirectory.prepare(dir);
    FileChannel channel = StoreDirectory.openLockFile(dir);
    try {
      FileKeyValueStore store = new FileKeyValueStore(dir, channel, StoreDirectory.lock(dir, channel), limits, clock);
      store.prepareSubdirectories();
      store.migrateAndCount();
      return store;
    } catch (RuntimeException e) {
      StoreDirectory.closeQuietly(channel, e);
      throw e;
    }
  }

  private void prepareSubdirectories() {
    try {
      for (Path sub : List.of(data, temp)) {
        if (!Files.isDirectory(sub)) {
          Files.createDirectory(sub);
          syncDirectory(directory);
        }
      }
      // Files left in tmp/ are writes that never reached their rename: not acknowledged, not needed.
      try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(temp)) {
        for (Path leftover : leftovers) {
          Files.deleteIfExists(leftover);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare key-value store directory " + directory + ": " + e
          + "; check that it is writable by this process", e);
    }
  }

  @Override
  public Optional<byte[]> get(String key) {
    Path file = fileOf(key);
    Lock open = enter();
    try {
      ValueFile.Content content = ValueFile.read(file);
      if (content.damaged()) {
        throw new CorruptValueException(this, key, file, content.damage());
      }
      if (content.expiresAt() != 0 && content.expiresAt() <= clock.millis()) {
        return Optional.empty();
      }
      return Optional.of(content.value());
    } catch (NoSuchFileException absent) {
      return Optional.empty();
    } catch (IOException e) {
      throw failure("read", key, e);
    } finally {
      open.unlock();
    }
  }

  @Override
  public void put(String key, byte[] value) {
    fileOf(key);
    Keys.checkValue(key, value);
    write(key, value, 0);
  }

  @Override
  public void put(String key, byte[] value, Duration ttl) {
    fileOf(key);
    Keys.checkValue(key, value);
    long millis = Keys.checkTtl(key, ttl);
    write(key, value, Math.addExact(clock.millis(), millis));
  }

  private void write(String key, byte[] value, long expiresAt) {
    Path file = fileOf(key);
    limits.checkValueSize(this, key, value.length);
    ByteBuffer encoded = ValueFile.encode(value, expiresAt);
    underKeyLock("write", key, () -> {
      replace(key, file, value.length, encoded, expiresAt);
      return null;
    });
  }

  /** What runs under a key's stripe, and may fail with an {@link IOException}. */
  @FunctionalInterface
  private interface KeyWork<T> {
    T run() throws IOException;
  }

  /**
   * Runs {@code work} with the store open, expired keys removed and {@code key}'s stripe held, which
   * every write of the key takes; an {@link IOException} is a failure of {@code operation} on the key.
   */
  private <T> T underKeyLock(String operation, String key, KeyWork<T> work) {
    Lock open = enter();
    try {
      removeExpired();
      ReentrantLock keyLock = stripe(key);
      keyLock.lock();
      try {
        return work.run();
      } finally {
        keyLock.unlock();
      }
    } catch (IOException e) {
      throw failure(operation, key, e);
    } finally {
      open.unlock();
    }
  }

  /**
   * Writes the file of {@code key} ({@code encoded}, a value of {@code length} bytes): reserves its
   * growth against the limits, writes crash-safely, gives the growth back if the write fails. Under
   * the key's stripe.
   */
  private void replace(String key, Path file, int length, ByteBuffer encoded, long expiresAt) throws IOException {
    long oldFootprint = footprintOf(key, file);
    long addedKeys = oldFootprint < 0 ? 1 : 0;
    long addedBytes = StoreLimits.footprint(key, length) - Math.max(0, oldFootprint);
    reserve(key, addedKeys, addedBytes);
    boolean written = false;
    try {
      writeFile(file, encoded);
      written = true;
    } finally {
      if (!written) {
        release(addedKeys, addedBytes);
      }
    }
    expiries.set(key, expiresAt);
  }

  /**
   * The live content of {@code key}'s file, or null if it has none or it has expired; a damaged
   * file is a {@link CorruptValueException}. Under the key's stripe, for the atomic operations.
   */
  private ValueFile.@Nullable Content current(String key, Path file) throws IOException {
    ValueFile.Content content;
    try {
      content = ValueFile.read(file);
    } catch (NoSuchFileException absent) {
      return null;
    }
    if (content.damaged()) {
      throw new CorruptValueException(this, key, file, content.damage());
    }
    return content.expiresAt() != 0 && content.expiresAt() <= clock.millis() ? null : content;
  }

  /**
   * Under the key's stripe, which every write of the key takes: no write runs between the read and
   * the write. Durable as put: the sum is written crash-safely before this returns.
   */
  @Override
  public long increment(String key, long delta) {
    Path file = fileOf(key);
    return underKeyLock("increment", key, () -> {
      ValueFile.Content old = current(key, file);
      byte[] sum = Counters.increment(key, Optional.ofNullable(old).map(ValueFile.Content::value), delta);
      limits.checkValueSize(this, key, sum.length);
      long expiresAt = old == null ? 0 : old.expiresAt();
      replace(key, file, sum.length, ValueFile.encode(sum, expiresAt), expiresAt);
      return Long.parseLong(new String(sum, java.nio.charset.StandardCharsets.US_ASCII));
    });
  }

  /** Under the key's stripe, as {@link #increment}; durable as put and delete. */
  @Override
  public boolean compareAndSet(String key, byte @Nullable [] expected, byte @Nullable [] newValue) {
    Path file = fileOf(key);
    if (expected != null) {
      Keys.checkValue(key, expected);
    }
    ByteBuffer encoded = null;
    if (newValue != null) {
      Keys.checkValue(key, newValue);
      limits.checkValueSize(this, key, newValue.length);
      encoded = ValueFile.encode(newValue, 0);
    }
    ByteBuffer toWrite = encoded;
    return underKeyLock("compare and set", key, () -> {
      ValueFile.Content old = current(key, file);
      if (old == null ? expected != null : expected == null || !Arrays.equals(old.value(), expected)) {
        return false;
      }
      if (toWrite != null) {
        replace(key, file, newValue.length, toWrite, 0);
      } else if (old != null) {
        deleteFile(key, file);
      }
      return true;
    });
  }

  /** Writes {@code content} to {@code file} crash-safely: a new file, forced, renamed over it, its directory forced. */
  private void writeFile(Path file, ByteBuffer content) throws IOException {
    Path staged = null;
    try {
      createParents(file.getParent());
      staged = Files.createTempFile(temp, "put-", ".tmp");
      try (FileChannel channel = FileChannel.open(staged, StandardOpenOption.WRITE)) {
        while (content.hasRemaining()) {
          channel.write(content);
        }
        channel.force(true);
      }
      Files.move(staged, file, StandardCopyOption.ATOMIC_MOVE);
      staged = null;
      syncDirectory(file.getParent());
    } finally {
      deleteStaged(staged);
    }
  }

  @Override
  public boolean delete(String key) {
    Path file = fileOf(key);
    return underKeyLock("delete", key, () -> deleteFile(key, file));
  }

  /** Deletes the file of {@code key} and its accounting. Under the key's stripe. */
  private boolean deleteFile(String key, Path file) throws IOException {
    long oldFootprint = footprintOf(key, file);
    boolean existed = Files.deleteIfExists(file);
    if (existed) {
      release(1, Math.max(0, oldFootprint));
      expiries.set(key, 0);
      syncDirectory(file.getParent());
    }
    return existed;
  }

  @Override
  public boolean exists(String key) {
    Path file = fileOf(key);
    Lock open = enter();
    try {
      return Files.exists(file) && !expiries.expired(key, clock.millis());
    } finally {
      open.unlock();
    }
  }

  @Override
  public List<String> list(String prefix, int limit) {
    String hexPrefix = FileNames.hex(Keys.checkPrefix(prefix));
    Keys.checkLimit(limit);
    Lock open = enter();
    try {
      if (limit == 0) {
        return List.of();
      }
      Path start = FileNames.searchRoot(data, hexPrefix);
      List<String> segments = new ArrayList<>();
      for (Path p = start; !p.equals(data); p = p.getParent()) {
        segments.addFirst(p.getFileName().toString());
      }
      TreeMap<String, String> found = new TreeMap<>();
      collect(start, segments, hexPrefix, limit, found, clock.millis());
      return List.copyOf(found.values());
    } catch (IOException e) {
      throw new UncheckedIOException(this + " could not list keys with prefix " + Keys.quote(prefix) + ": " + e, e);
    } finally {
      open.unlock();
    }
  }

  /**
   * Adds the keys below {@code dir} (whose path from {@code data/} is {@code segments}) that start
   * with {@code hexPrefix} to {@code found} (hex form to key), keeping only the {@code limit} first.
   */
  private void collect(Path dir, List<String> segments, String hexPrefix, int limit, TreeMap<String, String> found,
      long now) throws IOException {
    String above = String.join("", segments);
    List<String> subdirectories = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (FileNames.isSegment(name)) {
          String hex = above + name;
          if (hex.startsWith(hexPrefix) || hexPrefix.startsWith(hex)) {
            subdirectories.add(name);
          }
          continue;
        }
        Optional<String> last = FileNames.lastSegment(name);
        if (last.isEmpty() || !(above + last.get()).startsWith(hexPrefix)) {
          continue;
        }
        String hex = above + last.get();
        if (found.size() == limit && hex.compareTo(found.lastKey()) > 0) {
          continue;
        }
        List<String> path = new ArrayList<>(segments);
        path.add(last.get());
        Optional<String> key = FileNames.key(path);
        if (key.isPresent() && !expiries.expired(key.get(), now)) {
          found.put(hex, key.get());
          if (found.size() > limit) {
            found.pollLastEntry();
          }
        }
      }
    } catch (NoSuchFileException noKeysHere) {
      return;
    }
    for (String name : subdirectories) {
      List<String> below = new ArrayList<>(segments);
      below.add(name);
      collect(dir.resolve(name), below, hexPrefix, limit, found, now);
    }
  }

  @Override
  public void close() {
    closing.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      try {
        lock.release();
        lockChannel.close();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot release " + directory.resolve(LOCK_FILE) + ": " + e, e);
      }
    } finally {
      closing.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "KeyValueStores.file(" + directory + ")";
  }

  /** The keys and bytes this store counts toward its limits (for tests). */
  long[] usage() {
    synchronized (usage) {
      return new long[] {keys, bytes};
    }
  }

  /** The keys the last open found damaged, each with the problem and the file (for tests and reports). */
  java.util.SortedMap<String, String> damagedAtOpen() {
    return java.util.Collections.unmodifiableSortedMap(damagedAtOpen);
  }

  private ReentrantLock stripe(String key) {
    return stripes[(key.hashCode() & 0x7fffffff) % STRIPES];
  }

  /** The bytes {@code key} counts for now (its file's value part, even if damaged), or -1 if it has no file. */
  private static long footprintOf(String key, Path file) throws IOException {
    try {
      return StoreLimits.footprint(key, Math.max(0, Files.size(file) - ValueFile.HEADER));
    } catch (NoSuchFileException absent) {
      return -1;
    }
  }

  /** Takes {@code addedKeys} and {@code addedBytes} (either may be negative) from the limits, or refuses. */
  private void reserve(String key, long addedKeys, long addedBytes) {
    synchronized (usage) {
      limits.checkGrowth(this, key, keys, addedKeys, bytes, addedBytes);
      keys += addedKeys;
      bytes += addedBytes;
    }
  }

  private void release(long removedKeys, long removedBytes) {
    synchronized (usage) {
      keys -= removedKeys;
      bytes -= removedBytes;
    }
  }

  /** Deletes the files of keys whose time has come, so they stop counting. Takes no lock but their own. */
  private void removeExpired() throws IOException {
    long now = clock.millis();
    for (String key : expiries.due(now)) {
      ReentrantLock keyLock = stripe(key);
      keyLock.lock();
      try {
        if (expiries.expired(key, now)) {
          deleteFile(key, fileOf(key));
          expiries.set(key, 0);
        }
      } finally {
        keyLock.unlock();
      }
    }
  }

  /**
   * Rewrites the value files of the format before checksums, then reads every value file: counts
   * keys and bytes, records expiries, deletes expired files and reports damaged ones.
   */
  private void migrateAndCount() {
    int[] migrated = {0};
    try {
      walk(data, new ArrayList<>(), FileNames.LEGACY_SUFFIX, (key, legacy) -> {
        try {
          migrate(legacy);
          migrated[0]++;
        } catch (IOException e) {
          throw new UncheckedIOException("cannot rewrite " + legacy + " (key " + Keys.quote(key) + ") in the format with"
              + " checksums: " + e + "; check that the store directory is writable, then open it again", e);
        }
      });
      if (migrated[0] > 0) {
        log.info("{}: rewrote {} value files of the format before checksums (<hex>.v) as <hex>.kv", this, migrated[0]);
      }
      long now = clock.millis();
      List<String> expired = new ArrayList<>();
      walk(data, new ArrayList<>(), FileNames.VALUE_SUFFIX, (key, file) -> {
        ValueFile.Content decoded;
        long size;
        try {
          size = Files.size(file);
          decoded = ValueFile.read(file);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read " + file + " (key " + Keys.quote(key) + "): " + e
              + "; check that this process may read the store directory", e);
        }
        keys++;
        bytes += StoreLimits.footprint(key, Math.max(0, size - ValueFile.HEADER));
        if (decoded.damaged()) {
          damagedAtOpen.put(key, decoded.damage() + " in " + file);
          log.warn("{}: the value of key {} is damaged ({}) in {}: reading it fails until it is deleted or put"
              + " again, or the file is restored from a backup", this, Keys.quote(key), decoded.damage(), file);
        } else if (decoded.expiresAt() != 0) {
          expiries.set(key, decoded.expiresAt());
          if (decoded.expiresAt() <= now) {
            expired.add(key);
          }
        }
      });
      if (!damagedAtOpen.isEmpty()) {
        log.warn("{}: {} damaged value files; see the warnings above", this, damagedAtOpen.size());
      }
      for (String key : expired) {
        deleteFile(key, fileOf(key));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read key-value store directory " + directory + ": " + e
          + "; check that this process may read and write it", e);
    }
  }

  /** Rewrites one file of the format before checksums; a crash at any point leaves the value readable. */
  private void migrate(Path legacy) throws IOException {
    String name = legacy.getFileName().toString();
    Path current = legacy.resolveSibling(name.substring(0, name.length() - FileNames.LEGACY_SUFFIX.length())
        + FileNames.VALUE_SUFFIX);
    if (!Files.exists(current)) { // else an earlier open wrote it and stopped before deleting the old file
      byte[] value;
      try (java.io.InputStream in = Files.newInputStream(legacy)) {
        value = in.readNBytes(KeyValueStore.MAX_VALUE_BYTES + 1); // never a whole file of any size
      }
      if (value.length > KeyValueStore.MAX_VALUE_BYTES) {
        throw new IOException("the file is larger than the largest value (" + KeyValueStore.MAX_VALUE_BYTES
            + " bytes), so no store wrote it; move it out of the store directory");
      }
      writeFile(current, ValueFile.encode(value, 0));
    }
    Files.delete(legacy);
    syncDirectory(legacy.getParent());
  }

  /** Calls {@code visit} with every key below {@code dir} that has a file with {@code suffix}, and that file. */
  private void walk(Path dir, List<String> segments, String suffix, BiConsumer<String, Path> visit) throws IOException {
    List<Path> subdirectories = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (FileNames.isSegment(name) && Files.isDirectory(entry)) {
          subdirectories.add(entry);
          continue;
        }
        Optional<String> last = FileNames.lastSegment(name, suffix);
        if (last.isPresent()) {
          List<String> path = new ArrayList<>(segments);
          path.add(last.get());
          Optional<String> key = FileNames.key(path);
          if (key.isPresent()) {
            visit.accept(key.get(), entry);
          }
        }
      }
    }
    for (Path sub : subdirectories) {
      List<String> below = new ArrayList<>(segments);
      below.add(sub.getFileName().toString());
      walk(sub, below, suffix, visit);
    }
  }

  private Path fileOf(String key) {
    return FileNames.file(data, FileNames.hex(Keys.checkKey(key)));
  }

  private Lock enter() {
    Lock open = closing.readLock();
    open.lock();
    if (closed) {
      open.unlock();
      throw new IllegalStateException(this + " is closed: open the directory again with KeyValueStores.file");
    }
    return open;
  }

  /**
   * Creates the directories of a long key. Under one lock, so no put can see a directory that
   * another put has created but not yet made durable in its parent.
   */
  private void createParents(Path parent) throws IOException {
    if (parent.equals(data)) {
      return;
    }
    synchronized (directoryCreation) {
      List<Path> missing = new ArrayList<>();
      for (Path p = parent; !p.equals(data) && !Files.isDirectory(p); p = p.getParent()) {
        missing.addFirst(p);
      }
      for (Path dir : missing) {
        try {
          Files.createDirectory(dir);
        } catch (FileAlreadyExistsException notADirectory) {
          throw new IOException(dir + " exists and is not a directory: remove it, it is not part of the store");
        }
        syncDirectory(dir.getParent());
      }
    }
  }

  private static void syncDirectory(Path dir) throws IOException {
    if (SYNC_DIRECTORIES) {
      try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
        channel.force(true);
      }
    }
  }

  private static void deleteStaged(Path staged) {
    if (staged != null) {
      try {
        Files.deleteIfExists(staged);
      } catch (IOException ignored) {
        // The next open deletes it.
      }
    }
  }

  private UncheckedIOException failure(String action, String key, IOException e) {
    return new UncheckedIOException(this + " could not " + action + " key " + Keys.quote(key) + ": " + e, e);
  }
}
