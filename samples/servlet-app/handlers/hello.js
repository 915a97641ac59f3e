// GET /hello/:name (served at /fn/hello/:name): greets the name taken from the path.
export default {
  async fetch(request, env, ctx) {
    return new Response(`Hello, ${ctx.params.name}!\n`, {
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  },
};
