export default {
  async fetch(request, env, ctx) {
    const cents = Number(await request.text());
    return new Response(await env.billing.invoice(ctx.params.customer, cents));
  },
};
