// Calls component "inventory" by name and answers with what came back.
export default {
  async fetch(request, env, ctx) {
    const r = await env.inventory.fetch("http://inventory/stock/" + ctx.params.item);
    return new Response("front got " + r.status + ": " + await r.text());
  },
};
