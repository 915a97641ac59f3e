package dev.isola.internal.capability.files;

import dev.isola.internal.capability.CallCapabilities;
import dev.isola.internal.capability.GuestError;
import dev.isola.internal.capability.RouteCapabilities;
import java.util.Optional;

/** Read-only files for one call, behind {@link CallCapabilities}: granted mounts only, regular files only. */
public final class FileGate {
  private FileGate() {}


  /**
   * The bytes of the file at {@code guestPath} under one of the route's read-only mounts, or empty
   * if there is no such regular file (a FIFO, socket or device reads as none: opening a FIFO would wait
   * for a writer past the deadline). A path outside every mount is a denial; one that would leave its mount
   * ({@code ..}, a symbolic link pointing out) is refused as a misuse.
   */
  public static Optional<byte[]> read(CallCapabilities call, String guestPath) {
    if (!guestPath.startsWith("/")) {
      throw new GuestError("file path " + CallCapabilities.cut(guestPath) + " must be absolute, e.g. \"/static/app.css\"");
    }
    String mount = null;
    for (String m : call.route().mounts().keySet()) {
      if ((guestPath.equals(m) || guestPath.startsWith(m.equals("/") ? "/" : m + "/"))
          && (mount == null || m.length() > mount.length())) {
        mount = m;
      }
    }
    if (mount == null) {
      String suggested = CallCapabilities.escaped(guestPath.indexOf('/', 1) > 0 ? guestPath.substring(0, guestPath.indexOf('/', 1))
          : guestPath);
      throw call.deny("reading files under " + CallCapabilities.cut(guestPath), "the handler read file " + CallCapabilities.cut(guestPath),
          "files = [\"DIRECTORY:" + suggested + "\"]", "Grants.files(Path.of(\"DIRECTORY\"), \"" + suggested + "\")");
    }
    if (call.audit() != null) {
      call.audit().file(mount);
    }
    String relative = guestPath.substring(mount.equals("/") ? 1 : Math.min(guestPath.length(), mount.length() + 1));
    for (String segment : relative.split("/", -1)) {
      if (segment.equals("..") || segment.equals(".") || segment.indexOf('\\') >= 0 || segment.indexOf('\0') >= 0
          || segment.isEmpty() && !relative.isEmpty()) {
        throw new GuestError("file path " + CallCapabilities.cut(guestPath) + " must not contain empty, '.' or '..' segments");
      }
    }
    java.nio.file.Path root = call.route().mounts().get(mount);
    java.nio.file.Path file;
    try {
      file = root.resolve(relative).normalize();
    } catch (java.nio.file.InvalidPathException e) {
      throw new GuestError("file path " + CallCapabilities.cut(guestPath) + " is not a valid path here");
    }
    try {
      if (!file.startsWith(root)) {
        return Optional.empty();
      }
      java.nio.file.Path real = file.toRealPath();
      if (!real.startsWith(root)) {
        throw new GuestError("file path " + CallCapabilities.cut(guestPath) + " leads out of its mount (a symbolic link)");
      }
      // Only regular files, checked on what is opened: a FIFO would wait for a writer past any deadline.
      java.nio.channels.FileChannel channel = RegularFiles.openIfRegular(real);
      if (channel == null) {
        return Optional.empty();
      }
      byte[] bytes;
      try (java.io.InputStream in = java.nio.channels.Channels.newInputStream(channel)) {
        bytes = in.readNBytes(RouteCapabilities.MAX_FILE_BYTES + 1); // bounded even if the file grows meanwhile
      }
      if (bytes.length > RouteCapabilities.MAX_FILE_BYTES) {
        throw new GuestError("file " + CallCapabilities.cut(guestPath) + " is larger than the " + RouteCapabilities.MAX_FILE_BYTES
            + " bytes a handler may read at once");
      }
      return Optional.of(bytes);
    } catch (java.nio.file.NoSuchFileException e) {
      return Optional.empty();
    } catch (java.io.IOException e) {
      throw new GuestError("file " + CallCapabilities.cut(guestPath) + " cannot be read");
    }
  }

  /**
   * The real path of a files grant's directory, checked at build.
   *
   * @throws HandlerLoadException if it is not an existing directory
   */
  public static java.nio.file.Path directory(String spec, dev.isola.internal.capability.BuiltInGrants.Files files) {
    try {
      java.nio.file.Path real = files.directory().toRealPath();
      if (java.nio.file.Files.isDirectory(real)) {
        return real;
      }
    } catch (java.io.IOException e) {
      // reported below
    }
    throw new dev.isola.HandlerLoadException("route \"" + spec + "\" is granted files from " + files.directory().toAbsolutePath()
        + ", which is not an existing directory: create it or fix the path");
  }
}
