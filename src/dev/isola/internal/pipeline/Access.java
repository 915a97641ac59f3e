package dev.isola.internal.pipeline;

import dev.isola.Isola;
import dev.isola.internal.engine.CallListener;
import dev.isola.metrics.IsolaMetrics;
import org.jspecify.annotations.Nullable;

/**
 * The way in for this module's own code to what public classes keep out of their public API: the
 * {@link TestHooks} of an {@link Isola.Builder} (used by {@code dev.isola.testing.IsolaExtension}) and the
 * listener factory inside an {@link IsolaMetrics}. Each public class registers its implementation in
 * its static initializer; this package is not exported, so code outside the module cannot reach
 * either.
 */
public final class Access {
  private Access() {}

  /** Finds the {@link TestHooks} of an {@link Isola.Builder}. */
  public interface BuilderHooks {
    TestHooks of(Isola.Builder builder);
  }

  /** Reads what an {@link IsolaMetrics} reports to. */
  public interface MetricsHooks {
    CallListener.Factory listeners(IsolaMetrics metrics);
  }

  private static volatile @Nullable BuilderHooks builderHooks;
  private static volatile @Nullable MetricsHooks metricsHooks;

  /** Called once, by {@link Isola.Builder}'s static initializer. */
  public static void registerBuilder(BuilderHooks hooks) {
    if (builderHooks != null) {
      throw new IllegalStateException("Isola.Builder's hooks are registered already");
    }
    builderHooks = hooks;
  }

  /** Called once, by {@link IsolaMetrics}' static initializer. */
  public static void registerMetrics(MetricsHooks hooks) {
    if (metricsHooks != null) {
      throw new IllegalStateException("IsolaMetrics' hooks are registered already");
    }
    metricsHooks = hooks;
  }

  /** The test hooks of {@code builder}. */
  public static TestHooks hooks(Isola.Builder builder) {
    BuilderHooks hooks = builderHooks;
    if (hooks == null) {
      initialize(Isola.Builder.class);
      hooks = builderHooks;
    }
    return java.util.Objects.requireNonNull(hooks, "Isola.Builder registered no hooks").of(builder);
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
