// GET /hello/:name in IsolaAutoConfigurationTest: the granted variable GREETING and the path parameter.
export default {
  fetch(request, env, ctx) {
    return new Response(`${env.vars.GREETING}, ${ctx.params.name}!`, {
      headers: { "content-type": "text/plain; charset=utf-8" },
    });
  },
};
