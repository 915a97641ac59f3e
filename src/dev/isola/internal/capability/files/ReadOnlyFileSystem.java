package dev.isola.internal.capability.files;

import java.nio.file.FileStore;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.WatchService;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.nio.file.spi.FileSystemProvider;
import java.util.Set;

/**
 * A read-only view of one host directory, as a {@link FileSystem} whose paths stand for paths of the
 * default file system. It exists for Chicory's WASI: given {@link #of}'s root as a preopened
 * directory, Chicory resolves the guest's paths against it and hands the results to {@code
 * java.nio.file.Files} and {@code FileChannel.open}, which end up in {@link ReadOnlyProvider}. There
 * a path is read only if its real path (every symbolic link followed) lies inside the directory, and
 * every change (writing, creating, truncating, deleting, renaming, linking, setting times or
 * attributes) is refused with an {@link java.nio.file.AccessDeniedException}.
 *
 * <pre>{@code
 * WasiOptions.builder().withDirectory("/static", ReadOnlyFileSystem.of(realDirectory));
 * }</pre>
 *
 * <p>Only what Chicory and the JDK's {@code Files} need is served; the rest throws {@link
 * UnsupportedOperationException} saying so. A view holds no resources: it is never closed.
 */
public final class ReadOnlyFileSystem extends FileSystem {
  private final Path directory;
  private final ReadOnlyProvider provider;

  private ReadOnlyFileSystem(Path directory) {
    this.directory = directory;
    this.provider = new ReadOnlyProvider(this);
  }

  /**
   * The root of a new read-only view of {@code directory}.
   *
   * @param directory the real path of an existing directory ({@link Path#toRealPath}), on the default
   *     file system; a path with a symbolic link in it would make every read fail
   */
  public static Path of(Path directory) {
    if (!directory.isAbsolute() || directory.getFileSystem() != FileSystems.getDefault()) {
      throw new IllegalArgumentException("a read-only view needs the real path of a directory on the default"
          + " file system, not " + directory);
    }
    return new ReadOnlyPath(new ReadOnlyFileSystem(directory), directory);
  }

  /** The host directory this view shows: the real path every read must stay under. */
  Path directory() {
    return directory;
  }

  @Override
  public FileSystemProvider provider() {
    return provider;
  }

  @Override
  public Path getPath(String first, String... more) {
    return new ReadOnlyPath(this, directory.getFileSystem().getPath(first, more));
  }

  @Override
  public boolean isReadOnly() {
    return true;
  }

  @Override
  public boolean isOpen() {
    return true;
  }

  @Override
  public String getSeparator() {
    return directory.getFileSystem().getSeparator();
  }

  @Override
  public Set<String> supportedFileAttributeViews() {
    return directory.getFileSystem().supportedFileAttributeViews();
  }

  @Override
  public void close() {
    throw unsupported("close (a view holds nothing to release)");
  }

  @Override
  public Iterable<Path> getRootDirectories() {
    throw unsupported("getRootDirectories");
  }

  @Override
  public Iterable<FileStore> getFileStores() {
    throw unsupported("getFileStores");
  }

  @Override
  public PathMatcher getPathMatcher(String syntaxAndPattern) {
    throw unsupported("getPathMatcher");
  }

  @Override
  public UserPrincipalLookupService getUserPrincipalLookupService() {
    throw unsupported("getUserPrincipalLookupService");
  }

  @Override
  public WatchService newWatchService() {
    throw unsupported("newWatchService");
  }

  static UnsupportedOperationException unsupported(String operation) {
    return new UnsupportedOperationException(operation + " is not supported by Isola's read-only view of a"
        + " granted directory (it serves what WASI preopened directories need)");
  }
}
