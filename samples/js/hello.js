// GET /hello/:name: greets the name taken from the path.
export default {
  async fetch(request, env, ctx) {
    return new Response(`Hello, ${ctx.params.name}!\n`, {
      status: 200,
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  },
};
