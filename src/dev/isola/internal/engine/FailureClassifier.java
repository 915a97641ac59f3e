package dev.isola.internal.engine;

/**
 * What an engine supplies to {@link SandboxRunner} besides its {@link SandboxFactory}: what kind of
 * failure an exception of its engine is. The runner turns the kind into Isola's exception and its
 * message; the classifier only recognises.
 *
 * @param <C> what the engine knows of one call, as in its factory
 */
@FunctionalInterface
public interface FailureClassifier<C> {
  /**
   * What {@code failure}, thrown while {@code call} ran and not caused by its guard (the runner
   * checks the guard first), is.
   */
  Failure classify(Throwable failure, C call);
}
