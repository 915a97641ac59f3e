package dev.isola.server;

import dev.isola.Isola;
import dev.isola.IsolaException;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.http.FailureAnswer;
import dev.isola.internal.http.RequestIds;
import dev.isola.internal.http.ResponseRules;
import dev.isola.server.Http1.Framing;
import dev.isola.server.Http1.Head;
import dev.isola.server.Http1.Refusal;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection of the {@link DevServer}, served on its own virtual thread: reads requests
 * one after another ({@link Http1}), answers what it refuses itself, reads the body of a routed
 * request up to the route's {@code maxRequestBody}, hands the call to the server's bounded pool of
 * platform threads and writes the answer. When the pool and its queue are full the request is
 * answered at once with 503 and {@code Retry-After}, never queued further or dropped.
 */
final class Connection implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(DevServer.class);
  /** How long, and how many bytes, a connection is drained after a refusal before it is closed. */
  private static final int DRAIN_MILLIS = 2_000;
  private static final int DRAIN_BYTES = 1 << 20;
  private static final DateTimeFormatter IMF_FIXDATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);
  private static final byte[] CONTINUE = Http1.latin1("HTTP/1.1 100 Continue\r\n\r\n");

  private final Socket socket;
  private final Isola isola;
  private final ExecutorService calls;
  private final Runnable onClose;
  private final ConnectionTimeouts timeouts;
  private final ScheduledExecutorService watchdog;
  private final AtomicLong bodyRoom;
  private volatile TimedStreams.@Nullable Input input;
  private volatile boolean evicted;
  /** Bytes of {@link #bodyRoom} the current request's body holds. */
  private long held;

  Connection(Socket socket, Isola isola, ExecutorService calls, ConnectionTimeouts timeouts,
      ScheduledExecutorService watchdog, AtomicLong bodyRoom, Runnable onClose) {
    this.socket = socket;
    this.isola = isola;
    this.calls = calls;
    this.timeouts = timeouts;
    this.watchdog = watchdog;
    this.bodyRoom = bodyRoom;
    this.onClose = onClose;
  }

  @Override
  public void run() {
    try (socket) {
      socket.setTcpNoDelay(true);
      input = new TimedStreams.Input(socket, timeouts.idleMillis());
      InputStream in = new BufferedInputStream(input, 8192);
      OutputStream out = new BufferedOutputStream(new TimedStreams.Output(socket, watchdog, timeouts.writeMillis()), 8192);
      while (serveOne(in, out)) {
        // next request on this connection
      }
    } catch (IOException e) {
      log.debug("connection from {} ended: {}", socket.getRemoteSocketAddress(), e.toString());
    } catch (RuntimeException e) {
      log.error("connection from {} failed", socket.getRemoteSocketAddress(), e);
    } finally {
      onClose.run();
    }
  }

  /**
   * When this connection began to wait for its next request's first byte ({@link System#nanoTime()}),
   * or 0 when it is not waiting for one.
   */
  long idleSince() {
    TimedStreams.Input timed = input;
    return timed == null || evicted ? 0 : timed.idleSince();
  }

  /** Closes the connection from another thread: its reads end with an exception. */
  void evict() {
    evicted = true;
    try {
      socket.close();
    } catch (IOException e) {
      // closed anyway
    }
  }

  /**
   * Answers a connection past the server's limit with 503 and {@code Retry-After: 1}, without
   * reading a request, then closes it gracefully (what the client sends meanwhile is drained for up
   * to 2 s and 64 KiB, so the answer is not lost to a reset).
   */
  static void refuseOverLimit(Socket socket, ScheduledExecutorService watchdog, int writeMillis) {
    try (socket) {
      String id = RequestIds.keepOrCreate(null);
      FailureAnswer busy = FailureAnswer.serverBusy(id);
      OutputStream out = new BufferedOutputStream(new TimedStreams.Output(socket, watchdog, writeMillis), 1024);
      answer(out, "-", new FailureAnswer(503, busy.text(), busy.retryAfterSeconds(), true), id, true);
      socket.shutdownOutput();
      TimedStreams.Input in = new TimedStreams.Input(socket, DRAIN_MILLIS);
      in.within(DRAIN_MILLIS, "the drain after refusing a connection");
      byte[] sink = new byte[8192];
      for (int drained = 0, n; drained < 64 * 1024 && (n = in.read(sink, 0, sink.length)) >= 0; ) {
        drained += n;
      }
    } catch (IOException e) {
      // the client is gone or too slow: closed anyway
    }
  }

  /** Serves one request; false when the connection is to be closed. */
  private boolean serveOne(InputStream in, OutputStream out) throws IOException {
    try {
      return serve(in, out);
    } finally {
      bodyRoom.addAndGet(held); // the request, and its body, are done with
      held = 0;
    }
  }

  /** Takes {@code bytes} of the server's room for bodies for the current request, if there is that much. */
  private boolean takeRoom(int bytes) {
    long left = bodyRoom.get();
    while (left >= bytes) {
      if (bodyRoom.compareAndSet(left, left - bytes)) {
        held += bytes;
        return true;
      }
      left = bodyRoom.get();
    }
    return false;
  }

  private boolean serve(InputStream in, OutputStream out) throws IOException {
    Head head;
    TimedStreams.Input input = timedInput();
    input.head(timeouts.headMillis(), in.available() > 0);
    try {
      head = Http1.readHead(in);
    } catch (Refusal r) {
      String id = RequestIds.keepOrCreate(null);
      refuse(in, out, "-", "-", r, id, System.nanoTime());
      return false;
    } catch (SocketTimeoutException e) {
      if (!input.headStarted()) {
        return false; // idle: closed without an answer
      }
      refuse(in, out, "-", "-", new Refusal(408, "the request head did not arrive within "
          + seconds(timeouts.headMillis()) + " of its first byte; send it at once"), RequestIds.keepOrCreate(null),
          System.nanoTime());
      return false;
    }
    if (head == null) {
      return false;
    }
    long start = System.nanoTime();
    String method = head.method();
    String target = head.target();
    String id = RequestIds.keepOrCreate(head.first(RequestIds.HEADER).orElse(null));
    Framing framing;
    String authority;
    try {
      authority = Http1.absoluteAuthority(head.target());
      target = Http1.originForm(head.target());
      Http1.checkHost(head);
      framing = Http1.framing(head);
    } catch (Refusal r) {
      refuse(in, out, method, target, r, id, start);
      return false;
    }
    Request.Builder builder;
    Request bare;
    try {
      builder = Request.newBuilder().method(method).target(target);
      for (Http1.Field field : head.fields()) {
        if (field.name().equalsIgnoreCase("Host") && authority != null) {
          builder.header(field.name(), authority); // RFC 9112 §3.2.2: the target's authority wins
        } else if (!field.name().equalsIgnoreCase(RequestIds.HEADER)) {
          builder.header(field.name(), field.value());
        }
      }
      if (authority != null && head.first("Host").isEmpty()) {
        builder.header("Host", authority); // HTTP/1.0 may send none
      }
      builder.header(RequestIds.HEADER, id);
      bare = builder.build();
    } catch (IllegalArgumentException e) {
      FailureAnswer answer = FailureAnswer.badRequest(e.getMessage(), id);
      boolean close = head.closes() || framing.hasBody();
      answer(out, method, answer, id, close);
      logLine(method, target, answer.status(), start, id);
      return finish(in, close);
    }
    Optional<Limits> limits = isola.limitsFor(bare.method(), bare.path());
    boolean bodyLeft = framing.hasBody();
    Request request = bare;
    if (limits.isPresent() && framing.hasBody()) {
      var max = limits.get().maxRequestBody();
      byte[] body = null;
      if (framing.chunked() || framing.length() <= Math.min(max.bytes(), Integer.MAX_VALUE - 8)) {
        if (head.expectsContinue()) {
          out.write(CONTINUE);
          out.flush();
        }
        input.body(timeouts.bodyGraceMillis(), timeouts.minBodyBytesPerSecond());
        try {
          body = framing.chunked() ? Http1.readChunked(in, max.bytes(), this::takeRoom)
              : readFixed(in, (int) framing.length());
        } catch (Refusal r) {
          refuse(in, out, method, target, r, id, start);
          return false;
        } catch (SocketTimeoutException e) {
          refuse(in, out, method, target, new Refusal(408, "the request body arrived too slowly: a body may take "
              + seconds(timeouts.bodyGraceMillis()) + " plus a second per " + timeouts.minBodyBytesPerSecond()
              + " bytes"), id, start);
          return false;
        }
      }
      if (body == null) {
        FailureAnswer answer = FailureAnswer.tooLarge(max, id);
        answer(out, method, answer, id, true);
        logLine(method, target, answer.status(), start, id);
        return finish(in, true);
      }
      request = builder.body(body).build();
      bodyLeft = false;
    }
    boolean close = head.closes() || bodyLeft; // an unread body cannot be skipped reliably
    Outcome outcome = call(request, limits.isPresent(), method, target, id);
    Response response = outcome.response();
    FailureAnswer answer = outcome.failure();
    if (response != null) {
      write(out, method, response, id, close);
      logLine(method, target, response.status(), start, id);
    } else if (answer != null) {
      close |= answer.closeConnection();
      answer(out, method, answer, id, close);
      logLine(method, target, answer.status(), start, id);
    }
    return finish(in, close);
  }

  private record Outcome(@Nullable Response response, @Nullable FailureAnswer failure) {}

  /**
   * Runs {@code isola.handle} for a routed request on the server's pool (a request no route matches
   * is answered in place: no guest runs for it). A full pool answers 503 at once.
   */
  private Outcome call(Request request, boolean routed, String method, String target, String id) {
    try {
      Response response;
      if (routed) {
        Future<Response> future;
        try {
          future = calls.submit(() -> isola.handle(request));
        } catch (RejectedExecutionException e) {
          log.warn("{} {} -> 503: every request thread is busy and the queue is full (request id {});"
              + " raise [server] threads or queue if this is the expected load", method, target, id);
          return new Outcome(null, FailureAnswer.serverBusy(id));
        }
        try {
          response = future.get();
        } catch (java.util.concurrent.CancellationException e) {
          return new Outcome(null, FailureAnswer.serverBusy(id)); // dropped from the queue: the server is closing
        } catch (ExecutionException e) {
          throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
          future.cancel(true);
          Thread.currentThread().interrupt();
          return new Outcome(null, FailureAnswer.serverFailed(id));
        }
      } else {
        response = isola.handle(request);
      }
      return new Outcome(response, null);
    } catch (IsolaException e) {
      FailureAnswer.log(log, method, target, id, e);
      return new Outcome(null, FailureAnswer.of(e, id));
    } catch (RuntimeException e) {
      log.error("{} {} failed outside the handler (request id {})", method, target, id, e);
      return new Outcome(null, FailureAnswer.serverFailed(id));
    }
  }

  private byte[] readFixed(InputStream in, int length) throws IOException, Refusal {
    ByteArrayOutputStream body = new ByteArrayOutputStream(Math.min(length, Http1.BODY_PIECE));
    Http1.readBody(in, length, body, this::takeRoom);
    return body.toByteArray();
  }

  private void refuse(InputStream in, OutputStream out, String method, String target, Refusal refusal, String id,
      long start) throws IOException {
    String shown = Http1.quote(target); // as sent: it may hold what a log line must not
    log.info("{} {}: refused with {} (request id {}): {}", method, shown, refusal.status(), id, refusal.getMessage());
    FailureAnswer answer = FailureAnswer.refused(refusal.status(), refusal.getMessage(), id);
    if (answer.status() == 503) { // no room for the body: the client may retry
      answer = new FailureAnswer(503, answer.text(), OptionalLong.of(1), true);
    }
    answer(out, method, answer, id, true);
    logLine(method, shown, answer.status(), start, id);
    finish(in, true);
  }

  /**
   * After an answer: true to go on reading requests, or, when the connection is to close, false
   * after closing it gracefully: the output is shut, and what the client still sends is read and
   * dropped for a moment, so the answer is not lost to a reset caused by unread input.
   */
  private boolean finish(InputStream in, boolean close) {
    if (!close) {
      return true;
    }
    try {
      socket.shutdownOutput();
      timedInput().within(DRAIN_MILLIS, "the drain after the last answer");
      byte[] sink = new byte[8192];
      long drained = 0;
      while (drained < DRAIN_BYTES) {
        int n = in.read(sink);
        if (n < 0) {
          break;
        }
        drained += n;
      }
    } catch (IOException e) {
      // the client is gone or too slow: close anyway
    }
    return false;
  }

  /** Writes a handler's response: its headers minus those the server owns, framed by Content-Length. */
  private static void write(OutputStream out, String method, Response response, String id, boolean close)
      throws IOException {
    int status = response.status();
    StringBuilder head = statusLine(status, id);
    response.headers().forEach((name, value) -> {
      if (!ResponseRules.isServerOwned(name)) {
        head.append(name).append(": ").append(value).append("\r\n");
      }
    });
    byte[] body = response.bodyBytes();
    boolean noBody = ResponseRules.hasNoBody(method, status, body.length);
    endHead(out, head, method, status, noBody ? 0 : body.length, close);
    if (!noBody) {
      out.write(body);
    }
    out.flush();
  }

  /** Writes a short plain-text answer of the server's own. */
  private static void answer(OutputStream out, String method, FailureAnswer answer, String id, boolean close)
      throws IOException {
    StringBuilder head = statusLine(answer.status(), id);
    head.append("Content-Type: ").append(FailureAnswer.CONTENT_TYPE).append("\r\n");
    answer.retryAfterSeconds().ifPresent(seconds -> head.append("Retry-After: ").append(seconds).append("\r\n"));
    byte[] body = answer.body();
    endHead(out, head, method, answer.status(), body.length, close || answer.closeConnection());
    if (!method.equalsIgnoreCase("HEAD")) {
      out.write(body);
    }
    out.flush();
  }

  private static StringBuilder statusLine(int status, String id) {
    StringBuilder head = new StringBuilder(256);
    head.append("HTTP/1.1 ").append(status).append(' ').append(ResponseRules.reasonPhrase(status)).append("\r\n");
    head.append("Date: ").append(IMF_FIXDATE.format(ZonedDateTime.now(ZoneOffset.UTC))).append("\r\n");
    head.append(RequestIds.HEADER).append(": ").append(id).append("\r\n");
    return head;
  }

  /**
   * Content-Length (none for HEAD, 204 and 304: a HEAD answer's length would have to be the GET's,
   * which the server no longer knows), Connection, the empty line.
   */
  private static void endHead(OutputStream out, StringBuilder head, String method, int status, int length,
      boolean close) throws IOException {
    if (!method.equalsIgnoreCase("HEAD") && status != 204 && status != 304) {
      head.append("Content-Length: ").append(length).append("\r\n");
    }
    if (close) {
      head.append("Connection: close\r\n");
    }
    head.append("\r\n");
    out.write(Http1.latin1(head.toString()));
  }

  private TimedStreams.Input timedInput() {
    TimedStreams.Input timed = input;
    if (timed == null) {
      throw new IllegalStateException("the connection's input is not open");
    }
    return timed;
  }

  private static String seconds(int millis) {
    return millis % 1000 == 0 ? millis / 1000 + " s" : millis + " ms";
  }

  private static void logLine(String method, String target, int status, long start, String id) {
    if (log.isInfoEnabled()) { // spares the arguments' array and boxing when the line is off
      log.info("{} {} -> {} in {} us (request id {})", method, target, status, (System.nanoTime() - start) / 1000, id);
    }
  }
}
