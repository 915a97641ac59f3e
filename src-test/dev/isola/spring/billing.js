// Calls the application's BillingService (a Spring bean annotated @IsolaHostInterface("billing")).
export default {
  async fetch(request, env) {
    const id = await env.billing.invoice(new URL(request.url).searchParams.get("customer"), 500);
    return new Response(id);
  },
};
