package dev.isola.servlet;

import dev.isola.Isola;
import dev.isola.IsolaException;
import dev.isola.Limits;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.http.CappedBody;
import dev.isola.internal.http.FailureAnswer;
import dev.isola.internal.http.RequestIds;
import dev.isola.internal.http.ResponseRules;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.Serial;
import java.util.Collections;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A servlet that hands every request to an {@link Isola}, for Jakarta Servlet 6 containers (Jetty
 * 12 ee10, Tomcat 10.1+, Undertow, Spring Boot 3).
 *
 * <pre>{@code
 * Isola isola = Isola.newBuilder()
 *     .route("GET /hello/:name", Handler.javascript(Path.of("handlers/hello.js")))
 *     .build();
 * // In a ServletContextInitializer, ServletContainerInitializer or the container's API:
 * servletContext.addServlet("isola", new IsolaServlet(isola, "/fn")).addMapping("/fn/*");
 * // GET /<context>/fn/hello/world reaches the route "GET /hello/:name"
 * }</pre>
 *
 * <p>The path a route sees is the raw, still percent-encoded request URI ({@link
 * HttpServletRequest#getRequestURI()}) without the context path and without {@code prefix}; the
 * query is the raw query string. The container's decoded {@code getServletPath()} and {@code
 * getPathInfo()} are not used, so routing decodes exactly once, in Isola. Give as {@code prefix}
 * the literal part of the servlet's mapping ({@code "/fn"} for {@code /fn/*}), or use {@link
 * #IsolaServlet(Isola)} when the servlet is mapped at {@code /*} or {@code /}. A request whose raw
 * path does not start with the prefix (one the container matched only after decoding, e.g. {@code
 * /f%6E/x}) gets 404.
 *
 * <p>Per request, with the same rules as the dev server ({@link dev.isola.server.DevServer}):
 *
 * <ul>
 *   <li>The client's {@code X-Request-Id} is kept when it is at most 64 characters of {@code
 *       [A-Za-z0-9._-]}, otherwise replaced by a new one; it is passed to the handler, echoed in the
 *       response and named in every log line about the request.
 *   <li>The body is read only when a route matches (otherwise Isola answers 404, 405 or 400
 *       without it), and never beyond that route's {@link Limits#maxRequestBody()}: a larger {@code
 *       Content-Length} is answered with 413 before any of the body is read, a body without one is
 *       read to at most one byte past the cap. A 413 closes the connection.
 *   <li>A failed call is answered with its {@link IsolaException#httpStatus()} (413, 403, 500, 502,
 *       503 with {@code Retry-After}, 504) and a short text naming the request id, never the
 *       exception message or guest stack; those are logged at WARN. A request that cannot be
 *       mapped (a header value Isola refuses, an odd method) gets 400.
 *   <li>Hop-by-hop and framing headers of the handler's response ({@code Connection}, {@code
 *       Content-Length}, {@code Transfer-Encoding}, ...) and its {@code Date} are left to the
 *       container. {@code HEAD} is answered without a body.
 * </ul>
 *
 * <p>The call blocks the container's request thread while the handler runs (guest code runs on it
 * when it is a platform thread; on a virtual thread, Isola moves the call to its own platform
 * threads). The servlet does not own the {@code Isola}: close it when the application stops.
 */
public final class IsolaServlet extends HttpServlet {
  @Serial
  private static final long serialVersionUID = 1L;

  private static final Logger log = LoggerFactory.getLogger(IsolaServlet.class);

  /** Not serialized: a servlet container that passivates servlets would need to rebuild it. */
  private final transient Isola isola;
  private final String prefix;

  /** A servlet whose routes see the path after the context path; map it at {@code /*} or {@code /}. */
  public IsolaServlet(Isola isola) {
    this(isola, "");
  }

  /**
   * A servlet whose routes see the path after the context path and {@code prefix}, e.g. {@code
   * "/fn"} when it is mapped at {@code /fn/*}.
   *
   * @throws IllegalArgumentException unless {@code prefix} is empty or starts with {@code /}, has no
   *     trailing {@code /} and no {@code *}
   */
  public IsolaServlet(Isola isola, String prefix) {
    this.isola = Objects.requireNonNull(isola, "isola");
    Objects.requireNonNull(prefix, "prefix");
    if (!prefix.isEmpty() && (!prefix.startsWith("/") || prefix.endsWith("/") || prefix.contains("*"))) {
      throw new IllegalArgumentException("prefix \"" + prefix + "\" must be empty or a path like \"/fn\""
          + " (leading '/', no trailing '/', no '*'): give the literal part of the servlet mapping \"/fn/*\"");
    }
    this.prefix = prefix;
  }

