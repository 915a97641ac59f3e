// GET /hello/:name (served at /fn/hello/:name): greets with the granted variable GREETING.
export default {
  fetch(request, env, ctx) {
    return new Response(`${env.vars.GREETING}, ${ctx.params.name}!\n`, {
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  },
};
