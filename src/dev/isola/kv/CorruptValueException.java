package dev.isola.kv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A stored value failed its integrity check (its checksum, its length or its header), so the store
 * refuses to return it rather than return damaged data. The message names the store, the key, the
 * file and the fix: delete the key (or put a new value), or restore the file from a backup.
 */
public final class CorruptValueException extends UncheckedIOException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final transient Path file;

  CorruptValueException(Object store, String key, Path file, String problem) {
    super(store + ": the value of key " + Keys.quote(key) + " is damaged (" + problem + ") in " + file
        + ": delete the key or put a new value under it, or restore that file from a backup",
        new IOException(problem));
    this.key = key;
    this.file = file;
  }

  /** The key whose value is damaged. */
  public String key() {
    return key;
  }

  /** The file that holds it. */
  public Path file() {
    return file;
  }
}
