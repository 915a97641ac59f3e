package dev.isola.server;

import com.sun.net.httpserver.HttpServer;
import dev.isola.Isola;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server for development, tests and demos that hands every request to an {@link
 * Isola}. Built on the JDK's {@code com.sun.net.httpserver}; no TLS, no HTTP/2. In production, embed
 * {@code Isola} in the application's own server instead.
 *
 * <pre>{@code
 * try (Isola isola = Manifest.load(Path.of("isola.toml")).build();
 *      DevServer server = DevServer.start(isola, new InetSocketAddress("127.0.0.1", 8080))) {
 *   System.out.println("serving on " + server.uri());
 *   ...
 * }
 * }</pre>
 *
 * <p>Per request:
 *
 * <ul>
 *   <li>The request keeps the client's {@code X-Request-Id} when it is at most 64 characters of
 *       {@code [A-Za-z0-9._-]}; otherwise it gets a new one. The id is echoed in the response's
 *       {@code X-Request-Id} and appears in every log line about the request.
 *   <li>The body is read only when a route matches, and never beyond that route's {@code
 *       maxRequestBody}: a larger {@code Content-Length}, or a chunked body that grows past it, is
 *       answered with 413 at once.
 *   <li>Failures of the handler are answered with their {@link dev.isola.IsolaException#httpStatus()}
 *       and a short text naming the request id, never the exception message or guest stack; those go
 *       to the log at WARN. Anything else is a 500 logged at ERROR. A request that cannot be mapped
 *       (bad header, odd target) gets 400. One INFO line per request gives method, target, status
 *       and microseconds.
 * </ul>
 *
 * <p>Requests run on a bounded pool of platform threads owned by the server (Isola runs guest code
 * on the calling platform thread). When the pool and its queue are full, new connections are closed
 * rather than queued without bound. The server does not own the {@code Isola}: close that separately.
 */
public final class DevServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevServer.class);

  private final HttpServer server;
  private final ThreadPoolExecutor threads;
  private final InetSocketAddress address;
  private final AtomicBoolean closed = new AtomicBoolean();

  private DevServer(HttpServer server, ThreadPoolExecutor threads) {
    this.server = server;
    this.threads = threads;
    this.address = server.getAddress();
  }

  /**
   * Starts serving {@code isola} on {@code address} (port 0 picks a free port, see {@link #port()})
   * with a pool of {@code max(4, 2 × processors)} request threads, at most 64.
   *
   * @throws UncheckedIOException if the address cannot be bound, e.g. because the port is in use
   */
  public static DevServer start(Isola isola, InetSocketAddress address) {
    return start(isola, address, Math.min(64, Math.max(4, 2 * Runtime.getRuntime().availableProcessors())));
  }

  /**
   * Starts serving {@code isola} on {@code address} with {@code threads} request threads; up to 32
   * requests per thread wait in the queue, further connections are closed.
   *
   * @throws IllegalArgumentException unless {@code 1 <= threads <= 1024}
   * @throws UncheckedIOException if the address cannot be bound, e.g. because the port is in use
   */
  public static DevServer start(Isola isola, InetSocketAddress address, int threads) {
    Objects.requireNonNull(isola, "isola");
    Objects.requireNonNull(address, "address");
    if (threads < 1 || threads > 1024) {
      throw new IllegalArgumentException("threads " + threads + " is out of range: use 1 to 1024, e.g. 8");
    }
    HttpServer server;
    try {
      server = HttpServer.create(address, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + show(address) + ": " + e.getMessage()
          + "; stop whatever uses that port or choose another one (isola serve --port N)", e);
    }
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(threads * 32),
        Thread.ofPlatform().daemon().name("isola-http-", 1).factory(),
        (task, executor) -> {
          log.warn("dev server overloaded ({} threads busy, {} requests queued): closing a new connection",
              executor.getActiveCount(), executor.getQueue().size());
          throw new RejectedExecutionException("dev server overloaded");
        });
    pool.allowCoreThreadTimeOut(true);
    server.setExecutor(pool);
    server.createContext("/", new ExchangeHandler(isola));
    server.start();
    DevServer devServer = new DevServer(server, pool);
    log.debug("dev server listening on {}", devServer.uri());
    return devServer;
  }

  /** The port the server listens on (the one picked when it was started with port 0). */
  public int port() {
    return address.getPort();
  }

  /** The address the server listens on. */
  public InetSocketAddress address() {
    return address;
  }

  /**
   * The server's base URI, e.g. {@code http://127.0.0.1:8080/}; {@code localhost} when it listens on
   * every interface.
   */
  public URI uri() {
    InetAddress ip = address.getAddress();
    String host = ip == null || ip.isAnyLocalAddress() ? "localhost" : ip.getHostAddress();
    if (host.contains(":")) {
      int scope = host.indexOf('%');
      host = "[" + (scope < 0 ? host : host.substring(0, scope)) + "]";
    }
    return URI.create("http://" + host + ":" + port() + "/");
  }

  /**
   * Stops accepting connections, closes open ones, and gives requests still running a second to
   * finish before interrupting them. Idempotent. Does not close the {@link Isola}.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    server.stop(0);
    threads.shutdown();
    try {
      if (!threads.awaitTermination(1, TimeUnit.SECONDS)) {
        threads.shutdownNow();
      }
    } catch (InterruptedException e) {
      threads.shutdownNow();
      Thread.currentThread().interrupt();
    }
    log.debug("dev server on port {} stopped", port());
  }

  private static String show(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }

  @Override
  public String toString() {
    return "DevServer{" + uri() + (closed.get() ? ", closed" : "") + "}";
  }
}
