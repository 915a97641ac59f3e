package dev.isola.component;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Callers waiting for callees never hold every thread their callees need. */
class ComponentThreadsTest {
  /** Calls NEXT, or answers "end", and passes the answer on with its own name in front. */
  static String step(String name, String next) {
    return next == null
        ? "export default { async fetch() { return new Response(\"" + name + "\"); } };"
        : "export default { async fetch(request, env) { const r = await env." + next + ".fetch(\"/\");"
            + " return new Response(\"" + name + ">\" + await r.text(), { status: r.status }); } };";
  }

  static Isola chain(int callThreads) {
    return Isola.newBuilder().callThreads(callThreads)
        .route("/a", Handler.javascript("a.js", step("a", "b")).grants(Grants.calls("b")))
        .component("b", Handler.javascript("b.js", step("b", "c")).grants(Grants.calls("c")))
        .component("c", Handler.javascript("c.js", step("c", "d")).grants(Grants.calls("d")))
        .component("d", Handler.javascript("d.js", step("d", null)))
        .build();
  }

  @Test
  void aChainOfJavaScriptComponents_runsOnAnIsolaWithOneGuestThread() {
    try (Isola isola = chain(1)) {
      for (int i = 0; i < 3; i++) { // and again, once the threads of the first chain are given back
        Response r = isola.handle(Request.get("/a"));
        assertEquals(200, r.status(), r.bodyText());
        assertEquals("a>b>c>d", r.bodyText());
      }
    }
  }

  @Test
  void chainsSideBySide_eachFindTheirThreads() throws Exception {
    try (Isola isola = chain(2); ExecutorService clients = Executors.newFixedThreadPool(4)) {
      List<Future<Response>> answers = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        answers.add(clients.submit(() -> isola.handle(Request.get("/a"))));
      }
      for (Future<Response> answer : answers) {
        assertEquals("a>b>c>d", answer.get().bodyText());
      }
    }
  }
}
