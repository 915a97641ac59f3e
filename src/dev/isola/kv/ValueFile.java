package dev.isola.kv;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32C;

/**
 * The format of a {@link FileKeyValueStore} value file: a {@value #HEADER}-byte header, then the
 * value. All numbers big-endian.
 *
 * <pre>
 * offset 0   4 bytes  magic "IKV" 0x01 (format version 1)
 * offset 4   4 bytes  value length n
 * offset 8   8 bytes  expiry, epoch milliseconds; 0 for never
 * offset 16  4 bytes  CRC32C of bytes 0..15 and the value
 * offset 20  n bytes  the value
 * </pre>
 *
 * A file shorter or longer than its header says, with another magic, or whose checksum does not
 * match, is damaged: {@link #decode} says how, and the store refuses to return it. CRC32C detects
 * every single run of changed bits up to 32 bits long, and other damage except with a chance of
 * about one in 2^32; it guards against accidents (a torn disk write, a bad sector, an editor), not
 * against someone who can write the directory and recompute it.
 */
final class ValueFile {
  static final int HEADER = 20;
  private static final int MAGIC = 0x494B5601;

  /** A decoded file: its value, or what is wrong with it. */
  record Content(byte[] value, long expiresAt, String damage) {
    boolean damaged() {
      return damage != null;
    }
  }

  private ValueFile() {}

  /** The file bytes for {@code value}, expiring at {@code expiresAt} (0 for never). */
  static ByteBuffer encode(byte[] value, long expiresAt) {
    ByteBuffer out = ByteBuffer.allocate(HEADER + value.length).order(ByteOrder.BIG_ENDIAN);
    out.putInt(MAGIC).putInt(value.length).putLong(expiresAt);
    CRC32C crc = new CRC32C();
    crc.update(out.array(), 0, 16);
    crc.update(value);
    out.putInt((int) crc.getValue()).put(value).flip();
    return out;
  }

  /** Decodes a whole file. */
  /** The largest value file: the header and {@link KeyValueStore#MAX_VALUE_BYTES}. */
  static final long MAX_FILE = HEADER + (long) KeyValueStore.MAX_VALUE_BYTES;

  /**
   * Reads and decodes {@code file}, reading at most {@link #MAX_FILE} bytes: a file larger than
   * any value file (put there by something other than the store) is damaged, not read whole, so it
   * cannot exhaust the heap or fail the read with an {@link OutOfMemoryError}.
   *
   * @throws java.nio.file.NoSuchFileException if there is no such file
   */
  static Content read(java.nio.file.Path file) throws java.io.IOException {
    byte[] content;
    try (java.io.InputStream in = java.nio.file.Files.newInputStream(file)) {
      content = in.readNBytes((int) MAX_FILE + 1);
    }
    if (content.length > MAX_FILE) {
      return damaged("the file is larger than the largest value file (" + MAX_FILE + " bytes: a " + HEADER
          + "-byte header and at most " + KeyValueStore.MAX_VALUE_BYTES + " value bytes)");
    }
    return decode(content);
  }

  static Content decode(byte[] file) {
    if (file.length < HEADER) {
      return damaged("the file is " + file.length + " bytes, shorter than its " + HEADER + "-byte header: it was truncated");
    }
    ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.BIG_ENDIAN);
    int magic = in.getInt();
    if (magic != MAGIC) {
      return damaged(String.format("the file starts with 0x%08x, not the value file header 0x%08x", magic, MAGIC));
    }
    long length = Integer.toUnsignedLong(in.getInt());
    long expiresAt = in.getLong();
    int stored = in.getInt();
    if (file.length - HEADER != length) {
      return damaged("the header says " + length + " value bytes, the file holds " + (file.length - HEADER)
          + (file.length - HEADER < length ? ": it was truncated" : ""));
    }
    CRC32C crc = new CRC32C();
    crc.update(file, 0, 16);
    crc.update(file, HEADER, file.length - HEADER);
    if ((int) crc.getValue() != stored) {
      return damaged(String.format("CRC32C checksum 0x%08x does not match the stored 0x%08x: bytes were changed",
          (int) crc.getValue(), stored));
    }
    byte[] value = new byte[(int) length];
    System.arraycopy(file, HEADER, value, 0, value.length);
    return new Content(value, expiresAt, null);
  }

  private static Content damaged(String damage) {
    return new Content(null, 0, damage);
  }
}
