/**
 * Call metrics on Micrometer, reached only through {@code dev.isola.metrics.IsolaMetrics}, so Micrometer
 * (an optional dependency) is loaded only by applications that ask for it. Not exported.
 */
@NullMarked
package dev.isola.internal.metrics;

import org.jspecify.annotations.NullMarked;
