// GET /static/...: serves a few files kept in the module, chosen by the wildcard tail.
const FILES = new Map([
  ["index.html", ["text/html; charset=utf-8", "<!doctype html>\n<title>Isola</title>\n<h1>Served by an Isola handler</h1>\n"]],
  ["style.css", ["text/css; charset=utf-8", "body { font-family: sans-serif; }\n"]],
  ["data/info.json", ["application/json", "{\"served\": \"by static.js\"}\n"]],
]);

export default {
  async fetch(request, env, ctx) {
    const name = ctx.tail === "" ? "index.html" : ctx.tail;
    const file = FILES.get(name);
    if (file === undefined) {
      return new Response(`404 Not Found: no file "${name}" under /static (route ${ctx.route})\n`, {
        status: 404,
        headers: { "content-type": "text/plain; charset=utf-8" },
      });
    }
    return new Response(file[1], { headers: { "content-type": file[0] } });
  },
};
