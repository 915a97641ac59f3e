package dev.isola.internal.capability.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.NonWritableChannelException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A read-only view through the JDK's {@code Files}, the way Chicory's WASI uses it. */
class ReadOnlyFileSystemTest {
  private static Path data;
  private static Path root;

  /** {@code base/data} is viewed; {@code base/outside.txt} and {@code base/outside-dir} are not. */
  @BeforeAll
  static void layout(@TempDir Path dir) throws IOException {
    Path base = dir.toRealPath();
    Files.writeString(base.resolve("outside.txt"), "outside");
    Files.createDirectories(base.resolve("outside-dir"));
    Files.writeString(base.resolve("outside-dir/secret.txt"), "outside");
    data = Files.createDirectories(base.resolve("data"));
    Files.writeString(data.resolve("hello.txt"), "hello");
    Files.createDirectories(data.resolve("sub"));
    Files.createSymbolicLink(data.resolve("alias"), Path.of("hello.txt"));
    Files.createSymbolicLink(data.resolve("escape"), Path.of("../outside.txt"));
    Files.createSymbolicLink(data.resolve("escape-abs"), base.resolve("outside.txt"));
    Files.createSymbolicLink(data.resolve("escape-dir"), Path.of("../outside-dir"));
    root = ReadOnlyFileSystem.of(data);
  }

  @Test
  void read_aFileInside_returnsItsBytes() throws IOException {
    assertEquals("hello", Files.readString(root.resolve("hello.txt")));
  }

  @Test
  void read_throughALinkInside_followsIt() throws IOException {
    assertEquals("hello", Files.readString(root.resolve("alias")));
  }

  @Test
  void list_givesPathsOfTheView() throws IOException {
    try (Stream<Path> entries = Files.list(root)) {
      List<Path> paths = entries.sorted().toList();
      assertEquals(List.of("alias", "escape", "escape-abs", "escape-dir", "hello.txt", "sub"),
          paths.stream().map(p -> String.valueOf(p.getFileName())).toList());
      paths.forEach(p -> assertSame(root.getFileSystem(), p.getFileSystem()));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"escape", "escape-abs", "escape-dir/secret.txt", "../outside.txt", "sub/../../outside.txt"})
  void read_somethingOutside_isMissing(String path) {
    assertThrows(NoSuchFileException.class, () -> Files.readAllBytes(root.resolve(path)));
    assertThrows(NoSuchFileException.class, () -> Files.readAttributes(root.resolve(path), BasicFileAttributes.class));
    assertFalse(Files.exists(root.resolve(path)));
  }

  @Test
  void list_aLinkedDirectoryOutside_isMissing() {
    assertThrows(NoSuchFileException.class, () -> Files.list(root.resolve("escape-dir")).close());
  }

  @Test
  void readAttributesWithoutFollowing_aLinkOut_describesTheLinkItself() throws IOException {
    assertTrue(Files.readAttributes(root.resolve("escape"), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
        .isSymbolicLink());
  }

  @Test
  void readSymbolicLink_isTakenRelativeToTheLinksDirectory() throws IOException {
    Path target = Files.readSymbolicLink(root.resolve("alias"));

    assertEquals(root.resolve("hello.txt"), target);
    assertEquals("hello", Files.readString(target));
  }

  @ParameterizedTest
  @ValueSource(strings = {"write", "append", "createNew", "truncate", "createDirectory", "delete", "deleteIfExists",
      "move", "copy", "createSymbolicLink", "createLink", "setLastModifiedTime", "setTimes", "setAttribute"})
  void change_isRefused_andChangesNothing(String change) throws IOException {
    Path hello = root.resolve("hello.txt");
    Path fresh = root.resolve("fresh");
    FileTime modified = Files.getLastModifiedTime(data.resolve("hello.txt"));

    assertThrows(AccessDeniedException.class, () -> {
      switch (change) {
        case "write" -> Files.writeString(hello, "changed");
        case "append" -> Files.writeString(hello, "more", StandardOpenOption.APPEND);
        case "createNew" -> Files.newByteChannel(fresh, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ);
        case "truncate" -> Files.newByteChannel(hello, StandardOpenOption.READ, StandardOpenOption.TRUNCATE_EXISTING);
        case "createDirectory" -> Files.createDirectory(fresh);
        case "delete" -> Files.delete(hello);
        case "deleteIfExists" -> Files.deleteIfExists(hello);
        case "move" -> Files.move(hello, fresh);
        case "copy" -> Files.copy(hello, fresh, StandardCopyOption.REPLACE_EXISTING);
        case "createSymbolicLink" -> Files.createSymbolicLink(fresh, Path.of("hello.txt"));
        case "createLink" -> Files.createLink(fresh, hello);
        case "setLastModifiedTime" -> Files.setLastModifiedTime(hello, FileTime.fromMillis(0));
        case "setTimes" -> Files.getFileAttributeView(hello, BasicFileAttributeView.class)
            .setTimes(FileTime.fromMillis(0), null, null);
        case "setAttribute" -> Files.setAttribute(hello, "basic:lastModifiedTime", FileTime.fromMillis(0));
        default -> throw new IllegalArgumentException(change);
      }
    });
    assertEquals("hello", Files.readString(data.resolve("hello.txt")));
    assertEquals(modified, Files.getLastModifiedTime(data.resolve("hello.txt")));
    assertFalse(Files.exists(data.resolve("fresh"), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void isWritable_isFalse() {
    assertFalse(Files.isWritable(root.resolve("hello.txt")));
    assertTrue(Files.isReadable(root.resolve("hello.txt")));
  }

  @Test
  void channel_openedForReading_cannotWriteOrTruncate() throws IOException {
    try (FileChannel channel = FileChannel.open(root.resolve("hello.txt"), StandardOpenOption.READ)) {
      assertThrows(NonWritableChannelException.class, () -> channel.write(ByteBuffer.wrap(new byte[] {1})));
      assertThrows(NonWritableChannelException.class, () -> channel.truncate(0));
    }
    assertEquals("hello", Files.readString(data.resolve("hello.txt")));
  }

  @Test
  void of_aRelativePath_isRefused() {
    assertThrows(IllegalArgumentException.class, () -> ReadOnlyFileSystem.of(Path.of("data")));
  }

  @Test
  void unsupportedOperation_saysWhy() {
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> root.toUri());
    assertTrue(e.getMessage().contains("read-only view"), e.getMessage());
  }
}
