/**
 * How an {@link dev.isola.Isola} runs: {@link dev.isola.internal.pipeline.Access} is how this
 * module's own code reaches what public classes keep out of their public API. Internal: not
 * exported, may change without notice.
 */
@NullMarked
package dev.isola.internal.pipeline;

import org.jspecify.annotations.NullMarked;
