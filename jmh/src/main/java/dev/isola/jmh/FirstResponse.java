package dev.isola.jmh;

import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.Response;
import java.lang.management.ManagementFactory;

/**
 * Time to the first response in a new JVM: builds an {@link Isola} with one route ({@code wasm}:
 * {@code bench-page.wasm}; {@code js}: the trivial handler of {@link JsHandlers}), handles one
 * request, and prints {@code first-response engine=... jvm_ms=... launch_ms=...}: milliseconds from
 * the JVM's start ({@code RuntimeMXBean.getStartTime()}) and, if a launch time in epoch milliseconds
 * is given (e.g. {@code $(date +%s%3N)} taken just before {@code java}), from that launch. Run it
 * once per JVM; {@code jmh/run} does that five times per engine and reports the median.
 *
 * <pre>
 * java -cp jmh/target/benchmarks.jar dev.isola.jmh.FirstResponse wasm $(date +%s%3N)
 * </pre>
 */
public final class FirstResponse {
  private FirstResponse() {}

  public static void main(String[] args) {
    if (args.length < 1 || !(args[0].equals("wasm") || args[0].equals("js"))) {
      System.err.println("usage: FirstResponse wasm|js [launch epoch ms]");
      System.exit(2);
    }
    String engine = args[0];
    Handler handler = engine.equals("wasm")
        ? Handler.wasm(Fixtures.wasm("bench-page.wasm")).export("handle")
        : Handler.javascript("trivial.js", JsHandlers.TRIVIAL);
    Response response;
    long now;
    try (Isola isola = Isola.newBuilder().route("GET /first", handler).build()) {
      response = isola.handle(Request.get("/first"));
      now = System.currentTimeMillis();
    }
    if (response.status() != 200) {
      throw new IllegalStateException("the route answered " + response.status() + " " + response.bodyText());
    }
    long jvmMs = now - ManagementFactory.getRuntimeMXBean().getStartTime();
    String launch = args.length > 1 ? Long.toString(now - Long.parseLong(args[1])) : "n/a";
    System.out.println("first-response engine=" + engine + " jvm_ms=" + jvmMs + " launch_ms=" + launch);
  }
}
