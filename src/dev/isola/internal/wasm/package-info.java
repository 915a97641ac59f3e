/**
 * WebAssembly handlers on Chicory: the WAGI and Extism plugin ABIs.
 *
 * <p>Internal: not exported, may change without notice.
 */
@NullMarked
package dev.isola.internal.wasm;

import org.jspecify.annotations.NullMarked;
