package dev.isola.internal.pipeline;

import dev.isola.internal.capability.http.HttpTransport;
import dev.isola.internal.engine.GuestLog;
import java.time.Clock;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What {@code dev.isola.testing.IsolaExtension} sets on an {@code Isola.Builder} and applications
 * cannot: each builder holds one, reached through {@link Access#hooks}.
 */
public final class TestHooks {
  private @Nullable HttpTransport outboundTransport;
  private GuestLog.Sink guestLogSink = GuestLog.Sink.NONE;
  private @Nullable Clock guestClock;

  /**
   * Replaces the network exchange of outbound HTTP (with stubs). Only the exchange is replaced;
   * allow-lists, the call's narrowing, the secret headers the host adds and redirect checks stay.
   * The built {@code Isola} closes the transport.
   */
  public TestHooks outboundTransport(HttpTransport transport) {
    this.outboundTransport = Objects.requireNonNull(transport, "transport");
    return this;
  }

  /** Where guest log lines also go (they still go to SLF4J as well). */
  public TestHooks guestLogSink(GuestLog.Sink sink) {
    this.guestLogSink = Objects.requireNonNull(sink, "sink");
    return this;
  }

  /** The time guests see (JavaScript's {@code Date}, WASI's clock), for repeatable tests. */
  public TestHooks guestClock(Clock clock) {
    this.guestClock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** The transport set, or null for the network. */
  public @Nullable HttpTransport outboundTransport() {
    return outboundTransport;
  }

  /** The sink set; {@link GuestLog.Sink#NONE} if none. */
  public GuestLog.Sink guestLogSink() {
    return guestLogSink;
  }

  /** The clock set, or null for the real time. */
  public @Nullable Clock guestClock() {
    return guestClock;
  }
}
