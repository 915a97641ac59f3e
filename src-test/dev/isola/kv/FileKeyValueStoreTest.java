package dev.isola.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file store: the shared contract, plus what only a directory on disk can get wrong. */
class FileKeyValueStoreTest extends KeyValueStoreContract {
  @TempDir Path tempDir;

  Path dir() {
    return tempDir.resolve("kv");
  }

  final TestClock clock = new TestClock();
  private int opened;

  @Override
  KeyValueStore open() {
    return KeyValueStores.file(dir(), StoreLimits.NONE, clock);
  }

  @Override
  KeyValueStore open(StoreLimits limits) {
    return KeyValueStores.file(tempDir.resolve("limited-" + opened++), limits, clock);
  }

  @Override
  Duration shortTtl() {
    return Duration.ofSeconds(60);
  }

  @Override
  void expire(KeyValueStore kv, String key) {
    clock.advance(Duration.ofSeconds(61));
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
    byte[] file = Files.readAllBytes(dir().resolve("data/612f62.kv"));
    assertEquals(ValueFile.HEADER + 1, file.length);
    assertArrayEquals(bytes("IKV\u0001"), java.util.Arrays.copyOf(file, 4));
    assertEquals('v', file[ValueFile.HEADER]);
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
    Files.writeString(data.resolve("zz.kv"), "not hex");
    Files.writeString(data.resolve("6.kv"), "odd hex length");
    Files.writeString(data.resolve("ff.kv"), "not UTF-8");
    Files.writeString(data.resolve("00.kv"), "NUL key");
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

  // ---- integrity ----

  private Path fileOf(String key) {
    return FileNames.file(dir().resolve("data"), FileNames.hex(key.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }

  /** Puts {@code key}, closes the store, lets {@code damage} change its file and opens the store again. */
  private FileKeyValueStore damaged(String key, java.util.function.Consumer<Path> damage) {
    store.put(key, bytes("hello, world"));
    store.put("intact", bytes("fine"));
    store.close();
    damage.accept(fileOf(key));
    store = open();
    return (FileKeyValueStore) store;
  }

  private static void rewrite(Path file, java.util.function.UnaryOperator<byte[]> change) {
    try {
      Files.write(file, change.apply(Files.readAllBytes(file)));
    } catch (java.io.IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void assertRefusedAsDamaged(FileKeyValueStore kv, String key, String problem) {
    assertContains(kv.damagedAtOpen().get(key), problem, fileOf(key).toString());
    CorruptValueException e = assertThrows(CorruptValueException.class, () -> kv.get(key));
    assertEquals(key, e.key());
    assertEquals(fileOf(key), e.file());
    assertContains(e.getMessage(), "\"" + key + "\"", "is damaged", problem, fileOf(key).toString(),
        "delete the key or put a new value", "restore that file from a backup");
    assertEquals("fine", text(kv.get("intact")));
    assertEquals(1, kv.damagedAtOpen().size());
  }

  @Test
  void integrity_hugeFile_reportedAsDamagedWithoutReadingIt() throws Exception {
    // A value file past the largest value a store holds is damaged whatever its header says: it is
    // never read whole (3 GiB, sparse, would not even fit one array), at open or on a get.
    FileKeyValueStore kv = damaged("k", f -> {
      try (java.io.RandomAccessFile raf = new java.io.RandomAccessFile(f.toFile(), "rw")) {
        raf.setLength(3L * 1024 * 1024 * 1024);
      } catch (java.io.IOException e) {
        throw new UncheckedIOException(e);
      }
    });
    assertRefusedAsDamaged(kv, "k", "larger than the largest value file");
  }

  @Test
  void integrity_truncatedFile_reportedAtOpenAndRefusedOnRead() {
    FileKeyValueStore kv = damaged("k", f -> rewrite(f, b -> java.util.Arrays.copyOf(b, b.length - 5)));
    assertRefusedAsDamaged(kv, "k", "truncated");
  }

  @Test
  void integrity_truncatedInsideHeader_reportedAndRefused() {
    FileKeyValueStore kv = damaged("k", f -> rewrite(f, b -> java.util.Arrays.copyOf(b, 7)));
    assertRefusedAsDamaged(kv, "k", "shorter than its 20-byte header");
  }

  @Test
  void integrity_flippedValueBit_reportedAndRefused() {
    FileKeyValueStore kv = damaged("k", f -> rewrite(f, b -> {
      b[ValueFile.HEADER + 3] ^= 0x08;
      return b;
    }));
    assertRefusedAsDamaged(kv, "k", "CRC32C checksum");
  }

  @Test
  void integrity_flippedExpiryBit_reportedAndRefused() {
    FileKeyValueStore kv = damaged("k", f -> rewrite(f, b -> {
      b[9] ^= 0x01;
      return b;
    }));
    assertRefusedAsDamaged(kv, "k", "CRC32C checksum");
  }

  @Test
  void integrity_appendedBytes_reportedAndRefused() {
    FileKeyValueStore kv = damaged("k", f -> rewrite(f, b -> java.util.Arrays.copyOf(b, b.length + 1)));
    assertRefusedAsDamaged(kv, "k", "the header says 12 value bytes, the file holds 13");
  }

  @Test
  void integrity_damagedKey_putReplacesItAndDeleteRemovesIt() {
    FileKeyValueStore kv = damaged("k", f -> rewrite(f, b -> java.util.Arrays.copyOf(b, 3)));
    kv.put("k", bytes("new"));
    assertEquals("new", text(kv.get("k")));
    kv.put("k", bytes("again"));
    assertTrue(kv.delete("k"));
    assertEquals("<absent>", text(kv.get("k")));
    assertArrayEquals(new long[] {1, "intact".length() + 4}, kv.usage());
  }

  // ---- migration from value files without checksums ----

  /** Writes a store of the format before checksums: {@code <hex>.v} files holding the bare value. */
  private void legacyStore(java.util.Map<String, String> values) throws Exception {
    Files.createDirectories(dir().resolve("data"));
    Files.createDirectories(dir().resolve("tmp"));
    Files.writeString(dir().resolve(FileKeyValueStore.LOCK_FILE), "");
    for (var e : values.entrySet()) {
      Path file = FileNames.file(dir().resolve("data"), FileNames.hex(e.getKey().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
      Path legacy = file.resolveSibling(file.getFileName().toString().replace(".kv", ".v"));
      Files.createDirectories(legacy.getParent());
      Files.writeString(legacy, e.getValue());
    }
  }

  @Test
  void migration_legacyFiles_rewrittenWithChecksumsAndReadable() throws Exception {
    store.close();
    deleteTree(dir());
    legacyStore(java.util.Map.of("a/b", "old value", LONGEST_KEY, "long key", "empty", ""));
    store = open();
    assertEquals("old value", text(store.get("a/b")));
    assertEquals("long key", text(store.get(LONGEST_KEY)));
    assertEquals("", text(store.get("empty")));
    assertEquals(List.of("a/b", "empty", LONGEST_KEY), store.list("", 10));
    try (var files = Files.walk(dir().resolve("data"))) {
      assertEquals(List.of(), files.filter(f -> f.toString().endsWith(".v")).toList());
    }
    assertEquals(ValueFile.HEADER + 9, Files.size(fileOf("a/b")));
    store.close();
    store = open();
    assertEquals("old value", text(store.get("a/b")));
    assertEquals(0, ((FileKeyValueStore) store).damagedAtOpen().size());
  }

  @Test
  void migration_interruptedAfterNewFileWasWritten_keepsNewFileAndRemovesOld() throws Exception {
    store.put("k", bytes("rewritten"));
    store.close();
    Path legacy = fileOf("k").resolveSibling(fileOf("k").getFileName().toString().replace(".kv", ".v"));
    Files.writeString(legacy, "rewritten"); // the old file an interrupted migration left beside the new one
    store = open();
    assertEquals("rewritten", text(store.get("k")));
    assertFalse(Files.exists(legacy));
    assertArrayEquals(new long[] {1, 1 + 9}, ((FileKeyValueStore) store).usage());
  }

  // ---- expiry and counts across opens ----

  @Test
  void reopen_expiredFilesDeletedAndCountsRestored() {
    store.put("brief", bytes("v"), Duration.ofSeconds(60));
    store.put("stays", bytes("vv"), Duration.ofHours(1));
    store.put("plain", bytes("vvv"));
    store.close();
    clock.advance(Duration.ofSeconds(61));
    store = open();
    assertFalse(Files.exists(fileOf("brief")));
    assertEquals(List.of("plain", "stays"), store.list("", 10));
    assertArrayEquals(new long[] {2, 5 + 2 + 5 + 3}, ((FileKeyValueStore) store).usage());
    clock.advance(Duration.ofHours(1));
    assertEquals(List.of("plain"), store.list("", 10));
  }

  @Test
  void reopen_overQuota_opensAndRefusesGrowth() {
    store.put("a", bytes("1"));
    store.put("b", bytes("2"));
    store.close();
    store = KeyValueStores.file(dir(), StoreLimits.NONE.withMaxKeys(1), clock);
    assertEquals("1", text(store.get("a")));
    assertThrows(StoreQuotaExceededException.class, () -> store.put("c", bytes("3")));
    store.put("a", bytes("overwrite is no growth"));
    store.delete("a");
    store.delete("b");
    store.put("c", bytes("3"));
  }

  private static void deleteTree(Path root) throws java.io.IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
