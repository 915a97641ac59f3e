package dev.isola.internal.capability.kv;

/**
 * A guest's {@code put} would have crossed its store's quota: bindings hand the message to the
 * guest as an error it can catch (Wasm: {@code -5}). The message names the store, the guest's key
 * and the limit, never the call's key prefix. If the call then fails, it fails with the {@link
 * dev.isola.kv.StoreQuotaExceededException} {@link CallCapabilities} kept (507).
 */
public final class StoreFullError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreFullError(String message) {
    super(message, null, false, false);
  }
}
