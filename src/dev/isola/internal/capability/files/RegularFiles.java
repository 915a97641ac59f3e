package dev.isola.internal.capability.files;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Opens granted files for reading only when they are regular files. Opening a FIFO for reading
 * waits until something opens it for writing, in the operating system, where neither a deadline nor
 * an interrupt reaches the thread; sockets and devices are no files to serve either. So every read of
 * a granted directory, from JavaScript ({@code env.files}) and from WASI alike, opens through here.
 *
 * <p>The type is read without following links ({@code lstat}) on the real path, the file is opened
 * with {@link LinkOption#NOFOLLOW_LINKS}, and afterwards the path must still name the same regular
 * file (same {@link BasicFileAttributes#fileKey()}, device and inode on Unix); otherwise the channel
 * is closed and the file refused. A link put in its place fails the open itself. The JDK offers no
 * non-blocking open and no {@code fstat} of an open channel, so one window is left: a host process
 * that swaps a checked regular file for a FIFO between the check and the open can still make that
 * open wait. Guests cannot, since they cannot change a granted directory.
 */
public final class RegularFiles {
  private RegularFiles() {}

  /**
   * A channel reading {@code real}, or null when it exists but is not a regular file (a FIFO, socket,
   * device, directory or link).
   *
   * @param real a real path (links resolved), already checked to lie inside its granted directory
   * @throws java.nio.file.NoSuchFileException if there is no such file
   */
  public static @Nullable FileChannel openIfRegular(Path real) throws IOException {
    BasicFileAttributes before = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!before.isRegularFile()) {
      return null;
    }
    FileChannel channel = FileChannel.open(real, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
    try {
      BasicFileAttributes after = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      // Where the system gives no file key (null both times), the type check after the open is what is left.
      if (after.isRegularFile() && Objects.equals(before.fileKey(), after.fileKey())) {
        return channel;
      }
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    channel.close();
    return null;
  }
}
