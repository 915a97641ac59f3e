// A component: answers with the path it was called at and the call depth.
export default {
  async fetch(request) {
    return new Response("stock of " + new URL(request.url).pathname + " at depth " + request.headers.get("isola-call-depth"));
  },
};
