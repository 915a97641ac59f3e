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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

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
 */
final class FileKeyValueStore implements KeyValueStore {
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

  private FileKeyValueStore(Path directory, FileChannel lockChannel, FileLock lock) {
    this.directory = directory;
    this.data = directory.resolve(DATA_DIR);
    this.temp = directory.resolve(TEMP_DIR);
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Opens (creating if needed) the store in {@code directory}; see {@link KeyValueStores#file}. */
  static FileKeyValueStore open(Path directory) {
    Path dir = directory.toAbsolutePath().normalize();
    StoreDirectory.prepare(dir);
    FileChannel channel = StoreDirectory.openLockFile(dir);
    try {
      FileKeyValueStore store = new FileKeyValueStore(dir, channel, StoreDirectory.lock(dir, channel));
      store.prepareSubdirectories();
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
      return Optional.of(Files.readAllBytes(file));
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
    Path file = fileOf(key);
    Keys.checkValue(key, value);
    Lock open = enter();
    Path staged = null;
    try {
      createParents(file.getParent());
      staged = Files.createTempFile(temp, "put-", ".tmp");
      try (FileChannel channel = FileChannel.open(staged, StandardOpenOption.WRITE)) {
        ByteBuffer buffer = ByteBuffer.wrap(value);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      Files.move(staged, file, StandardCopyOption.ATOMIC_MOVE);
      staged = null;
      syncDirectory(file.getParent());
    } catch (IOException e) {
      throw failure("write", key, e);
    } finally {
      deleteStaged(staged);
      open.unlock();
    }
  }

  @Override
  public boolean delete(String key) {
    Path file = fileOf(key);
    Lock open = enter();
    try {
      boolean existed = Files.deleteIfExists(file);
      if (existed) {
        syncDirectory(file.getParent());
      }
      return existed;
    } catch (IOException e) {
      throw failure("delete", key, e);
    } finally {
      open.unlock();
    }
  }

  @Override
  public boolean exists(String key) {
    Path file = fileOf(key);
    Lock open = enter();
    try {
      return Files.exists(file);
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
      collect(start, segments, hexPrefix, limit, found);
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
  private void collect(Path dir, List<String> segments, String hexPrefix, int limit, TreeMap<String, String> found)
      throws IOException {
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
        if (key.isPresent()) {
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
      collect(dir.resolve(name), below, hexPrefix, limit, found);
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
