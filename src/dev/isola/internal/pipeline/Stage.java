package dev.isola.internal.pipeline;

import dev.isola.Response;

/**
 * One step of the {@link Pipeline} with one job: it looks at or fixes part of the {@link Exchange},
 * hands it to the {@linkplain #next next} stage (or answers or throws itself), and may look at what
 * comes back. Stages are made once per {@code Isola} and shared by all its calls, so they hold no
 * per-call state. Each stage calls {@code next.handle} itself, so every call site sees one receiver
 * type and the JIT can inline the whole chain.
 */
abstract class Stage {
  /** Set once by {@link Pipeline}; null only for the last stage. */
  Stage next;

  /** This stage's job for one call. */
  abstract Response handle(Exchange exchange);
}
