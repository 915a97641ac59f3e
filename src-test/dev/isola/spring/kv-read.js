// Answers what the "notes" store holds under the key named by the route.
export default {
  async fetch(request, env) {
    const key = new URL(request.url).pathname.split("/").pop();
    return new Response(String(await env.kv.notes.get(key)));
  },
};
