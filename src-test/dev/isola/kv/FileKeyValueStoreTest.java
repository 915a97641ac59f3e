package dev.isola.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file store: the shared contract, plus what only a directory on disk can get wrong. */
class FileKeyValueStoreTest extends KeyValueStoreContract {
  @TempDir Path tempDir;

  Path dir() {
    return tempDir.resolve("kv");
  }

  @Override
  KeyValueStore open() {
    return KeyValueStores.file(dir());
  }

  @Test
  void reopen_afterClose_keepsEveryKey() {
    store.put("a", bytes("1"));
    store.put(LONGEST_KEY, bytes("2"));
    store.put("gone", bytes("3"));
    store.delete("gone");
    store.close();
    store = KeyValueStores.file(dir());
    assertEquals(List.of("a", LONGEST_KEY), store.list("", 10));
    assertEquals("2", text(store.get(LONGEST_KEY)));
  }

  @Test
  void layout_keyFileNamedByHexOfUtf8() throws Exception {
    store.put("a/b", bytes("v"));
    assertArrayEquals(bytes("v"), Files.readAllBytes(dir().resolve("data/612f62.v")));
  }

  @Test
  void open_leftoverTempFile_deletedAndDataKept() throws Exception {
    store.put("k", bytes("v"));
    store.close();
    Path leftover = Files.writeString(dir().resolve("tmp/put-123.tmp"), "half a write");
    store = KeyValueStores.file(dir());
    assertFalse(Files.exists(leftover));
    assertEquals("v", text(store.get("k")));
  }

  @Test
  void list_foreignFilesInDataDirectory_ignored() throws Exception {
    store.put("k", bytes("v"));
    Path data = dir().resolve("data");
    Files.writeString(data.resolve("README"), "not a key");
    Files.writeString(data.resolve("zz.v"), "not hex");
    Files.writeString(data.resolve("6.v"), "odd hex length");
    Files.writeString(data.resolve("ff.v"), "not UTF-8");
    Files.writeString(data.resolve("00.v"), "NUL key");
    Files.createDirectory(data.resolve("notes"));
    assertEquals(List.of("k"), store.list("", 10));
  }

  @Test
  void open_pathIsFile_refusedNamingPath() throws Exception {
    Path file = Files.writeString(tempDir.resolve("plain.txt"), "x");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyValueStores.file(file));
    assertContains(e.getMessage(), file.toString(), "is a file, not a directory");
  }

  @Test
  void open_parentIsFile_refusedNamingPath() throws Exception {
    Path file = Files.writeString(tempDir.resolve("plain.txt"), "x");
    Path below = file.resolve("kv");
    UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> KeyValueStores.file(below));
    assertContains(e.getMessage(), below.toString(), "cannot create");
  }

  @Test
  void open_nonEmptyDirectoryWithoutStore_refused() throws Exception {
    Path other = Files.createDirectory(tempDir.resolve("documents"));
    Files.writeString(other.resolve("letter.txt"), "dear");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyValueStores.file(other));
    assertContains(e.getMessage(), other.toString(), "not empty", "new or empty directory");
  }

  @Test
  void open_unwritableDirectory_refused() throws Exception {
    Path readOnly = Files.createDirectory(tempDir.resolve("read-only"));
    try {
      Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-x------"));
    } catch (UnsupportedOperationException notPosix) {
      assumeFalse(true, "needs POSIX permissions");
    }
    assumeFalse(Files.isWritable(readOnly), "runs as a user who can write anywhere (root)");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KeyValueStores.file(readOnly));
    assertContains(e.getMessage(), readOnly.toString(), "not writable");
  }

  @Test
  void open_secondTimeInSameJvm_refusedUntilClosed() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> KeyValueStores.file(dir()));
    assertContains(e.getMessage(), dir().toString(), "already open in this JVM");
    store.close();
    store = KeyValueStores.file(dir());
    store.put("k", bytes("v"));
  }

  @Test
  void open_relativePath_messagesNameAbsolutePath() {
    store.close();
    Path relative = Path.of("").toAbsolutePath().relativize(dir());
    store = KeyValueStores.file(relative);
    assertContains(store.toString(), dir().toString());
  }
}
