package dev.isola.internal.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import org.jspecify.annotations.Nullable;

/** Reads a request body up to a cap, never buffering more than the cap plus one byte. */
public final class CappedBody {
  private CappedBody() {}

  /**
   * The body, or {@code null} when it is larger than {@code max}: at once when {@code
   * declaredLength} (the {@code Content-Length}, or -1 when there is none) says so, else as soon as
   * byte {@code max + 1} arrives. Does not read past that byte.
   */
  public static byte @Nullable [] read(InputStream in, long declaredLength, long max) throws IOException {
    if (declaredLength > max) {
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Math.max(declaredLength, 0), 64 * 1024));
    byte[] chunk = new byte[8192];
    long total = 0;
    while (true) {
      int want = (int) Math.min(chunk.length, max + 1 - total);
      int n = in.read(chunk, 0, want);
      if (n < 0) {
        return out.toByteArray();
      }
      out.write(chunk, 0, n);
      total += n;
      if (total > max) {
        return null;
      }
    }
  }
}
