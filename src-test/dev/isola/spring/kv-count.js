// Puts the key named by the route into the "notes" store and answers how the put went.
export default {
  async fetch(request, env) {
    const key = new URL(request.url).pathname.split("/").pop();
    try {
      await env.kv.notes.put(key, "x", { expirationTtl: 3600 });
      return new Response("stored " + key);
    } catch (e) {
      return new Response(e.message, { status: 507 });
    }
  },
};
