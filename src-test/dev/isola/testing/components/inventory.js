export default {
  async fetch(request, env) {
    const item = new URL(request.url).pathname.split("/").pop();
    await env.kv.stock.put(item, "seen");
    return new Response(item + " in stock");
  },
};
