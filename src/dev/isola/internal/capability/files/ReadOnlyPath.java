package dev.isola.internal.capability.files;

import java.net.URI;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.ProviderMismatchException;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import org.jspecify.annotations.Nullable;

/**
 * A path of a {@link ReadOnlyFileSystem}: a path of the default file system ({@code host}) that
 * belongs to the view, so that {@code Files} sends every operation on it to {@link
 * ReadOnlyProvider}. Lexical operations (resolve, normalize, names) are the host path's; nothing here
 * touches the disk. Relative paths mean the same as under the view's directory.
 */
final class ReadOnlyPath implements Path {
  private final ReadOnlyFileSystem fileSystem;
  private final Path host;

  ReadOnlyPath(ReadOnlyFileSystem fileSystem, Path host) {
    this.fileSystem = fileSystem;
    this.host = host;
  }

  /** The host path this stands for, absolute (relative paths are taken under the view's directory). */
  Path host() {
    return fileSystem.directory().resolve(host);
  }

  private ReadOnlyPath wrap(Path path) {
    return new ReadOnlyPath(fileSystem, path);
  }

  private @Nullable ReadOnlyPath wrapNullable(@Nullable Path path) {
    return path == null ? null : wrap(path);
  }

  private Path unwrap(Path other) {
    if (other instanceof ReadOnlyPath path && path.fileSystem == fileSystem) {
      return path.host;
    }
    throw new ProviderMismatchException("not a path of the same read-only view: " + other);
  }

  @Override
  public ReadOnlyFileSystem getFileSystem() {
    return fileSystem;
  }

  @Override
  public boolean isAbsolute() {
    return host.isAbsolute();
  }

  @Override
  public @Nullable Path getRoot() {
    return wrapNullable(host.getRoot());
  }

  @Override
  public @Nullable Path getFileName() {
    return wrapNullable(host.getFileName());
  }

  @Override
  public @Nullable Path getParent() {
    return wrapNullable(host.getParent());
  }

  @Override
  public int getNameCount() {
    return host.getNameCount();
  }

  @Override
  public Path getName(int index) {
    return wrap(host.getName(index));
  }

  @Override
  public Path subpath(int beginIndex, int endIndex) {
    return wrap(host.subpath(beginIndex, endIndex));
  }

  @Override
  public boolean startsWith(Path other) {
    return other instanceof ReadOnlyPath path && path.fileSystem == fileSystem && host.startsWith(path.host);
  }

  @Override
  public boolean endsWith(Path other) {
    return other instanceof ReadOnlyPath path && path.fileSystem == fileSystem && host.endsWith(path.host);
  }

  @Override
  public Path normalize() {
    return wrap(host.normalize());
  }

  @Override
  public Path resolve(Path other) {
    return wrap(host.resolve(unwrap(other)));
  }

  @Override
  public Path resolve(String other) {
    return wrap(host.resolve(other));
  }

  @Override
  public Path relativize(Path other) {
    return wrap(host.relativize(unwrap(other)));
  }

  @Override
  public URI toUri() {
    throw ReadOnlyFileSystem.unsupported("Path.toUri");
  }

  @Override
  public Path toAbsolutePath() {
    throw ReadOnlyFileSystem.unsupported("Path.toAbsolutePath");
  }

  @Override
  public Path toRealPath(LinkOption... options) {
    throw ReadOnlyFileSystem.unsupported("Path.toRealPath");
  }

  @Override
  public WatchKey register(WatchService watcher, WatchEvent.Kind<?>[] events, WatchEvent.Modifier... modifiers) {
    throw ReadOnlyFileSystem.unsupported("Path.register");
  }

  @Override
  public int compareTo(Path other) {
    return host.compareTo(unwrap(other));
  }

  @Override
  public boolean equals(@Nullable Object other) {
    return other instanceof ReadOnlyPath path && path.fileSystem == fileSystem && path.host.equals(host);
  }

  @Override
  public int hashCode() {
    return host.hashCode();
  }

  @Override
  public String toString() {
    return host.toString();
  }
}
