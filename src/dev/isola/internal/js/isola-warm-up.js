// Run once when a JsEngine starts, through a full call: it makes GraalJS load and initialise the
// classes behind common features while the Java stack is shallow. A class whose initialisation
// first runs at the bottom of a guest's deep recursion can fail with StackOverflowError, and the
// JVM then marks it unusable for every later call; exercising features here makes that unlikely.
export default {
  async fetch(request, env, ctx) {
    const body = await request.json();
    const text = new TextDecoder().decode(new TextEncoder().encode(JSON.stringify(body)));
    const url = new URL(request.url);
    const params = new URLSearchParams(url.search);
    params.append("b", "2");
    const headers = new Headers(request.headers);
    headers.set("x-warm", "up");
    const list = [1, 2, 3, ...[4, 5]];
    let sum = 0;
    for (const n of list) sum += n;
    for (const [k, v] of new Map([["a", 1]])) sum += v + k.length;
    for (const k in { a: 1 }) sum += k.length;
    const { a, ...rest } = { a: 1, b: 2, c: 3 };
    function* gen() { yield* list; }
    sum += [...gen()].reduce((x, y) => x + y, a + Object.keys(rest).length);
    sum += Array.from(new Set(list)).map((x) => x * 2).filter((x) => x > 2).sort((x, y) => y - x)[0];
    sum += "a-b-c".split("-").join("").replace(/b/g, "x").toUpperCase().length;
    sum += /(\d+)/.exec("x42")[1].length + `${sum}`.padStart(4, "0").length;
    sum += new Uint8Array(new ArrayBuffer(8)).length + new DataView(new ArrayBuffer(4)).byteLength;
    sum += Number(10n ** 2n) + Math.max(...list) + new Date(0).getTime() + Symbol("s").toString().length;
    sum += Object.entries(Object.fromEntries([["k", 1]])).length + Reflect.ownKeys({ q: 1 }).length;
    sum += new Proxy({}, { get: () => 1 }).anything + (await Promise.all([1, Promise.resolve(2)]))[1];
    class Base { #secret = 1; get secret() { return this.#secret; } }
    class Derived extends Base { static create() { return new Derived(); } }
    sum += Derived.create().secret;
    try { null.x; } catch (e) { sum += String(e.stack).length > 0 ? 1 : 0; }
    try { JSON.parse("{"); } catch (e) { sum += e instanceof SyntaxError ? 1 : 0; }
    sum += atob(btoa("warm")).length + structuredClone({ d: new Date(0), m: new Map() }).m.size;
    console.debug("warm-up", { sum, text, list, nested: { url, params, headers } }, new Error("not thrown"));
    const answer = new Response(JSON.stringify({ sum, params: params.toString() }), { headers });
    await answer.clone().text();
    return Response.json({ ok: (await answer.json()).sum === sum, tail: ctx.tail, params: ctx.params });
  },
};
