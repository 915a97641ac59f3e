// Node peer of CapabilityBenchmark.jsKvGets: a vm context whose handler awaits
// N gets of one key from an env.KV binding (an async get over a Map of bytes
// decoded to text, as a Workers-style KV answers), N = 0 and 1000. Prints both
// calls and the derived cost of one get, (t(1000) - t(0)) / 1000. The context is
// created once and reused: a fresh one per call (about 0.5 ms, and noisy) would
// drown a get of a fraction of a microsecond in the difference.
//
//   node jmh/peers/kv-get.mjs [--quick]
import vm from "node:vm";
import { measure } from "./measure.mjs";

const store = new Map([["bench", new TextEncoder().encode("a value of 24 bytes.....")]]);
const decoder = new TextDecoder();
const env = Object.freeze({
  KV: Object.freeze({
    async get(key) {
      const value = store.get(String(key));
      return value === undefined ? null : decoder.decode(value);
    },
  }),
});

// The same handler as CapabilityBenchmark.JS_KV_GETS, with the count passed in.
const script = new vm.Script(`
  globalThis.Response = class { constructor(b) { this.body = b; } };
  globalThis.handler = {
    async fetch(n, env, ctx) {
      let found = 0;
      for (let i = 0; i < n; i++) {
        if ((await env.KV.get("bench")) !== null) found++;
      }
      return new Response(found === n ? "ok" : "missing");
    }
  };`, { filename: "kv-gets.js" });

const context = vm.createContext({});
script.runInContext(context);
const call = async (n) => {
  const response = await context.handler.fetch(n, env, {});
  if (response.body !== "ok") throw new Error(`kv-gets answered ${response.body}`);
};

const zero = await measure("vm-kv-gets-0", () => call(0), { batch: 1000, batches: 100, warmUp: 20000, async: true });
const many = await measure("vm-kv-gets-1000", () => call(1000), { batch: 5, batches: 100, warmUp: 500, async: true });
console.log(`node-peer case=vm-kv-get median_us=${((many - zero) / 1000).toFixed(4)} derived=(gets-1000 - gets-0)/1000`);
