// Timing shared by the Node peers: run a call many times after a warm-up and
// print one machine-readable line with the median time per call:
//
//   node-peer case=<name> median_us=<µs per call> p10_us=.. p90_us=.. batches=<n> batch=<calls>
//
// Calls are timed in batches (process.hrtime.bigint around `batch` calls) so the
// clock's own cost stays small next to a call of a few microseconds; the median
// is over the batches' per-call times. A synchronous call is not awaited, which
// would add a microtask turn to every call; an async one is.

export const quick = process.argv.includes("--quick");

export async function measure(name, call, { batch, batches, warmUp, async = false }) {
  if (quick) {
    batches = Math.max(5, Math.ceil(batches / 10));
    warmUp = Math.ceil(warmUp / 10);
  }
  const run = async
    ? async (n) => { for (let i = 0; i < n; i++) await call(); }
    : async (n) => { for (let i = 0; i < n; i++) call(); };
  await run(warmUp);
  const perCall = [];
  for (let b = 0; b < batches; b++) {
    const start = process.hrtime.bigint();
    await run(batch);
    perCall.push(Number(process.hrtime.bigint() - start) / 1000 / batch);
  }
  perCall.sort((x, y) => x - y);
  const at = (q) => perCall[Math.min(perCall.length - 1, Math.floor(q * perCall.length))];
  const fmt = (v) => v.toFixed(3);
  console.log(`node-peer case=${name} median_us=${fmt(at(0.5))} p10_us=${fmt(at(0.1))} p90_us=${fmt(at(0.9))} batches=${batches} batch=${batch}`);
  return at(0.5);
}

/** A Wasm fixture of the project, by file name. */
export const fixture = (name) => new URL(`../../src-test/wasm/${name}`, import.meta.url);
