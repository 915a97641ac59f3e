/**
 * The path of one call through an {@link dev.isola.Isola}, which is a facade over this package.
 * {@link dev.isola.internal.pipeline.Pipeline} lists the stages in order, each a {@code Stage} with
 * one job that hands the call's {@code Exchange} to the next: routing, observation, deadline,
 * admission, capability narrowing, answer shaping, the thread hop, diagnostics and the sandbox.
 * {@link dev.isola.internal.pipeline.IsolaRuntime} owns the threads, engines and sandbox preparer
 * the stages use; {@link dev.isola.internal.pipeline.Access} is how this module's own code reaches
 * what public classes keep out of their public API ({@link
 * dev.isola.internal.pipeline.TestHooks}). Internal: not exported, may change without notice.
 */
@NullMarked
package dev.isola.internal.pipeline;

import org.jspecify.annotations.NullMarked;
