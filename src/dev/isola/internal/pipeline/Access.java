package dev.isola.internal.pipeline;

import dev.isola.Isola;
import dev.isola.internal.capability.HttpTransport;
import dev.isola.internal.engine.CallListener;
import dev.isola.internal.engine.GuestLog;
import dev.isola.metrics.IsolaMetrics;
import java.time.Clock;
import org.jspecify.annotations.Nullable;

/**
 * The way in for this module's own code to what public classes keep out of their public API: the
 * test hooks of {@link Isola.Builder} (used by {@code dev.isola.testing.IsolaExtension}) and the
 * listener factory inside an {@link IsolaMetrics}. Each public class registers its implementation in
 * its static initializer; this package is not exported, so code outside the module cannot reach
 * either.
 */
public final class Access {
  private Access() {}

  /** What {@code dev.isola.testing} sets on an {@link Isola.Builder} that applications cannot. */
  public interface BuilderHooks {
    /**
     * Replaces the network exchange of outbound HTTP (with stubs). Only the exchange is replaced;
     * allow-lists, the call's narrowing, the secret headers the host adds and redirect checks stay.
     * The built {@code Isola} closes the transport.
     */
    void outboundTransport(Isola.Builder builder, HttpTransport transport);

    /** Where guest log lines also go (they still go to SLF4J as well). */
    void guestLogSink(Isola.Builder builder, GuestLog.Sink sink);

    /** The time guests see (JavaScript's {@code Date}, WASI's clock), for repeatable tests. */
    void guestClock(Isola.Builder builder, Clock clock);
  }

  /** Reads what an {@link IsolaMetrics} reports to. */
  public interface MetricsHooks {
    CallListener.Factory listeners(IsolaMetrics metrics);
  }

  private static volatile @Nullable BuilderHooks builderHooks;
  private static volatile @Nullable MetricsHooks metricsHooks;

  /** Called once, by {@link Isola.Builder}'s static initializer. */
  public static void register(BuilderHooks hooks) {
    if (builderHooks != null) {
      throw new IllegalStateException("Isola.Builder's hooks are registered already");
    }
    builderHooks = hooks;
  }

  /** Called once, by {@link IsolaMetrics}' static initializer. */
  public static void register(MetricsHooks hooks) {
    if (metricsHooks != null) {
      throw new IllegalStateException("IsolaMetrics' hooks are registered already");
    }
    metricsHooks = hooks;
  }

  /** The test hooks of {@link Isola.Builder}. */
  public static BuilderHooks builder() {
    BuilderHooks hooks = builderHooks;
    if (hooks == null) {
      initialize(Isola.Builder.class);
      hooks = builderHooks;
    }
    return java.util.Objects.requireNonNull(hooks, "Isola.Builder registered no hooks");
  }

  /** The listener factory of an {@link IsolaMetrics}. */
  public static MetricsHooks metrics() {
    MetricsHooks hooks = metricsHooks;
    if (hooks == null) {
      initialize(IsolaMetrics.class);
      hooks = metricsHooks;
    }
    return java.util.Objects.requireNonNull(hooks, "IsolaMetrics registered no hooks");
  }

  private static void initialize(Class<?> type) {
    try {
      Class.forName(type.getName(), true, type.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }
}
