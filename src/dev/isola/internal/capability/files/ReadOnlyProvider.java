package dev.isola.internal.capability.files;

import java.io.IOException;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AccessMode;
import java.nio.file.CopyOption;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.spi.FileSystemProvider;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The operations of a {@link ReadOnlyFileSystem}. A read first finds the real path of what it names
 * and goes on only if that lies inside the view's directory: a symbolic link (in any component) or
 * {@code ..} leading out of it reads as a missing file ({@link NoSuchFileException}), so the guest
 * learns nothing about what is outside. Every change is an {@link AccessDeniedException}, a checked
 * exception, because Chicory's WASI turns checked exceptions into an errno for the guest but lets
 * most unchecked ones (such as {@link java.nio.file.ReadOnlyFileSystemException}) end the call.
 *
 * <p>Only regular files are opened ({@link RegularFiles}): a FIFO, socket or device reads as a missing
 * file, since opening a FIFO would wait for a writer past the call's deadline.
 *
 * <p>The host directory may change while a guest reads it (the real path is taken before the file is
 * opened); only the host can make such changes.
 */
final class ReadOnlyProvider extends FileSystemProvider {
  /** Opening with anything else would write, create, truncate or delete. */
  private static final Set<OpenOption> READING = Set.of(StandardOpenOption.READ, StandardOpenOption.SYNC,
      StandardOpenOption.DSYNC, LinkOption.NOFOLLOW_LINKS);

  private final ReadOnlyFileSystem fileSystem;

  ReadOnlyProvider(ReadOnlyFileSystem fileSystem) {
    this.fileSystem = fileSystem;
  }

  @Override
  public String getScheme() {
    return "isola-read-only";
  }

  // Reads: inside the directory only.

  @Override
  public FileChannel newFileChannel(Path path, Set<? extends OpenOption> options, FileAttribute<?>... attributes)
      throws IOException {
    if (!READING.containsAll(options) || attributes.length > 0) {
      throw readOnly(path);
    }
    Path real = inside(path, !options.contains(LinkOption.NOFOLLOW_LINKS));
    // Only regular files: opening a FIFO would wait for a writer past any deadline (RegularFiles).
    FileChannel channel = RegularFiles.openIfRegular(real);
    if (channel == null) {
      throw new NoSuchFileException(path.toString(), null, "not a regular file (a FIFO, socket or device)");
    }
    return channel;
  }

  @Override
  public SeekableByteChannel newByteChannel(Path path, Set<? extends OpenOption> options,
      FileAttribute<?>... attributes) throws IOException {
    return newFileChannel(path, options, attributes);
  }

  @Override
  public DirectoryStream<Path> newDirectoryStream(Path directory, DirectoryStream.Filter<? super Path> filter)
      throws IOException {
    ReadOnlyPath view = view(directory);
    DirectoryStream<Path> entries = Files.newDirectoryStream(inside(directory, true),
        entry -> filter.accept(view.resolve(String.valueOf(entry.getFileName()))));
    return new DirectoryStream<>() {
      @Override
      public Iterator<Path> iterator() {
        Iterator<Path> iterator = entries.iterator();
        return new Iterator<>() {
          @Override
          public boolean hasNext() {
            return iterator.hasNext();
          }

          @Override
          public Path next() {
            return view.resolve(String.valueOf(iterator.next().getFileName()));
          }
        };
      }

      @Override
      public void close() throws IOException {
        entries.close();
      }
    };
  }

  @Override
  public <A extends BasicFileAttributes> A readAttributes(Path path, Class<A> type, LinkOption... options)
      throws IOException {
    return Files.readAttributes(inside(path, follows(options)), type, options);
  }

  @Override
  public Map<String, Object> readAttributes(Path path, String attributes, LinkOption... options) throws IOException {
    return Files.readAttributes(inside(path, follows(options)), attributes, options);
  }

