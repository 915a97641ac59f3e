package dev.isola.internal.engine;

/**
 * What an engine supplies to {@link SandboxRunner}: how its sandboxes are built, bound to a call and
 * run, and discarded. The runner decides which sandbox a call gets (a ready one or a fresh one),
 * under which guard it runs, when it is discarded, and what every failure becomes.
 *
 * @param <S> the engine's sandbox (a JavaScript context with the module loaded, a Wasm instance)
 * @param <C> what the engine knows of one call (the {@link Call} itself, or the engine's own record
 *     of it)
 * @param <R> what running a call computes
 */
public interface SandboxFactory<S, C, R> {
  /**
   * Builds a fresh sandbox for {@code call}, in the call, when no ready one was there. It runs no
   * guest code the call's guard does not watch: what the guest runs to get ready (a module's top
   * level) belongs in {@link #run} when {@code fresh} is true.
   */
  S build(C call);

  /**
   * Binds {@code sandbox} to {@code call} (the request, capabilities, log and clock reach it only now)
   * and runs the guest, under {@code guard}. A failure is thrown as the engine sees it; the runner
   * maps it with the engine's {@link FailureClassifier}.
   *
   * @param fresh true if {@link #build} made the sandbox in this call, false if it was built ahead
   */
  R run(S sandbox, boolean fresh, C call, Watchdog.Guard guard);

  /** Discards a sandbox after its call, or one no call will use; never throws. */
  void discard(S sandbox);
}
