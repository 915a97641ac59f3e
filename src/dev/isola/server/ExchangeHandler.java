package dev.isola.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.isola.CapabilityDeniedException;
import dev.isola.GuestException;
import dev.isola.Isola;
import dev.isola.IsolaException;
import dev.isola.LimitExceededException;
import dev.isola.Limits;
import dev.isola.OverloadedException;
import dev.isola.Request;
import dev.isola.Response;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps one JDK {@link HttpExchange} to an Isola {@link Request} and writes back the answer. */
final class ExchangeHandler implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(DevServer.class);

  static final String REQUEST_ID = "X-Request-Id";

  /** Response headers the server itself manages; a handler's values for them are dropped. */
  private static final Set<String> HOP_BY_HOP = Set.of(
      "connection", "content-length", "keep-alive", "proxy-connection", "te", "trailer",
      "transfer-encoding", "upgrade", "date");

  private final Isola isola;

  ExchangeHandler(Isola isola) {
    this.isola = isola;
  }

  @Override
  public void handle(HttpExchange exchange) {
    long start = System.nanoTime();
    String method = exchange.getRequestMethod();
    String target = target(exchange.getRequestURI());
    String id = requestId(exchange);
    try {
      exchange.getResponseHeaders().set(REQUEST_ID, id);
      serve(exchange, method, target, id);
    } catch (IOException e) {
      log.debug("{} {}: connection failed (request id {}): {}", method, target, id, e.toString());
    } catch (RuntimeException e) {
      log.error("{} {}: the dev server failed (request id {})", method, target, id, e);
      answerIfStillPossible(exchange, id);
    } finally {
      exchange.close();
      int status = exchange.getResponseCode();
      log.info("{} {} -> {} in {} us (request id {})", method, target,
          status < 0 ? "no answer" : status, (System.nanoTime() - start) / 1000, id);
    }
  }

  private static void answerIfStillPossible(HttpExchange exchange, String id) {
    if (exchange.getResponseCode() < 0) {
      try {
        text(exchange, 500, "the server failed (request id " + id + "); see the server log");
      } catch (IOException | RuntimeException e) {
        log.debug("cannot answer request {} after a failure: {}", id, e.toString());
      }
    }
  }

  private void serve(HttpExchange exchange, String method, String target, String id) throws IOException {
    Request.Builder builder;
    Request head;
    try {
      builder = Request.newBuilder().method(method).target(target);
      copyHeaders(exchange, builder, id);
      head = builder.build();
    } catch (IllegalArgumentException e) {
      text(exchange, 400, "the request cannot be mapped: " + e.getMessage());
      return;
    }
    Optional<Limits> limits = isola.limitsFor(head.method(), head.path());
    if (limits.isPresent()) {
      long max = limits.get().maxRequestBody().bytes();
      byte[] body = readBody(exchange, max);
      if (body == null) {
        exchange.getResponseHeaders().set("Connection", "close");
        text(exchange, 413, "the request body is larger than this route's max_request_body of "
            + limits.get().maxRequestBody() + " (request id " + id + "); send less");
        return;
      }
      builder.body(body);
    }
    Response response;
    try {
      response = isola.handle(limits.isPresent() ? builder.build() : head);
    } catch (IsolaException e) {
      failed(exchange, method, target, id, e);
      return;
    } catch (RuntimeException e) {
      log.error("{} {} failed outside the handler (request id {})", method, target, id, e);
      text(exchange, 500, "the server failed (request id " + id + "); see the server log");
      return;
    }
    write(exchange, method, response);
  }

  private static void copyHeaders(HttpExchange exchange, Request.Builder builder, String id) {
    exchange.getRequestHeaders().forEach((name, values) -> {
      if (!name.equalsIgnoreCase(REQUEST_ID)) {
        values.forEach(value -> builder.header(name, value));
      }
    });
    builder.header(REQUEST_ID, id);
  }

  /** The body, or {@code null} when it is larger than {@code max}; never buffers more than max + 1 bytes. */
  private static byte @Nullable [] readBody(HttpExchange exchange, long max) throws IOException {
    if (declaredLength(exchange) > max) {
      return null;
    }
    InputStream in = exchange.getRequestBody();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    long total = 0;
    while (true) {
      int want = (int) Math.min(chunk.length, max + 1 - total);
      int n = in.read(chunk, 0, want);
      if (n < 0) {
        return out.toByteArray();
      }
      out.write(chunk, 0, n);
      total += n;
      if (total > max) {
        return null;
      }
    }
  }

  /** The Content-Length the client sent, or -1; the JDK server has already refused malformed ones. */
  private static long declaredLength(HttpExchange exchange) {
    String declared = exchange.getRequestHeaders().getFirst("Content-Length");
    try {
      return declared == null ? -1 : Long.parseLong(declared.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void failed(HttpExchange exchange, String method, String target, String id, IsolaException e)
      throws IOException {
    int status = e.httpStatus();
    // The messages of Isola's exceptions start with the route; a guest's own stack is not in the Java one.
    String guestStack = e instanceof GuestException g ? g.guestStack().map(s -> "\nguest stack:\n" + s).orElse("") : "";
    if (e instanceof GuestException || e instanceof LimitExceededException) {
      // The guest's failure or limit: its message and guest stack say it all; Java frames are noise.
      log.warn("{} {} -> {} (request id {}): {}{}", method, target, status, id, e.getMessage(), guestStack);
    } else {
      log.warn("{} {} -> {} (request id {}): {}", method, target, status, id, e.getMessage(), e);
    }
    if (status == 503) {
      long seconds = e instanceof OverloadedException o ? Math.max(1, o.retryAfter().toSeconds()) : 1;
      exchange.getResponseHeaders().set("Retry-After", Long.toString(seconds));
    }
    text(exchange, status, what(e) + " (request id " + id + "); see the server log");
  }

  /** A few words on what went wrong, safe to show a client: no message, no guest internals. */
  private static String what(IsolaException e) {
    return switch (e) {
      case LimitExceededException l -> switch (l.limit()) {
        case TIMEOUT -> "the handler ran past its timeout";
        case MEMORY -> "the handler ran past its memory budget";
        case REQUEST_BODY -> "the request body is too large";
        case RESPONSE_BODY -> "the handler's response was too large";
      };
      case GuestException g -> "the handler failed";
      case OverloadedException o -> "the route is busy, retry shortly";
      case CapabilityDeniedException c -> "the handler was denied a capability";
      default -> "the call failed";
    };
  }

  private static void write(HttpExchange exchange, String method, Response response) throws IOException {
    var headers = exchange.getResponseHeaders();
    response.headers().forEach((name, value) -> {
      if (!HOP_BY_HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.equalsIgnoreCase(REQUEST_ID)) {
        headers.add(name, value);
      }
    });
    int status = response.status();
    byte[] body = response.bodyBytes();
    boolean noBody = method.equalsIgnoreCase("HEAD") || status < 200 || status == 204 || status == 304
        || body.length == 0;
    exchange.sendResponseHeaders(status, noBody ? -1 : body.length);
    if (!noBody) {
      exchange.getResponseBody().write(body);
    }
  }

  /** A short plain-text answer written by the server itself. */
  private static void text(HttpExchange exchange, int status, String detail) throws IOException {
    byte[] body = (status + " " + reason(status) + ": " + detail + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    boolean head = exchange.getRequestMethod().equalsIgnoreCase("HEAD");
    exchange.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      exchange.getResponseBody().write(body);
    }
  }

  private static String reason(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 413 -> "Content Too Large";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      default -> "Error";
    };
  }

  /** The raw request-target in origin form: path and query exactly as sent (absolute form loses its authority). */
  private static String target(URI uri) {
    String path = uri.getRawPath();
    if (path == null) {
      return uri.toString();
    }
    String query = uri.getRawQuery();
    return (path.isEmpty() ? "/" : path) + (query == null ? "" : "?" + query);
  }

  /** The client's id when it is short and plain, else a new random one. */
  private static String requestId(HttpExchange exchange) {
    String sent = exchange.getRequestHeaders().getFirst(REQUEST_ID);
    if (sent != null && Request.isPlainRequestId(sent)) {
      return sent;
    }
    return String.format("%016x", ThreadLocalRandom.current().nextLong());
  }
}
