package dev.isola.internal.wasm;

/**
 * A guest's WASI {@code proc_exit}: ends the call's Wasm code with the exit status. It carries no
 * stack trace, since it is how every C program's {@code main} returns, not an error.
 */
final class GuestExit extends RuntimeException {
  private final int status;

  GuestExit(int status) {
    super(null, null, false, false);
    this.status = status;
  }

  @Override
  public String getMessage() {
    return "proc_exit(" + status + ")";
  }

  int status() {
    return status;
  }
}
