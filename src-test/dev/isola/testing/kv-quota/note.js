// Puts the route's key for a minute and answers "stored", or the store's refusal.
export default {
  async fetch(request, env) {
    const key = new URL(request.url).pathname.split("/").pop();
    try {
      await env.kv.notes.put(key, "x", { expirationTtl: 60 });
      return new Response("stored");
    } catch (e) {
      return new Response(e.message);
    }
  },
};
