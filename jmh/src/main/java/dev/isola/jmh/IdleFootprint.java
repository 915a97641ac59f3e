package dev.isola.jmh;

import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.Response;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Retained heap per idle route and allocation per call, printed as one {@code footprint ...} line
 * per case (key=value pairs). Not a JMH benchmark: heap after full collections, in one JVM.
 *
 * <ul>
 *   <li>{@code retained_per_route_bytes}: an {@code Isola} with 50 identical routes and one with 1
 *       route are built in turn, each measured after {@code System.gc()} until the used heap settles
 *       (and, with ready sandboxes, after the preparer has filled its pools); the value is {@code
 *       (heap(50) - heap(1)) / 49}.
 *   <li>{@code alloc_per_call_bytes}: bytes allocated by all threads of the JVM (the caller's and the
 *       preparer's) per call on the 1-route {@code Isola}, after a warm-up, from {@code
 *       com.sun.management.ThreadMXBean#getTotalThreadAllocatedBytes}.
 * </ul>
 *
 * <p>Cases: {@code wasm-page} ({@code bench-page.wasm}, Extism), {@code wasm-wagi} ({@code
 * wagi-hello.wasm}), {@code js-trivial}, each with {@code readySandboxes} 0 and 1.
 *
 * <pre>
 * java -Dpolyglot.engine.WarnInterpreterOnly=false --enable-native-access=ALL-UNNAMED \
 *   -cp jmh/target/benchmarks.jar dev.isola.jmh.IdleFootprint [--quick]
 * </pre>
 */
public final class IdleFootprint {
  private static final int ROUTES = 50;
  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();

  private IdleFootprint() {}

  private record Case(String name, Supplier<Handler> handler, int warmUpCalls, int measuredCalls) {}

  public static void main(String[] args) throws InterruptedException {
    boolean quick = List.of(args).contains("--quick");
    int scale = quick ? 10 : 1;
    List<Case> cases = List.of(
        new Case("wasm-page", () -> Handler.wasm(Fixtures.wasm("bench-page.wasm")).export("handle"), 3000 / scale, 3000 / scale),
        new Case("wasm-wagi", () -> Handler.wasm(Fixtures.wasm("wagi-hello.wasm")), 2000 / scale, 2000 / scale),
        new Case("js-trivial", () -> Handler.javascript("trivial.js", JsHandlers.TRIVIAL), 1000 / scale, 500 / scale));
    for (Case c : cases) {
      for (int ready : new int[] {0, 1}) {
        measure(c, ready);
      }
    }
  }

  private static void measure(Case c, int ready) throws InterruptedException {
    long heap1;
    double allocPerCall;
    try (Isola one = build(c, ready, 1)) {
      Request request = Request.get("/r0");
      Response first = one.handle(request);
      if (first.status() != 200) {
        throw new IllegalStateException(c.name() + " answered " + first.status() + " " + first.bodyText());
      }
      for (int i = 0; i < c.warmUpCalls(); i++) {
        one.handle(request);
      }
      var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
      long before = threads.getTotalThreadAllocatedBytes();
      for (int i = 0; i < c.measuredCalls(); i++) {
        one.handle(request);
      }
      allocPerCall = (double) (threads.getTotalThreadAllocatedBytes() - before) / c.measuredCalls();
      heap1 = settledHeap();
    }
    long heapK;
    try (Isola many = build(c, ready, ROUTES)) {
      heapK = settledHeap();
    }
    long perRoute = (heapK - heap1) / (ROUTES - 1);
    System.out.printf(Locale.ROOT,
        "footprint case=%s ready=%d routes=%d retained_per_route_bytes=%d alloc_per_call_bytes=%.0f heap_1_route=%d heap_%d_routes=%d%n",
        c.name(), ready, ROUTES, perRoute, allocPerCall, heap1, ROUTES, heapK);
  }

  private static Isola build(Case c, int ready, int routes) {
    Isola.Builder builder = Isola.newBuilder().readySandboxes(ready);
    for (int i = 0; i < routes; i++) {
      builder.route("GET /r" + i, c.handler().get());
    }
    return builder.build();
  }

  /**
   * The used heap after full collections, once two readings 200 ms apart agree within 16 KiB (so a
   * preparer still filling its pools has finished), or after 20 tries.
   */
  private static long settledHeap() throws InterruptedException {
    long last = collectedHeap();
    for (int i = 0; i < 20; i++) {
      Thread.sleep(200);
      long now = collectedHeap();
      if (Math.abs(now - last) < 16 * 1024) {
        return now;
      }
      last = now;
    }
    return last;
  }

  private static long collectedHeap() throws InterruptedException {
    for (int i = 0; i < 4; i++) {
      System.gc();
      Thread.sleep(20);
    }
    MEMORY.gc();
    return MEMORY.getHeapMemoryUsage().getUsed();
  }
}
