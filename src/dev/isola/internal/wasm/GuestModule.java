package dev.isola.internal.wasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.function.Function;

/**
 * A module parsed, checked and compiled once, shared by every call of its route.
 *
 * @param memory the memory each instance gets (the maximum capped by the route's limit), or null if
 *     the module has no memory
 * @param moduleMaxPages the maximum the module itself declares
 */
record GuestModule(String route, String name, WasmModule module, Function<Instance, Machine> machine,
    MemoryLimits memory) {

  int moduleMaxPages() {
    return module.memorySection().get().getMemory(0).limits().maximumPages();
  }
}
