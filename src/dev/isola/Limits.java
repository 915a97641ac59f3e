package dev.isola;

import java.time.Duration;
import java.util.Objects;

/**
 * What one call may use. Every call runs under its route's limits; crossing one ends only that call
 * with a {@link LimitExceededException} naming the limit.
 *
 * <ul>
 *   <li>{@link #timeout()}: wall-clock time from the start of the call, default 10 s. A handler
 *       still running then is stopped (within about 5 ms).
 *   <li>{@link #memory()}: default 256 MiB. For JavaScript, the heap the call may <em>hold</em>:
 *       how much the heap in use after garbage collections grew while it ran, counting no more
 *       than the call allocated. Garbage does not count, so a handler that computes and drops what
 *       it makes runs until its timeout. A call is seen past its limit at the first young
 *       collection after it got there (large arrays within about 5 ms), so it gets past by up to
 *       what it adds until then, about one young generation (the README has measurements). Beside
 *       other calls, a call is stopped only once the growth is more than its limit plus what the
 *       calls that kept more of their allocation may hold within theirs, so keep the JVM's heap
 *       above the sum of the limits of the calls that may run at once. Whatever the limits, once
 *       the heap is 75% full after a collection, calls that grew it by half their limit (or by an
 *       eighth of the heap, if less) are stopped; and a call that allocates 256 times its limit is
 *       stopped. For WebAssembly, the cap on linear memory and tables.
 *   <li>{@link #maxRequestBody()}: default 8 MiB; a larger request is refused before it runs.
 *   <li>{@link #maxResponseBody()}: default 8 MiB; a larger answer is refused.
 *   <li>{@link #maxInFlight()}: calls of the route running at once, default unlimited ({@value
 *       #UNLIMITED}); past it a call is refused at once with {@link OverloadedException} (503)
 *   <li>{@link #maxLogLines()}: guest log lines kept per call, default 100; later ones are dropped
 *       and counted.
 * </ul>
 *
 * <pre>{@code
 * Limits limits = Limits.newBuilder()
 *     .timeout(Duration.ofSeconds(2))
 *     .memory(DataSize.ofMiB(32))
 *     .build();
 * }</pre>
 */
public final class Limits {
  private static final Limits DEFAULTS = new Builder().build();

  private final Duration timeout;
  private final DataSize memory;
  private final DataSize maxRequestBody;
  private final DataSize maxResponseBody;
  private final int maxLogLines;
  private final int maxInFlight;

  /** {@link #maxInFlight()} when no limit is set. */
  public static final int UNLIMITED = Integer.MAX_VALUE;

  private Limits(Builder b) {
    this.timeout = b.timeout;
    this.memory = b.memory;
    this.maxRequestBody = b.maxRequestBody;
    this.maxResponseBody = b.maxResponseBody;
    this.maxLogLines = b.maxLogLines;
    this.maxInFlight = b.maxInFlight;
  }

  /** The defaults listed above. */
  public static Limits defaults() {
    return DEFAULTS;
  }

  /** A builder starting from the defaults. */
  public static Builder newBuilder() {
    return new Builder();
  }

  /** A builder starting from these limits. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.timeout = timeout;
    b.memory = memory;
    b.maxRequestBody = maxRequestBody;
    b.maxResponseBody = maxResponseBody;
    b.maxLogLines = maxLogLines;
    b.maxInFlight = maxInFlight;
    return b;
  }

  public Duration timeout() {
    return timeout;
  }

  public DataSize memory() {
    return memory;
  }

  public DataSize maxRequestBody() {
    return maxRequestBody;
  }

  public DataSize maxResponseBody() {
    return maxResponseBody;
  }

  public int maxLogLines() {
    return maxLogLines;
  }

  /** How many calls of the route may run at once; {@link #UNLIMITED} by default. */
  public int maxInFlight() {
    return maxInFlight;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Limits l
        && timeout.equals(l.timeout)
        && memory.equals(l.memory)
        && maxRequestBody.equals(l.maxRequestBody)
        && maxResponseBody.equals(l.maxResponseBody)
        && maxLogLines == l.maxLogLines && maxInFlight == l.maxInFlight;
  }

  @Override
  public int hashCode() {
    return Objects.hash(timeout, memory, maxRequestBody, maxResponseBody, maxLogLines, maxInFlight);
  }

  @Override
  public String toString() {
    return "Limits{timeout=" + timeout + ", memory=" + memory + ", maxRequestBody=" + maxRequestBody
        + ", maxResponseBody=" + maxResponseBody + ", maxLogLines=" + maxLogLines
        + (maxInFlight == UNLIMITED ? "" : ", maxInFlight=" + maxInFlight) + "}";
  }

  /** Builds {@link Limits}; each setter checks its value. Not thread-safe. */
  public static final class Builder {
    private Duration timeout = Duration.ofSeconds(10);
    private DataSize memory = DataSize.ofMiB(256);
    private DataSize maxRequestBody = DataSize.ofMiB(8);
    private DataSize maxResponseBody = DataSize.ofMiB(8);
    private int maxLogLines = 100;
    private int maxInFlight = UNLIMITED;

    private Builder() {}

    /**
     * @throws IllegalArgumentException unless {@code 1 ms <= timeout <= 1 day}
     */
    public Builder timeout(Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.compareTo(Duration.ofMillis(1)) < 0 || timeout.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException(
            "timeout " + timeout + " is out of range: use between 1 ms and 1 day, e.g. Duration.ofSeconds(2)");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * @throws IllegalArgumentException if below 1 MiB (a JavaScript context alone needs about 150 KiB)
     */
    public Builder memory(DataSize memory) {
      Objects.requireNonNull(memory, "memory");
      if (memory.compareTo(DataSize.ofMiB(1)) < 0) {
        throw new IllegalArgumentException(
            "memory " + memory + " is too small: use at least 1MiB, e.g. DataSize.ofMiB(32)");
      }
      this.memory = memory;
      return this;
    }

    /**
     * @throws IllegalArgumentException if above 2 GiB (bodies are held in memory)
     */
    public Builder maxRequestBody(DataSize size) {
      this.maxRequestBody = checkBody("maxRequestBody", size);
      return this;
    }

    /**
     * @throws IllegalArgumentException if above 2 GiB (bodies are held in memory)
     */
    public Builder maxResponseBody(DataSize size) {
      this.maxResponseBody = checkBody("maxResponseBody", size);
      return this;
    }

    /**
     * @throws IllegalArgumentException if negative
     */
    public Builder maxLogLines(int lines) {
      if (lines < 0) {
        throw new IllegalArgumentException("maxLogLines " + lines + " must be 0 or more");
      }
      this.maxLogLines = lines;
      return this;
    }

    /**
     * The most calls of the route that may run at once; a call past it is refused at once with
     * {@link OverloadedException} (503 with {@code Retry-After}), never queued.
     *
     * @throws IllegalArgumentException if below 1
     */
    public Builder maxInFlight(int calls) {
      if (calls < 1) {
        throw new IllegalArgumentException("maxInFlight " + calls + " must be at least 1 (Limits.UNLIMITED for no limit)");
      }
      this.maxInFlight = calls;
      return this;
    }

    public Limits build() {
      return new Limits(this);
    }

    private static DataSize checkBody(String name, DataSize size) {
      Objects.requireNonNull(size, name);
      if (size.bytes() > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            name + " " + size + " is too large: bodies are held in memory, use at most 2GiB");
      }
      return size;
    }
  }
}
