// Counts visits per page in the key-value store granted to this route (env.KV) and greets with
// the variable GREETING (env.vars). Each call is a fresh context: only the store remembers.
export default {
  async fetch(request, env, ctx) {
    const page = ctx.params.page;
    const visits = Number((await env.KV.get(page)) ?? "0") + 1;
    await env.KV.put(page, String(visits));
    return Response.json({ greeting: env.vars.GREETING, page, visits });
  },
};
