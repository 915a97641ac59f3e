// Node peer of WasmCallBenchmark.isolaWagi: wagi-hello.wasm (a C WAGI program,
// compiled to a WebAssembly.Module once) run with a fresh node:wasi WASI and a
// fresh instance per call, with the CGI variables of a GET in its environment,
// stdin empty and stdout captured to a temporary file. The file descriptor is
// opened once and the output is read back only before timing (to check it), so
// Node pays less per call for its output than Isola, which buffers and parses it.
//
//   node jmh/peers/wagi-wasi.mjs [--quick]
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WASI } from "node:wasi";
import { fixture, measure } from "./measure.mjs";

const module = new WebAssembly.Module(readFileSync(fixture("wagi-hello.wasm")));
const dir = mkdtempSync(join(tmpdir(), "isola-wagi-peer-"));
const outFile = join(dir, "stdout");
const stdout = openSync(outFile, "w+");
const stdin = openSync("/dev/null", "r");
const env = {
  GATEWAY_INTERFACE: "CGI/1.1", REQUEST_METHOD: "GET", PATH_INFO: "/wagi", SCRIPT_NAME: "",
  QUERY_STRING: "", SERVER_PROTOCOL: "HTTP/1.1", SERVER_NAME: "localhost", SERVER_PORT: "80",
  CONTENT_LENGTH: "0",
};

function call() {
  const wasi = new WASI({ version: "preview1", args: ["wagi-hello.wasm"], env, stdin, stdout, stderr: stdout, returnOnExit: true });
  const instance = new WebAssembly.Instance(module, wasi.getImportObject());
  const code = wasi.start(instance);
  if (code !== 0) throw new Error(`wagi-hello exited with ${code}`);
}

try {
  call();
  const out = readFileSync(outFile, "utf8");
  if (!out.includes("hello from wagi")) throw new Error(`wagi-hello wrote ${JSON.stringify(out)}`);
  // Kept to about 2000 calls: Node 20 has crashed (SIGSEGV) in node:wasi after several thousand WASI
  // instances in one process on this machine.
  await measure("wagi-wasi", call, { batch: 20, batches: 60, warmUp: 600 });
} finally {
  closeSync(stdout);
  closeSync(stdin);
  rmSync(dir, { recursive: true, force: true });
}
