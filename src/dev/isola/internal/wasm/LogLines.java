package dev.isola.internal.wasm;

import dev.isola.internal.engine.GuestLog;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * A guest's stderr (or stdout, for Extism plugins) as log lines: each {@code \n}-terminated line,
 * decoded as UTF-8, is one {@link GuestLog} line at {@code level}. A line longer than the log's line
 * limit is passed on in pieces; {@link #close()} passes on an unterminated last line.
 */
final class LogLines extends OutputStream {
  private static final int MAX_LINE_BYTES = GuestLog.MAX_LINE_CHARS * 4;

  private final GuestLog log;
  private final String level;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();

  LogLines(GuestLog log, String level) {
    this.log = log;
    this.level = level;
  }

  @Override
  public void write(int b) {
    if (b == '\n') {
      emit();
      return;
    }
    line.write(b);
    if (line.size() >= MAX_LINE_BYTES) {
      emit();
    }
  }

  @Override
  public void write(byte[] b, int off, int len) {
    java.util.Objects.checkFromIndexSize(off, len, b.length);
    for (int i = off; i < off + len; i++) {
      write(b[i]);
    }
  }

  private void emit() {
    int end = line.size();
    byte[] bytes = line.toByteArray();
    if (end > 0 && bytes[end - 1] == '\r') {
      end--;
    }
    log.line(level, new String(bytes, 0, end, StandardCharsets.UTF_8));
    line.reset();
  }

  @Override
  public void close() {
    if (line.size() > 0) {
      emit();
    }
  }
}
