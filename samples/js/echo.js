// /echo (any method): answers with JSON describing the request it received.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const headers = {};
    for (const [name, value] of request.headers) {
      headers[name] = value;
    }
    const query = {};
    for (const [name, value] of url.searchParams) {
      query[name] = value;
    }
    return Response.json({
      method: request.method,
      url: request.url,
      params: ctx.params,
      headers,
      query,
      body: await request.text(),
      requestId: ctx.requestId,
    });
  },
};
