package dev.isola.internal.wasm;

import com.dylibso.chicory.runtime.Instance;
import com.dylibso.chicory.runtime.Machine;
import com.dylibso.chicory.wasm.WasmModule;
import com.dylibso.chicory.wasm.types.MemoryLimits;
import java.util.function.Function;

/**
 * A module parsed, checked and compiled once, shared by every call of its route. Nothing here changes
 * after build: each instance gets its own memory and its own copies of the tables (Chicory would
 * otherwise grow the module's shared table limits in place).
 *
 * @param interpreted whether some functions run in Chicory's interpreter (too large to compile)
 * @param memory the memory each instance gets (the maximum capped by the route's limit), or null if
 *     the module has no memory
 * @param tableEntries the most entries each table may hold (0 if the module has no table)
 * @param extensions the application capabilities of the Isola, offered as host functions
 */
record GuestModule(String route, String name, WasmModule module, Function<Instance, Machine> machine,
    boolean interpreted, MemoryLimits memory, long tableEntries,
    dev.isola.internal.capability.Extensions extensions) {

  GuestModule(String route, String name, WasmModule module, Function<Instance, Machine> machine,
      boolean interpreted, MemoryLimits memory, long tableEntries) {
    this(route, name, module, machine, interpreted, memory, tableEntries, dev.isola.internal.capability.Extensions.NONE);
  }

  /** The maximum the module itself declares for its memory. */
  int moduleMaxPages() {
    return module.memorySection().get().getMemory(0).limits().maximumPages();
  }

  /** The file name alone, as the guest may see it (as {@code argv[0]}): never the host's path. */
  String programName() {
    int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
    return name.substring(slash + 1);
  }
}
