package dev.isola.jmh;

import com.sun.net.httpserver.HttpServer;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.server.DevServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The two servers of the dev-server load comparison, one per JVM, both on 127.0.0.1 with a free
 * port: {@code isola} serves {@code GET /page} ({@code bench-page.wasm}, answering "ok") through
 * {@link DevServer} with its default thread pool; {@code plain} is the JDK's {@code HttpServer}
 * answering "ok" to every request from a fixed pool of the same size ({@code max(4, 2 ×
 * processors)}, at most 64). Prints {@code listening http://127.0.0.1:PORT/page} once ready and
 * exits after the given number of seconds (default 120), so a load run is always bounded.
 *
 * <pre>
 * java -cp jmh/target/benchmarks.jar dev.isola.jmh.HttpServers isola 60 &
 * wrk -t2 -c16 -d10s http://127.0.0.1:PORT/page
 * </pre>
 */
public final class HttpServers {
  private HttpServers() {}

  /** The request threads of {@link #plainServer}: as many as the dev server would have. */
  static ExecutorService plainPool() {
    return Executors.newFixedThreadPool(Math.min(64, Math.max(4, 2 * Runtime.getRuntime().availableProcessors())));
  }

  /** A started JDK {@code HttpServer} on {@code address} answering every request "ok", on {@code pool}. */
  static HttpServer plainServer(InetSocketAddress address, ExecutorService pool) throws IOException {
    HttpServer server = HttpServer.create(address, 0);
    byte[] ok = "ok".getBytes(StandardCharsets.UTF_8);
    server.createContext("/", exchange -> {
      try (exchange) {
        exchange.getRequestBody().readAllBytes();
        exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(200, ok.length);
        try (OutputStream body = exchange.getResponseBody()) {
          body.write(ok);
        }
      }
    });
    server.setExecutor(pool);
    server.start();
    return server;
  }

  public static void main(String[] args) throws IOException, InterruptedException {
    if (args.length < 1 || !(args[0].equals("isola") || args[0].equals("plain"))) {
      System.err.println("usage: HttpServers isola|plain [seconds]");
      System.exit(2);
    }
    long seconds = args.length > 1 ? Long.parseLong(args[1]) : 120;
    InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", 0);
    if (args[0].equals("isola")) {
      try (Isola isola = Isola.newBuilder()
              .route("GET /page", Handler.wasm(Fixtures.wasm("bench-page.wasm")).export("handle"))
              .build();
          DevServer server = DevServer.start(isola, loopback)) {
        serve(server.port(), seconds);
      }
    } else {
      ExecutorService pool = plainPool();
      HttpServer server = plainServer(loopback, pool);
      try {
        serve(server.getAddress().getPort(), seconds);
      } finally {
        server.stop(0);
        pool.shutdownNow();
      }
    }
  }

  private static void serve(int port, long seconds) throws InterruptedException {
    System.out.println("listening http://127.0.0.1:" + port + "/page");
    System.out.flush();
    Thread.sleep(seconds * 1000);
  }
}
