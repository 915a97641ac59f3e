export default {
  async fetch(request, env, ctx) {
    const r = await env.inventory.fetch("/stock/" + ctx.params.item);
    return new Response("inventory says " + r.status + ": " + await r.text());
  },
};
