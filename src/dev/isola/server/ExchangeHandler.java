package dev.isola.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.isola.Isola;
import dev.isola.IsolaException;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.http.CappedBody;
import dev.isola.internal.http.FailureAnswer;
import dev.isola.internal.http.RequestIds;
import dev.isola.internal.http.ResponseRules;
import java.io.IOException;
import java.net.URI;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Maps one JDK {@link HttpExchange} to an Isola {@link Request} and writes back the answer. The rules
 * shared with the other adapters (request ids, body caps, failure answers) are in {@code
 * dev.isola.internal.http}.
 */
final class ExchangeHandler implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(DevServer.class);

  private final Isola isola;

  ExchangeHandler(Isola isola) {
    this.isola = isola;
  }

  @Override
  public void handle(HttpExchange exchange) {
    long start = System.nanoTime();
    String method = exchange.getRequestMethod();
    String target = target(exchange.getRequestURI());
    String id = RequestIds.keepOrCreate(exchange.getRequestHeaders().getFirst(RequestIds.HEADER));
    try {
      exchange.getResponseHeaders().set(RequestIds.HEADER, id);
      serve(exchange, method, target, id);
    } catch (IOException e) {
      log.debug("{} {}: connection failed (request id {}): {}", method, target, id, e.toString());
    } catch (RuntimeException e) {
      log.error("{} {}: the dev server failed (request id {})", method, target, id, e);
      answerIfStillPossible(exchange, id);
    } finally {
      exchange.close();
      if (log.isInfoEnabled()) { // spares the arguments' array and boxing when the line is off
        int status = exchange.getResponseCode();
        log.info("{} {} -> {} in {} us (request id {})", method, target,
            status < 0 ? "no answer" : status, (System.nanoTime() - start) / 1000, id);
      }
    }
  }

  private static void answerIfStillPossible(HttpExchange exchange, String id) {
    if (exchange.getResponseCode() < 0) {
      try {
        answer(exchange, FailureAnswer.serverFailed(id));
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
      answer(exchange, FailureAnswer.badRequest(e.getMessage()));
      return;
    }
    Optional<Limits> limits = isola.limitsFor(head.method(), head.path());
    if (limits.isPresent()) {
      // The JDK server has already refused malformed Content-Length headers.
      long declared = CappedBody.parseLength(exchange.getRequestHeaders().getFirst("Content-Length"));
      byte[] body = CappedBody.read(exchange.getRequestBody(), declared, limits.get().maxRequestBody().bytes());
      if (body == null) {
        answer(exchange, FailureAnswer.tooLarge(limits.get().maxRequestBody(), id));
        return;
      }
      builder.body(body);
    }
    Response response;
    try {
      response = isola.handle(limits.isPresent() ? builder.build() : head);
    } catch (IsolaException e) {
      FailureAnswer.log(log, method, target, id, e);
      answer(exchange, FailureAnswer.of(e, id));
      return;
    } catch (RuntimeException e) {
      log.error("{} {} failed outside the handler (request id {})", method, target, id, e);
      answer(exchange, FailureAnswer.serverFailed(id));
      return;
    }
    write(exchange, method, response);
  }

  private static void copyHeaders(HttpExchange exchange, Request.Builder builder, String id) {
    exchange.getRequestHeaders().forEach((name, values) -> {
      if (!name.equalsIgnoreCase(RequestIds.HEADER)) {
        values.forEach(value -> builder.header(name, value));
      }
    });
    builder.header(RequestIds.HEADER, id);
  }

  private static void write(HttpExchange exchange, String method, Response response) throws IOException {
    var headers = exchange.getResponseHeaders();
    response.headers().forEach((name, value) -> {
      if (!ResponseRules.isServerOwned(name)) {
        headers.add(name, value);
      }
    });
    int status = response.status();
    byte[] body = response.bodyBytes();
    boolean noBody = ResponseRules.hasNoBody(method, status, body.length);
    exchange.sendResponseHeaders(status, noBody ? -1 : body.length);
    if (!noBody) {
      exchange.getResponseBody().write(body);
    }
  }

  /** A short plain-text answer written by the server itself. */
  private static void answer(HttpExchange exchange, FailureAnswer answer) throws IOException {
    var headers = exchange.getResponseHeaders();
    headers.set("Content-Type", FailureAnswer.CONTENT_TYPE);
    answer.retryAfterSeconds().ifPresent(seconds -> headers.set("Retry-After", Long.toString(seconds)));
    if (answer.closeConnection()) {
      headers.set("Connection", "close");
    }
    byte[] body = answer.body();
    boolean head = exchange.getRequestMethod().equalsIgnoreCase("HEAD");
    exchange.sendResponseHeaders(answer.status(), head ? -1 : body.length);
    if (!head) {
      exchange.getResponseBody().write(body);
    }
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
}
