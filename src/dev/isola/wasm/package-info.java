/**
 * WebAssembly specifics of the public API: {@link dev.isola.wasm.WasmAbi}, how a WebAssembly
 * handler ({@link dev.isola.Handler#wasm(java.nio.file.Path)}) talks to its host.
 */
@NullMarked
package dev.isola.wasm;

import org.jspecify.annotations.NullMarked;
