package dev.isola.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.isola.DataSize;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Limits;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A bounded soak against the dev server on 127.0.0.1: healthy and hostile routes (JavaScript and
 * Wasm) called from several clients for {@code soak.seconds} (default 20; CI runs 60). Healthy
 * routes must always answer 200 and hostile ones only their documented statuses; afterwards the heap
 * (after GC), the threads and the open file descriptors must not have grown past a margin. It stops
 * by itself.
 */
class SoakTest {
  private static final Path WASM = Path.of("src-test/wasm");

  private static long heapAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
      Runtime rt = Runtime.getRuntime();
      used = Math.min(used, rt.totalMemory() - rt.freeMemory());
    }
    return used;
  }

  private static long openFiles() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
        ? unix.getOpenFileDescriptorCount() : -1;
  }

  @Test
  void mixedLoad_keepsTheServerHealthy_andResourcesFlat() throws Exception {
    int seconds = Integer.getInteger("soak.seconds", System.getenv("CI") != null ? 60 : 20);
    // One limit each can end the hostile routes: the JavaScript loop only its timeout (2 s, room for
    // its module to load at build() on a busy machine; it allocates nothing like 64 GiB), the Wasm
    // loop only its timeout (it never grows its memory), the bomb only its memory limit.
    Limits jsLoop = Limits.newBuilder().timeout(Duration.ofSeconds(2)).memory(DataSize.ofGiB(64)).build();
    Limits wasmLoop = Limits.newBuilder().timeout(Duration.ofMillis(200)).memory(DataSize.ofMiB(16)).build();
    Limits bomb = Limits.newBuilder().timeout(Duration.ofSeconds(60)).memory(DataSize.ofMiB(16)).build();
    Map<String, List<Integer>> expected = Map.of(
        "/js", List.of(200), "/wasm", List.of(200), "/extism", List.of(200),
        "/js-loop", List.of(504, 503), "/wasm-loop", List.of(504, 503), "/wasm-trap", List.of(500, 503),
        "/js-throw", List.of(500, 503), "/wasm-bomb", List.of(503));
    try (Isola isola = Isola.newBuilder()
        .route("/js", Handler.javascript("ok.js", "export default { fetch() { return new Response('ok'); } };"))
        .route("/wasm", Handler.wasm(WASM.resolve("wagi-hello.wasm")))
        .route("/extism", Handler.wasm(WASM.resolve("extism-greet.wasm")).export("greet"))
        .route("/js-loop", Handler.javascript("loop.js", "export default { fetch() { while (true) {} } };").limits(jsLoop))
        .route("/wasm-loop", Handler.wasm(WASM.resolve("wagi-loop.wasm")).limits(wasmLoop))
        .route("/wasm-trap", Handler.wasm(WASM.resolve("wagi-trap-oob.wasm")))
        .route("/js-throw", Handler.javascript("throw.js", "export default { fetch() { throw new Error('x'); } };"))
        .route("/wasm-bomb", Handler.wasm(WASM.resolve("wagi-grow.wasm")).limits(bomb))
        .build();
        DevServer server = DevServer.start(isola, new InetSocketAddress("127.0.0.1", 0))) {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      List<String> paths = List.copyOf(expected.keySet());
      Runnable round = () -> {
        for (String path : paths) {
          try {
            client.send(HttpRequest.newBuilder(server.uri().resolve(path)).build(), HttpResponse.BodyHandlers.discarding());
          } catch (Exception e) {
            throw new AssertionError(e);
          }
        }
      };
      for (int i = 0; i < 5; i++) {
        round.run(); // warm up before measuring
      }
      long heapBefore = heapAfterGc();
      int threadsBefore = Thread.activeCount();
      long filesBefore = openFiles();

      Map<String, AtomicLong> counts = new ConcurrentHashMap<>();
      Map<String, String> unexpected = new ConcurrentHashMap<>();
      long until = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
      List<Thread> clients = new java.util.ArrayList<>();
      for (int c = 0; c < 4; c++) {
        int offset = c;
        clients.add(Thread.ofPlatform().start(() -> {
          for (int k = offset; System.nanoTime() < until; k++) {
            String path = paths.get(k % paths.size());
            try {
              int status = client.send(HttpRequest.newBuilder(server.uri().resolve(path))
                  .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
              counts.computeIfAbsent(path + " " + status, x -> new AtomicLong()).incrementAndGet();
              if (!expected.get(path).contains(status)) {
                unexpected.put(path, "status " + status);
              }
            } catch (Exception e) {
              unexpected.put(path, e.toString());
            }
          }
        }));
      }
      for (Thread t : clients) {
        t.join();
      }
      long heapAfter = heapAfterGc();
      int threadsAfter = Thread.activeCount();
      long filesAfter = openFiles();
      System.out.println("[soak] " + seconds + " s: " + new java.util.TreeMap<>(counts) + "; heap after GC "
          + heapBefore / 1024 / 1024 + " -> " + heapAfter / 1024 / 1024 + " MiB, threads " + threadsBefore + " -> "
          + threadsAfter + ", open files " + filesBefore + " -> " + filesAfter);

      assertEquals(Map.of(), unexpected, "statuses outside the documented ones");
      assertTrue(counts.getOrDefault("/js 200", new AtomicLong()).get() > 0, "the healthy routes answered");
      assertTrue(heapAfter < heapBefore + 64L * 1024 * 1024, "heap grew from " + heapBefore + " to " + heapAfter);
      assertTrue(threadsAfter <= threadsBefore + 16, "threads grew from " + threadsBefore + " to " + threadsAfter);
      if (filesBefore >= 0) {
        assertTrue(filesAfter <= filesBefore + 32, "open files grew from " + filesBefore + " to " + filesAfter);
      }
    }
  }
}
