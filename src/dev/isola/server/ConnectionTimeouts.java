package dev.isola.server;

/**
 * The time bounds of a dev-server connection, so that no client holds one of its {@link
 * DevServer#MAX_CONNECTIONS} slots by sending or reading slowly.
 *
 * @param idleMillis how long one read may wait: for the next request on an idle connection, or for
 *     more of one
 * @param headMillis how long a request line and header section may take in all, from its first byte
 *     (a client sending a byte just before each read times out is stopped here)
 * @param bodyGraceMillis how long a body may take before {@code minBodyBytesPerSecond} applies
 * @param minBodyBytesPerSecond the slowest a body may arrive on average after the grace: a body of
 *     {@code n} bytes may take {@code bodyGraceMillis + n / minBodyBytesPerSecond} seconds
 * @param writeMillis how long one write of at most {@link TimedStreams#WRITE_PIECE} bytes may block
 *     on a client that does not read its answers
 */
record ConnectionTimeouts(int idleMillis, int headMillis, int bodyGraceMillis, int minBodyBytesPerSecond,
    int writeMillis) {
  /** 30 s for each, bodies at least 4 KiB/s on average after their first 30 s. */
  static final ConnectionTimeouts DEFAULT = new ConnectionTimeouts(30_000, 30_000, 30_000, 4096, 30_000);

  ConnectionTimeouts {
    if (idleMillis <= 0 || headMillis <= 0 || bodyGraceMillis <= 0 || minBodyBytesPerSecond <= 0 || writeMillis <= 0) {
      throw new IllegalArgumentException("connection timeouts must be positive");
    }
  }
}
