package dev.isola.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A connection's socket streams with deadlines: a socket's own read timeout bounds each read, not a
 * head or body that arrives a byte just before every timeout, and a blocking write has no timeout at
 * all. {@link Input} adds a deadline over many reads; {@link Output} closes the socket when one write
 * blocks too long on a client that does not read.
 */
final class TimedStreams {
  /** The most bytes one guarded write hands the socket: a large answer is given time per piece. */
  static final int WRITE_PIECE = 64 * 1024;

  private TimedStreams() {}

  /**
   * The socket's input, read under the current phase's bound: none beyond the per-read timeout
   * (idle), a fixed deadline (a head from its first byte, the drain after an answer), or a minimum
   * average rate after a grace (a body).
   */
  static final class Input extends InputStream {
    private final Socket socket;
    private final InputStream raw;
    private final int readMillis;
    private String phase = "the connection";
    private long deadline; // System.nanoTime(); meaningful when bounded
    private boolean bounded;
    private int armMillis = -1; // the head's bound, started by its first byte
    private boolean rated;
    private long rateStart;
    private long rateBytes;
    private long graceNanos;
    private long bytesPerSecond;
    /** When the wait for a head's first byte began; 0 when not waiting for one. Read by the accept thread. */
    private volatile long idleSince;

    Input(Socket socket, int readMillis) throws IOException {
      this.socket = socket;
      this.raw = socket.getInputStream();
      this.readMillis = readMillis;
    }

    /**
     * A request head is next: it must arrive within {@code millis} of its first byte ({@code
     * started}: that byte has arrived already, e.g. pipelined behind the previous request).
     */
    void head(int millis, boolean started) {
      reset("the request head");
      if (started) {
        bounded = true;
        deadline = System.nanoTime() + millis * 1_000_000L;
      } else {
        armMillis = millis;
        idleSince = System.nanoTime() | 1; // never 0
      }
    }

    /** When the connection began to wait for the next request's first byte ({@link System#nanoTime()}), or 0. */
    long idleSince() {
      return idleSince;
    }

    /** Whether some of the head expected by {@link #head} has arrived. */
    boolean headStarted() {
      return bounded;
    }

    /** A body is next: after {@code graceMillis} it must have come at {@code bytesPerSecond} on average. */
    void body(int graceMillis, int bytesPerSecond) {
      reset("the request body");
      rated = true;
      rateStart = System.nanoTime();
      rateBytes = 0;
      graceNanos = graceMillis * 1_000_000L;
      this.bytesPerSecond = bytesPerSecond;
    }

    /** What follows is read until {@code millis} from now at the latest. */
    void within(int millis, String what) {
      reset(what);
      bounded = true;
      deadline = System.nanoTime() + millis * 1_000_000L;
    }

    private void reset(String what) {
      phase = what;
      bounded = false;
      armMillis = -1;
      rated = false;
      idleSince = 0;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      int wait = readMillis;
      if (bounded || rated) {
        long end = rated ? rateStart + graceNanos + rateBytes * 1_000_000_000L / bytesPerSecond : deadline;
        long left = end - System.nanoTime();
        if (left <= 0) {
          throw new SocketTimeoutException(phase + " took too long");
        }
        wait = (int) Math.min(readMillis, Math.max(1, (left + 999_999) / 1_000_000));
      }
      socket.setSoTimeout(wait);
      int n = raw.read(b, off, len);
      if (n > 0) {
        if (armMillis >= 0) {
          bounded = true;
          deadline = System.nanoTime() + armMillis * 1_000_000L;
          armMillis = -1;
          idleSince = 0;
        }
        rateBytes += n;
      }
      return n;
    }

    @Override
    public int available() throws IOException {
      return raw.available();
    }
  }

  /**
   * The socket's output; a write that blocks longer than {@code writeMillis} (the client reads
   * nothing and the buffers are full) closes the socket, which ends the write with an exception.
   */
  static final class Output extends OutputStream {
    private final Socket socket;
    private final OutputStream raw;
    private final ScheduledExecutorService watchdog;
    private final int writeMillis;
    private volatile boolean timedOut;

    Output(Socket socket, ScheduledExecutorService watchdog, int writeMillis) throws IOException {
      this.socket = socket;
      this.raw = socket.getOutputStream();
      this.watchdog = watchdog;
      this.writeMillis = writeMillis;
    }

    @Override
    public void write(int b) throws IOException {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      for (int done = 0; done < len; ) {
        int piece = Math.min(WRITE_PIECE, len - done);
        ScheduledFuture<?> abort = null;
        try {
          abort = watchdog.schedule(this::abort, writeMillis, TimeUnit.MILLISECONDS);
        } catch (RejectedExecutionException e) {
          // the server is closing: it closes every socket itself
        }
        try {
          raw.write(b, off + done, piece);
        } catch (IOException e) {
          if (timedOut) {
            throw new SocketTimeoutException("the client read nothing of the answer for " + writeMillis + " ms");
          }
          throw e;
        } finally {
          if (abort != null) {
            abort.cancel(false);
          }
        }
        done += piece;
      }
    }

    private void abort() {
      timedOut = true;
      try {
        socket.close();
      } catch (IOException e) {
        // closed anyway
      }
    }

    @Override
    public void flush() throws IOException {
      raw.flush();
    }
  }
}
