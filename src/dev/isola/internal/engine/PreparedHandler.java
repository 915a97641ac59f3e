package dev.isola.internal.engine;

import dev.isola.Response;

/**
 * A handler parsed and checked once at build time, shared by all calls. Each {@link #call} runs in a
 * new sandbox that is discarded when the call returns.
 */
public interface PreparedHandler {
  /**
   * Runs one call in a fresh sandbox, on the current platform thread or (see {@link
   * #runsOnOwnThreads()}) on one of the handler's own.
   *
   * @throws dev.isola.IsolaException for every failure of the guest or a limit
   */
  Response call(Call call);

  /**
   * Whether {@link #call} runs the guest on threads of its own and only waits on the calling
   * thread (which may then be virtual); otherwise the guest runs on the calling platform thread.
   */
  default boolean runsOnOwnThreads() {
    return false;
  }
}
