package dev.isola.server;

import dev.isola.Isola;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server for development, tests and demos that hands every request to an {@link
 * Isola}. No TLS, no HTTP/2. In production, embed {@code Isola} in the application's own server
 * instead.
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
 *       {@code X-Request-Id}, named in every answer the server writes itself, and appears in every
 *       log line about the request.
 *   <li>The message is read strictly (RFC 9112): a malformed request line or target (such as {@code
 *       /%zz}), header line or chunked coding, more than one {@code Host} or none in HTTP/1.1, a
 *       {@code Content-Length} that is not digits only or is sent twice, and {@code Content-Length}
 *       with {@code Transfer-Encoding} are answered with 400 (431, 501 or 505 where those fit) in
 *       Isola's plain-text format, and the connection is closed. Chunk extensions are ignored and
 *       trailer fields read and dropped.
 *   <li>The body is read only when a route matches, and never beyond that route's {@code
 *       maxRequestBody}: a larger {@code Content-Length}, or a chunked body that grows past it, is
 *       answered with 413 at once. Bodies held by all connections together stay within a quarter
 *       of the heap (at least 64 MiB); past that a request with a body is answered 503.
 *   <li>No client holds a connection by being slow: an idle connection is closed after 30 s, a
 *       head must arrive within 30 s of its first byte and a body at 4 KiB/s on average after its
 *       first 30 s (else 408), and a connection whose client reads nothing of an answer for 30 s
 *       is closed. At most 1024 connections are open at once; at that limit
 *       the one idle longest is closed for a new one, and with none idle a new one is answered 503
 *       with {@code Retry-After: 1} and closed.
 *   <li>Failures of the handler are answered with their {@link dev.isola.IsolaException#httpStatus()}
 *       and a short text naming the request id, never the exception message or guest stack; those go
 *       to the log at WARN. Anything else is a 500 logged at ERROR. One INFO line per request gives
 *       method, target, status and microseconds.
 * </ul>
 *
 * <p>Each connection is read on a virtual thread of its own; routed calls run on a bounded pool of
 * platform threads owned by the server (Isola runs Wasm guest code on the calling platform thread),
 * with a bounded queue in front of it. When every thread is busy and the queue is full, a request is
 * answered at once with 503 and {@code Retry-After: 1}: overload never resets connections and never
 * makes a request wait behind more than the queue. The server does not own the {@code Isola}: close
 * that separately.
 */
public final class DevServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevServer.class);
  /** Requests that wait for a thread, per thread, when no queue length is given. */
  public static final int DEFAULT_QUEUE_PER_THREAD = 4;
  /**
   * The most connections open at once; past it a new connection is answered 503 with {@code
   * Retry-After} and closed, without reading a request.
   */
  static final int MAX_CONNECTIONS = 1024;
  /** How long a connection must have waited for its next request before a new one may take its place. */
  private static final long MIN_IDLE_TO_EVICT_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Connections past the limit being answered at once; past this many more, one is closed unanswered. */
  private static final int MAX_REFUSING = 64;
  /** Connections the operating system may hold before the server accepts them. */
  private static final int BACKLOG = 256;

  private final ServerSocket listener;
  private final ThreadPoolExecutor threads;
  private final InetSocketAddress address;
  private final Isola isola;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Set<Connection> live = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger refusing = new AtomicInteger();
  private final AtomicInteger refusedSinceWarning = new AtomicInteger();
  private volatile long lastFullWarning = System.nanoTime() - TimeUnit.MINUTES.toNanos(1);
  private final int maxConnections;
  private final ThreadFactory connectionThreads = Thread.ofVirtual().name("isola-http-conn-", 1).factory();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final Thread acceptor;
  private final ConnectionTimeouts timeouts;
  /** Closes the socket of a connection whose write blocks too long (see {@link TimedStreams.Output}). */
  private final ScheduledThreadPoolExecutor watchdog;
  /** Bytes of request bodies the connections may still hold in memory. */
  private final AtomicLong bodyRoom;

  private DevServer(ServerSocket listener, ThreadPoolExecutor threads, Isola isola, ConnectionTimeouts timeouts,
      long bodyRoom, int maxConnections) {
    this.maxConnections = maxConnections;
    this.listener = listener;
    this.threads = threads;
    this.isola = isola;
    this.timeouts = timeouts;
    this.bodyRoom = new AtomicLong(bodyRoom);
    this.watchdog = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().daemon().name("isola-http-watchdog").factory());
    this.watchdog.setRemoveOnCancelPolicy(true);
    this.address = (InetSocketAddress) listener.getLocalSocketAddress();
    this.acceptor = Thread.ofPlatform().daemon().name("isola-http-accept").unstarted(this::accept);
  }

  /**
   * Starts serving {@code isola} on {@code address} (port 0 picks a free port, see {@link #port()})
   * with {@link #defaultThreads()} request threads and a queue of {@link #DEFAULT_QUEUE_PER_THREAD}
   * requests per thread.
   *
   * @throws UncheckedIOException if the address cannot be bound, e.g. because the port is in use
   */
  public static DevServer start(Isola isola, InetSocketAddress address) {
    return start(isola, address, defaultThreads());
  }

  /**
   * Starts serving {@code isola} on {@code address} with {@code threads} request threads and a
   * queue of {@link #DEFAULT_QUEUE_PER_THREAD} requests per thread.
   *
   * @throws IllegalArgumentException unless {@code 1 <= threads <= 1024}
   * @throws UncheckedIOException if the address cannot be bound, e.g. because the port is in use
   */
  public static DevServer start(Isola isola, InetSocketAddress address, int threads) {
    checkThreads(threads);
    return start(isola, address, threads, DEFAULT_QUEUE_PER_THREAD * threads);
  }

  /**
   * Starts serving {@code isola} on {@code address} with {@code threads} request threads and room for
   * {@code queue} requests waiting for one; past that, requests are answered with 503 and {@code
   * Retry-After: 1} at once ({@code queue} 0: whenever every thread is busy).
   *
   * @throws IllegalArgumentException unless {@code 1 <= threads <= 1024} and {@code 0 <= queue <= 65536}
   * @throws UncheckedIOException if the address cannot be bound, e.g. because the port is in use
   */
  public static DevServer start(Isola isola, InetSocketAddress address, int threads, int queue) {
    return start(isola, address, threads, queue, ConnectionTimeouts.DEFAULT, defaultBodyRoom(), MAX_CONNECTIONS);
  }

  /**
   * The most bytes of request bodies all connections together hold in memory (read, or waiting for
   * and in their calls): a quarter of the heap, at least 64 MiB. Past it a body is answered 503.
   */
  static long defaultBodyRoom() {
    return Math.max(64L << 20, Runtime.getRuntime().maxMemory() / 4);
  }

  /**
   * {@link #start(Isola, InetSocketAddress, int, int)} with other connection timeouts, room for
   * bodies and limit on connections, for tests.
   */
  static DevServer start(Isola isola, InetSocketAddress address, int threads, int queue, ConnectionTimeouts timeouts,
      long bodyRoom, int maxConnections) {
    Objects.requireNonNull(isola, "isola");
    Objects.requireNonNull(timeouts, "timeouts");
    Objects.requireNonNull(address, "address");
    checkThreads(threads);
    if (queue < 0 || queue > 65536) {
      throw new IllegalArgumentException("queue " + queue + " is out of range: use 0 to 65536, e.g. "
          + DEFAULT_QUEUE_PER_THREAD * threads);
    }
    ServerSocket listener;
    try {
      listener = new ServerSocket();
      listener.setReuseAddress(true);
      listener.bind(address, BACKLOG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + show(address) + ": " + e.getMessage()
          + "; stop whatever uses that port or choose another one (isola serve --port N)", e);
    }
    BlockingQueue<Runnable> waiting = queue == 0 ? new SynchronousQueue<>() : new ArrayBlockingQueue<>(queue);
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 60, TimeUnit.SECONDS, waiting,
        Thread.ofPlatform().daemon().name("isola-http-", 1).factory(), new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
    DevServer devServer = new DevServer(listener, pool, isola, timeouts, bodyRoom, maxConnections);
    devServer.acceptor.start();
    log.debug("dev server listening on {} ({} threads, queue {})", devServer.uri(), threads, queue);
    return devServer;
  }

  /** The request threads when none are given: {@code max(4, 2 × processors)}, at most 64. */
  public static int defaultThreads() {
    return Math.min(64, Math.max(4, 2 * Runtime.getRuntime().availableProcessors()));
  }

  private static void checkThreads(int threads) {
    if (threads < 1 || threads > 1024) {
      throw new IllegalArgumentException("threads " + threads + " is out of range: use 1 to 1024, e.g. 8");
    }
  }

  private void accept() {
    while (!closed.get()) {
      Socket socket;
      try {
        socket = listener.accept();
      } catch (IOException e) {
        if (closed.get()) {
          return;
        }
        log.warn("dev server cannot accept a connection: {}", e.toString());
        pause(); // e.g. out of file descriptors: give open connections time to end
        continue;
      }
      // At the limit, the connection idle longest makes room: the new one is counted until it ends.
      if (connections.incrementAndGet() > maxConnections && !evictIdlest()) {
        connections.decrementAndGet();
        refuseOverLimit(socket);
        continue;
      }
      open.add(socket);
      Connection[] self = new Connection[1];
      Connection connection = new Connection(socket, isola, threads, timeouts, watchdog, bodyRoom, () -> {
        open.remove(socket);
        live.remove(self[0]);
        connections.decrementAndGet();
      });
      self[0] = connection;
      live.add(connection);
      try {
        connectionThreads.newThread(connection).start();
      } catch (RuntimeException | Error e) {
        open.remove(socket);
        live.remove(connection);
        connections.decrementAndGet();
        closeQuietly(socket);
        log.warn("dev server cannot start a connection thread: {}", e.toString());
      }
    }
  }

  /**
   * Closes the connection that has waited longest, and at least a second, for its next request's
   * first byte (idle keep-alive, or new and silent), so that connections doing nothing cannot keep
   * out one with a request; false when there is none.
   */
  private boolean evictIdlest() {
    long now = System.nanoTime();
    Connection idlest = null;
    long since = 0;
    for (Connection connection : live) {
      long idle = connection.idleSince();
      if (idle != 0 && now - idle >= MIN_IDLE_TO_EVICT_NANOS && (idlest == null || idle - since < 0)) {
        idlest = connection;
        since = idle;
      }
    }
    if (idlest == null) {
      return false;
    }
    log.debug("dev server at its limit of {} connections: closing one idle for {} ms for a new one", maxConnections,
        (now - since) / 1_000_000);
    idlest.evict();
    return true;
  }

  /** The connections waiting for a request's first byte now. */
  int idleConnections() {
    int idle = 0;
    for (Connection connection : live) {
      if (connection.idleSince() != 0) {
        idle++;
      }
    }
    return idle;
  }

  /**
   * Answers a connection past the limit with 503 on a thread of its own, or closes it at once when
   * {@link #MAX_REFUSING} are being answered already. Warns at most every 10 s, with a count.
   */
  private void refuseOverLimit(Socket socket) {
    int refused = refusedSinceWarning.incrementAndGet();
    long now = System.nanoTime();
    if (now - lastFullWarning >= TimeUnit.SECONDS.toNanos(10)) {
      lastFullWarning = now;
      refusedSinceWarning.addAndGet(-refused);
      log.warn("dev server has {} connections open, its limit: {} new connection(s) answered 503 or closed"
          + " since the last warning", maxConnections, refused);
    }
    if (refusing.incrementAndGet() > MAX_REFUSING) {
      refusing.decrementAndGet();
      closeQuietly(socket);
      return;
    }
    open.add(socket);
    try {
      connectionThreads.newThread(() -> {
        try {
          Connection.refuseOverLimit(socket, watchdog, timeouts.writeMillis());
        } finally {
          open.remove(socket);
          refusing.decrementAndGet();
        }
      }).start();
    } catch (RuntimeException | Error e) {
      open.remove(socket);
      refusing.decrementAndGet();
      closeQuietly(socket);
    }
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // nothing left to do
    }
  }

  /** The bytes of request bodies the connections may still take into memory. */
  long bodyRoomLeft() {
    return bodyRoom.get();
  }

  /** The connections open now. */
  int openConnections() {
    return connections.get();
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
    try {
      listener.close();
    } catch (IOException e) {
      log.debug("closing the dev server's socket failed: {}", e.toString());
    }
    threads.shutdown();
    try {
      acceptor.join(1000);
      if (!threads.awaitTermination(1, TimeUnit.SECONDS)) {
        stopThreads();
      }
    } catch (InterruptedException e) {
      stopThreads();
      Thread.currentThread().interrupt();
    }
    for (Socket socket : open) {
      closeQuietly(socket);
    }
    watchdog.shutdownNow();
    log.debug("dev server on port {} stopped", port());
  }

  /** Interrupts the request threads and cancels the calls still queued, so no connection waits for them. */
  private void stopThreads() {
    for (Runnable queued : threads.shutdownNow()) {
      if (queued instanceof java.util.concurrent.Future<?> call) {
        call.cancel(false);
      }
    }
  }

  private static String show(InetSocketAddress address) {
    return address.getHostString() + ":" + address.getPort();
  }

  @Override
  public String toString() {
    return "DevServer{" + uri() + (closed.get() ? ", closed" : "") + "}";
  }
}
