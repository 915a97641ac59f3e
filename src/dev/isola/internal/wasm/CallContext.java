package dev.isola.internal.wasm;

import dev.isola.internal.capability.CallCapabilities;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What one call's host functions work on, put in its instance's slot ({@link LinearMemory#bind})
 * when the call starts: the module's imports, made once per module, find it there. Used by one
 * call, on one thread.
 */
final class CallContext implements AutoCloseable {
  private final @Nullable ExtismKernel kernel;
  private final IsolaHost.Binding host;
  private final Supplier<WasiCall> wasiFactory;
  private @Nullable WasiCall wasi;

  /**
   * @param kernel the Extism kernel of the call, null for WAGI
   * @param wasi makes the call's WASI, on its first WASI function
   */
  CallContext(@Nullable ExtismKernel kernel, CallCapabilities capabilities, Supplier<WasiCall> wasi) {
    this.kernel = kernel;
    this.host = new IsolaHost.Binding(capabilities);
    this.wasiFactory = wasi;
  }

  ExtismKernel kernel() {
    if (kernel == null) {
      throw new IllegalStateException("a WAGI call has no Extism kernel");
    }
    return kernel;
  }

  IsolaHost.Binding host() {
    return host;
  }

  /** The call's WASI, made on the first WASI function the guest calls. */
  WasiCall wasi() {
    if (wasi == null) {
      wasi = wasiFactory.get();
    }
    return wasi;
  }

  @Override
  public void close() {
    if (wasi != null) {
      wasi.close();
    }
  }
}