  @Override
  protected void service(HttpServletRequest request, HttpServletResponse response) {
    long start = System.nanoTime();
    String method = request.getMethod();
    String id = RequestIds.keepOrCreate(request.getHeader(RequestIds.HEADER));
    String target = request.getRequestURI() + (request.getQueryString() == null ? "" : "?" + request.getQueryString());
    try {
      response.setHeader(RequestIds.HEADER, id);
      serve(request, response, method, id);
    } catch (IOException e) {
      log.debug("{} {}: connection failed (request id {}): {}", method, target, id, e.toString());
    } catch (RuntimeException e) {
      log.error("{} {}: the Isola servlet failed (request id {})", method, target, id, e);
      answerIfStillPossible(response, method, id);
    } finally {
      log.debug("{} {} -> {} in {} us (request id {})", method, target, response.getStatus(),
          (System.nanoTime() - start) / 1000, id);
    }
  }

  private void serve(HttpServletRequest request, HttpServletResponse response, String method, String id)
      throws IOException {
    String target = routeTarget(request);
    if (target == null) {
      write(response, method, Response.of(404, "404 Not Found: " + request.getRequestURI()
          + " is outside this servlet's prefix " + prefix + "\n"));
      return;
    }
    Request.Builder builder;
    Request head;
    try {
      builder = Request.newBuilder().method(method).target(target);
      copyHeaders(request, builder, id);
      head = builder.build();
    } catch (IllegalArgumentException e) {
      answer(response, method, id, FailureAnswer.badRequest(e.getMessage(), id));
      return;
    }
    Optional<Limits> limits = isola.limitsFor(head.method(), head.path());
    if (limits.isPresent()) {
      byte[] body = CappedBody.read(request.getInputStream(), request.getContentLengthLong(),
          limits.get().maxRequestBody().bytes());
      if (body == null) {
        answer(response, method, id, FailureAnswer.tooLarge(limits.get().maxRequestBody(), id));
        return;
      }
      builder.body(body);
    }
    Response answer;
    try {
      answer = isola.handle(limits.isPresent() ? builder.build() : head);
    } catch (IsolaException e) {
      FailureAnswer.log(log, method, target, id, e);
      answer(response, method, id, FailureAnswer.of(e, id));
      return;
    }
    write(response, method, answer);
  }

  /** The raw path after the context path and prefix, with the raw query; null outside the prefix. */
  private @Nullable String routeTarget(HttpServletRequest request) {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    if (!path.startsWith(prefix)) {
      return null;
    }
    path = path.substring(prefix.length());
    if (!path.isEmpty() && !path.startsWith("/")) {
      return null; // "/fnord" is not under "/fn"
    }
    String query = request.getQueryString();
    return (path.isEmpty() ? "/" : path) + (query == null ? "" : "?" + query);
  }

  private static void copyHeaders(HttpServletRequest request, Request.Builder builder, String id) {
    for (String name : Collections.list(request.getHeaderNames())) {
      if (!name.equalsIgnoreCase(RequestIds.HEADER)) {
        for (String value : Collections.list(request.getHeaders(name))) {
          builder.header(name, value);
        }
      }
    }
    builder.header(RequestIds.HEADER, id);
  }

  private static void write(HttpServletResponse response, String method, Response answer) throws IOException {
    response.setStatus(answer.status());
    answer.headers().forEach((name, value) -> {
      if (!ResponseRules.isServerOwned(name)) {
        response.addHeader(name, value);
      }
    });
    byte[] body = answer.bodyBytes();
    if (!ResponseRules.hasNoBody(method, answer.status(), body.length)) {
      response.setContentLength(body.length);
      response.getOutputStream().write(body);
    }
  }

  /** A short plain-text answer written by the servlet itself. */
  private static void answer(HttpServletResponse response, String method, String id, FailureAnswer answer)
      throws IOException {
    response.setStatus(answer.status());
    response.setHeader(RequestIds.HEADER, id);
    response.setContentType(FailureAnswer.CONTENT_TYPE);
    answer.retryAfterSeconds().ifPresent(seconds -> response.setHeader("Retry-After", Long.toString(seconds)));
    if (answer.closeConnection()) {
      response.setHeader("Connection", "close");
    }
    byte[] body = answer.body();
    response.setContentLength(body.length);
    if (!method.equalsIgnoreCase("HEAD")) {
      response.getOutputStream().write(body);
    }
  }

  private static void answerIfStillPossible(HttpServletResponse response, String method, String id) {
    if (!response.isCommitted()) {
      try {
        response.reset();
        answer(response, method, id, FailureAnswer.serverFailed(id));
      } catch (IOException | RuntimeException e) {
        log.debug("cannot answer request {} after a failure: {}", id, e.toString());
      }
    }
  }

  @Override
  public String toString() {
    return "IsolaServlet{" + isola.routes() + (prefix.isEmpty() ? "" : ", prefix " + prefix) + "}";
  }
}
