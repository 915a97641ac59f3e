package dev.isola.kv;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that stands still until a test moves it. */
public final class TestClock extends Clock {
  private final AtomicLong millis;

  /** A clock at a fixed instant in November 2023. */
  public TestClock() {
    this(1_700_000_000_000L);
  }

  /** A clock at {@code epochMillis}. */
  public TestClock(long epochMillis) {
    millis = new AtomicLong(epochMillis);
  }

  /** Moves the clock forward by {@code by}. */
  public void advance(Duration by) {
    millis.addAndGet(by.toMillis());
  }

  /** Sets the clock to {@code epochMillis}. */
  public void set(long epochMillis) {
    millis.set(epochMillis);
  }

  @Override
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }
}
