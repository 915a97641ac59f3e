package dev.isola.internal.engine;

import dev.isola.Response;

/**
 * A handler parsed and checked once at build time, shared by all calls. Each {@link #call} runs in a
 * new sandbox that is discarded when the call returns.
 */
public interface PreparedHandler {
  /**
   * Runs one call in a fresh sandbox, on the current platform thread.
   *
   * @throws dev.isola.IsolaException for every failure of the guest or a limit
   */
  Response call(Call call);
}
