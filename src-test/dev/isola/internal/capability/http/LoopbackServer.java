package dev.isola.internal.capability.http;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A real HTTP server on 127.0.0.1 for tests, recording every request it gets before its handler
 * answers.
 */
public final class LoopbackServer implements AutoCloseable {

  /** A request as the server saw it. */
  public record Seen(String method, String path, Headers headers, byte[] body) {}

  /** Answers one exchange; the request body has already been read into {@link Seen#body()}. */
  @FunctionalInterface
  interface Answer {
    void answer(HttpExchange exchange, Seen request) throws IOException;
  }

  private final HttpServer server;
  private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
  public final List<Seen> seen = new CopyOnWriteArrayList<>();

  private LoopbackServer(Answer answer) throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(threads);
    server.createContext("/", exchange -> {
      try (exchange) {
        Seen request = new Seen(exchange.getRequestMethod(), exchange.getRequestURI().toString(),
            exchange.getRequestHeaders(), exchange.getRequestBody().readAllBytes());
        seen.add(request);
        answer.answer(exchange, request);
      }
    });
    server.start();
  }

  static LoopbackServer start(Answer answer) throws IOException {
    return new LoopbackServer(answer);
  }

  /** A server answering every request with {@code status} and {@code body}. */
  public static LoopbackServer answering(int status, String body) throws IOException {
    return start((exchange, request) -> respond(exchange, status, body));
  }

  /** A server redirecting every request to {@code location} with {@code status}. */
  static LoopbackServer redirecting(int status, String location) throws IOException {
    return start((exchange, request) -> {
      exchange.getResponseHeaders().add("Location", location);
      respond(exchange, status, "moved");
    });
  }

  static void respond(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    exchange.getResponseBody().write(bytes);
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** The grant for this server, e.g. {@code http://127.0.0.1:40123}. */
  String origin() {
    return "http://127.0.0.1:" + port();
  }

  public URI uri(String path) {
    return URI.create(origin() + path);
  }

  int hits() {
    return seen.size();
  }

  @Override
  public void close() {
    server.stop(0);
    threads.shutdownNow();
  }
}
