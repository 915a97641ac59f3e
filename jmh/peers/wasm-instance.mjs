// Node peer of WasmCallBenchmark.isolaPage / isolaData64k: a new
// WebAssembly.Instance per call of bench-page.wasm and bench-data64k.wasm
// (each compiled to a WebAssembly.Module once), calling the plugin's handle().
// The Extism host functions it imports (alloc, store_u8, output_set) are JS
// stubs over a small per-call buffer, created per call like the instance.
//
//   node jmh/peers/wasm-instance.mjs [--quick]
import { readFileSync } from "node:fs";
import { fixture, measure } from "./measure.mjs";

function extismStubs() {
  const memory = new Uint8Array(256);
  let top = 8n; // 0 means "no block" in Extism
  const state = { output: null };
  const env = {
    alloc(n) {
      if (top + n > BigInt(memory.length)) return 0n;
      const offset = top;
      top += n;
      return offset;
    },
    store_u8(offset, byte) { memory[Number(offset)] = byte; },
    output_set(offset, n) { state.output = memory.subarray(Number(offset), Number(offset + n)); },
  };
  return { imports: { "extism:host/env": env }, state };
}

function call(module) {
  const { imports, state } = extismStubs();
  const instance = new WebAssembly.Instance(module, imports);
  if (instance.exports.handle() !== 0) throw new Error("handle() failed");
  return state.output;
}

for (const [name, file] of [["wasm-instance-page", "bench-page.wasm"], ["wasm-instance-data64k", "bench-data64k.wasm"]]) {
  const module = new WebAssembly.Module(readFileSync(fixture(file)));
  const out = new TextDecoder().decode(call(module));
  if (out !== "ok") throw new Error(`${file} answered ${JSON.stringify(out)}`);
  await measure(name, () => call(module), { batch: 200, batches: 200, warmUp: 20000 });
}
