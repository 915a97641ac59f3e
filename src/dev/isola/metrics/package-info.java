/**
 * Where an {@link dev.isola.Isola} reports its calls: {@link dev.isola.metrics.IsolaMetrics}, set
 * with {@link dev.isola.Isola.Builder#metrics(dev.isola.metrics.IsolaMetrics)}.
 */
@NullMarked
package dev.isola.metrics;

import org.jspecify.annotations.NullMarked;
