package dev.isola.internal.wasm;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stops a running Wasm call by interrupting its thread (Chicory's compiled code checks the interrupt
 * flag at loop back-edges and calls; for functions left to the interpreter, Isola checks it at every
 * instruction), and makes sure the interrupt never
 * outlives the call: {@link #finish()} waits for an interrupt in flight and clears the flag it set,
 * so the thread goes back to its caller or pool as it came. Made on the call's thread; {@code
 * WasmHandler} extends it with the call's own record.
 */
class CallInterrupter implements Runnable {
  private static final int RUNNING = 0;
  private static final int INTERRUPTING = 1;
  private static final int INTERRUPTED = 2;
  private static final int FINISHED = 3;

  private final Thread thread = Thread.currentThread();
  private final AtomicInteger state = new AtomicInteger(RUNNING);

  /** Called once by the watchdog's canceller thread when a limit trips. */
  @Override
  public final void run() {
    if (state.compareAndSet(RUNNING, INTERRUPTING)) {
      thread.interrupt();
      state.set(INTERRUPTED);
    }
  }

  /** Called by the call's own thread when the guest returned or failed; idempotent. */
  final void finish() {
    if (state.compareAndSet(RUNNING, FINISHED)) {
      return;
    }
    while (state.get() == INTERRUPTING) {
      Thread.onSpinWait();
    }
    if (state.getAndSet(FINISHED) == INTERRUPTED) {
      Thread.interrupted();
    }
  }
}
