package dev.isola.kv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.stream.Stream;

/** Checks and locks the directory of a {@link FileKeyValueStore} when it opens. */
final class StoreDirectory {
  private StoreDirectory() {}

  /**
   * Creates {@code dir} if it is missing, and refuses a file, a directory this process cannot
   * write, and a non-empty directory that holds something other than a store.
   */
  static void prepare(Path dir) {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new IllegalArgumentException("key-value store path " + dir + " is a file, not a directory:"
          + " pass the path of a directory (it is created if missing)");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create key-value store directory " + dir + ": " + e
          + "; check that its parent is a writable directory", e);
    }
    if (!Files.isWritable(dir)) {
      throw new IllegalArgumentException("key-value store directory " + dir + " is not writable by this process:"
          + " change its permissions or pass another directory");
    }
    if (!isEmpty(dir) && !Files.exists(dir.resolve(FileKeyValueStore.LOCK_FILE))
        && !Files.isDirectory(dir.resolve(FileKeyValueStore.DATA_DIR))) {
      throw new IllegalArgumentException("key-value store directory " + dir + " is not empty and holds no store"
          + " (no " + FileKeyValueStore.LOCK_FILE + ", no " + FileKeyValueStore.DATA_DIR + "/):"
          + " pass a new or empty directory, so the store does not mix with other files");
    }
  }

  /** Opens (creating) the lock file of the store in {@code dir}. */
  static FileChannel openLockFile(Path dir) {
    Path lockFile = dir.resolve(FileKeyValueStore.LOCK_FILE);
    try {
      return FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException("cannot open " + lockFile + " for writing: access denied;"
          + " change the permissions of the key-value store directory or pass another directory", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open " + lockFile + ": " + e, e);
    }
  }

  /** Locks the store in {@code dir} for this process, or says who holds it. */
  static FileLock lock(Path dir, FileChannel lockChannel) {
    FileLock lock;
    try {
      lock = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      throw new IllegalStateException("key-value store directory " + dir + " is already open in this JVM:"
          + " share that KeyValueStore instead of opening the directory twice, or close it first", e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock " + dir.resolve(FileKeyValueStore.LOCK_FILE) + ": " + e, e);
    }
    if (lock == null) {
      throw new IllegalStateException("key-value store directory " + dir + " is in use by another process"
          + " (it holds the lock on " + dir.resolve(FileKeyValueStore.LOCK_FILE) + "): stop that process"
          + " or close its store first, or pass another directory");
    }
    return lock;
  }

  static void closeQuietly(FileChannel channel, Exception primary) {
    try {
      channel.close();
    } catch (IOException e) {
      primary.addSuppressed(e);
    }
  }

  private static boolean isEmpty(Path dir) {
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.findAny().isEmpty();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read key-value store directory " + dir + ": " + e
          + "; check that this process may list it", e);
    }
  }
}
