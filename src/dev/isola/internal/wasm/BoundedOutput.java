package dev.isola.internal.wasm;

import java.io.OutputStream;
import java.util.Arrays;
import java.util.function.Supplier;

/**
 * A guest's output stream in memory, up to a cap: the write that would cross it throws the
 * exception {@code overflow} supplies, which ends the call (WASI passes it through, unlike an
 * IOException, which the guest would see as an error code and could ignore while it loops on).
 */
final class BoundedOutput extends OutputStream {
  private final long cap;
  private final Supplier<? extends RuntimeException> overflow;
  private byte[] bytes = new byte[256];
  private int size;

  BoundedOutput(long cap, Supplier<? extends RuntimeException> overflow) {
    this.cap = Math.min(cap, Integer.MAX_VALUE - 16);
    this.overflow = overflow;
  }

  @Override
  public void write(int b) {
    ensure(1);
    bytes[size++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    ensure(len);
    System.arraycopy(b, off, bytes, size, len);
    size += len;
  }

  private void ensure(int more) {
    long needed = (long) size + more;
    if (needed > cap) {
      throw overflow.get();
    }
    if (needed > bytes.length) {
      bytes = Arrays.copyOf(bytes, (int) Math.min(cap, Math.max(needed, 2L * bytes.length)));
    }
  }

  /** The bytes written so far; the array may be longer than {@link #size()}. */
  byte[] buffer() {
    return bytes;
  }

  int size() {
    return size;
  }
}