  @Override
  @SuppressWarnings("unchecked")
  public <V extends FileAttributeView> @Nullable V getFileAttributeView(Path path, Class<V> type,
      LinkOption... options) {
    if (type != BasicFileAttributeView.class) {
      return null;
    }
    return (V) new BasicFileAttributeView() {
      @Override
      public String name() {
        return "basic";
      }

      @Override
      public BasicFileAttributes readAttributes() throws IOException {
        return ReadOnlyProvider.this.readAttributes(path, BasicFileAttributes.class, options);
      }

      @Override
      public void setTimes(FileTime lastModifiedTime, FileTime lastAccessTime, FileTime createTime)
          throws IOException {
        throw readOnly(path);
      }
    };
  }

  @Override
  public void checkAccess(Path path, AccessMode... modes) throws IOException {
    Path real = inside(path, true);
    if (Arrays.asList(modes).contains(AccessMode.WRITE)) {
      throw readOnly(path);
    }
    real.getFileSystem().provider().checkAccess(real, modes);
  }

  /**
   * The link's target, taken relative to the link's real directory (as the system would), so that
   * Chicory, which follows links by reading them, lands where the system would; whether that is inside
   * is checked when the target is used.
   */
  @Override
  public Path readSymbolicLink(Path link) throws IOException {
    Path real = inside(link, false);
    return new ReadOnlyPath(fileSystem, real.resolveSibling(Files.readSymbolicLink(real)));
  }

  @Override
  public boolean isSameFile(Path path, Path other) throws IOException {
    return Files.isSameFile(inside(path, true), inside(other, true));
  }

  @Override
  public boolean isHidden(Path path) throws IOException {
    return Files.isHidden(inside(path, true));
  }

  // Changes: never.

  @Override
  public void createDirectory(Path directory, FileAttribute<?>... attributes) throws IOException {
    throw readOnly(directory);
  }

  @Override
  public void createSymbolicLink(Path link, Path target, FileAttribute<?>... attributes) throws IOException {
    throw readOnly(link);
  }

  @Override
  public void createLink(Path link, Path existing) throws IOException {
    throw readOnly(link);
  }

  @Override
  public void delete(Path path) throws IOException {
    throw readOnly(path);
  }

  @Override
  public void copy(Path source, Path target, CopyOption... options) throws IOException {
    throw readOnly(target);
  }

  @Override
  public void move(Path source, Path target, CopyOption... options) throws IOException {
    throw readOnly(source);
  }

  @Override
  public void setAttribute(Path path, String attribute, Object value, LinkOption... options) throws IOException {
    throw readOnly(path);
  }

  // Not needed by WASI.

  @Override
  public FileStore getFileStore(Path path) {
    throw ReadOnlyFileSystem.unsupported("getFileStore");
  }

  @Override
  public FileSystem newFileSystem(URI uri, Map<String, ?> env) {
    throw ReadOnlyFileSystem.unsupported("newFileSystem");
  }

  @Override
  public FileSystem getFileSystem(URI uri) {
    throw ReadOnlyFileSystem.unsupported("getFileSystem");
  }

  @Override
  public Path getPath(URI uri) {
    throw ReadOnlyFileSystem.unsupported("getPath(URI)");
  }

  /**
   * The real host path of {@code path}, if it lies inside the view's directory. Symbolic links are
   * all followed, or all but the last one when {@code followLinks} is false (as {@code lstat} does).
   */
  private Path inside(Path path, boolean followLinks) throws IOException {
    Path host = view(path).host();
    Path name = host.getFileName();
    Path parent = host.getParent();
    Path real;
    if (followLinks || name == null || parent == null || name.toString().equals(".") || name.toString().equals("..")) {
      real = host.toRealPath();
    } else {
      real = parent.toRealPath().resolve(name);
    }
    if (!real.startsWith(fileSystem.directory())) {
      throw new NoSuchFileException(path.toString(), null, "outside the granted directory");
    }
    return real;
  }

  private ReadOnlyPath view(Path path) {
    if (path instanceof ReadOnlyPath view && view.getFileSystem() == fileSystem) {
      return view;
    }
    throw new ProviderMismatchException("not a path of this read-only view: " + path);
  }

  private static boolean follows(LinkOption... options) {
    return !Arrays.asList(options).contains(LinkOption.NOFOLLOW_LINKS);
  }

  private static AccessDeniedException readOnly(Path path) {
    return new AccessDeniedException(path.toString(), null, "read-only: a granted directory is never changed");
  }
}
