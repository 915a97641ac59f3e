// Node peer of JsCallBenchmark.isolaHandle: vm.createContext per call, then the
// handler's module code run in it and its fetch() called and awaited. The
// handlers (trivial, work) are read from JsHandlers.java, so both sides run the
// same code; `export default` becomes an assignment to a global (vm scripts are
// not modules), and, as for the raw GraalJS peer, a minimal Response class is
// defined first. The script is compiled once (vm.Script), like Isola's cached
// Source. A reused-context case (the non-fresh lower bound) is printed too.
//
//   node jmh/peers/vm-context.mjs [--quick]
import { readFileSync } from "node:fs";
import vm from "node:vm";
import { measure } from "./measure.mjs";

const java = readFileSync(new URL("../src/main/java/dev/isola/jmh/JsHandlers.java", import.meta.url), "utf8");

/** The text block `static final String NAME = """ ... """;` of JsHandlers.java, as Java reads it. */
function textBlock(name) {
  const match = java.match(new RegExp(`static final String ${name} = """\\n([\\s\\S]*?)\\n(\\s*)""";`));
  if (!match) throw new Error(`JsHandlers.java has no text block ${name}`);
  const lines = match[1].split("\n");
  const indent = Math.min(match[2].length, ...lines.filter((l) => l.trim()).map((l) => l.match(/^ */)[0].length));
  return lines.map((l) => l.slice(indent)).join("\n") + "\n";
}

function script(name) {
  const code = textBlock(name);
  if (!code.includes("export default")) throw new Error(`${name} has no default export`);
  const source = "globalThis.Response = class { constructor(b) { this.body = b; } };\n"
    + code.replace("export default", "globalThis.handler =");
  return new vm.Script(source, { filename: `${name.toLowerCase()}.js` });
}

const request = { method: "GET", url: "http://localhost/bench" };

for (const name of ["TRIVIAL", "WORK"]) {
  const compiled = script(name);
  const fresh = async () => {
    const context = vm.createContext({});
    compiled.runInContext(context);
    return context.handler.fetch(request, {}, {});
  };
  const first = await fresh();
  if (typeof first.body !== "string") throw new Error(`${name} answered ${first}`);
  const slow = name === "WORK";
  await measure(`vm-fresh-${name.toLowerCase()}`, fresh, { batch: 10, batches: slow ? 100 : 200, warmUp: 500, async: true });

  const reused = vm.createContext({});
  compiled.runInContext(reused);
  await measure(`vm-reused-${name.toLowerCase()}`, () => reused.handler.fetch(request, {}, {}),
    { batch: slow ? 10 : 1000, batches: 100, warmUp: slow ? 500 : 20000, async: true });
}
