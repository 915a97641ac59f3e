package dev.isola.internal.capability.component;

import dev.isola.Headers;
import dev.isola.IsolaException;
import dev.isola.LimitExceededException;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.capability.http.BoundedBody;
import dev.isola.internal.capability.http.HttpCall;
import dev.isola.internal.capability.http.HttpResult;
import dev.isola.internal.capability.http.OutboundHttpException;
import dev.isola.internal.capability.http.RequestHeaders;
import dev.isola.internal.http.FailureAnswer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The components of one {@code Isola}: those it serves (run here, each call in its own fresh
 * sandbox with its own grants) and those it reaches on other nodes ({@code Isola.Builder.remote}).
 * A component call goes to the local component when this node serves it, else over HTTP to its
 * remote: which one is configuration, never the caller's code.
 *
 * <p>What travels with a call, both ways: the time left (the callee runs for at most the lesser of
 * it and its own timeout), the request id ({@code X-Request-Id}), a W3C {@code traceparent} whose
 * span is new for each call, and the call depth; a call past {@link #maxDepth()} is answered 508
 * Loop Detected without running anything. A remote call goes to {@code <remote URL>}{@value
 * #PATH_PREFIX}{@code NAME/<path>} with those in headers and a {@link NodeToken}; the node it reaches
 * serves it only if the token verifies under its own node key.
 */
public final class Components {
  private static final Logger log = LoggerFactory.getLogger(Components.class);

  /** Where a node serves component calls from its peers, before the component's name. */
  public static final String PATH_PREFIX = "/.isola/components/";
  /** The call depth of a remote call: 1 for a call made by a route's handler. */
  public static final String DEPTH_HEADER = "Isola-Call-Depth";
  /** The milliseconds a remote call may still take. */
  public static final String TIMEOUT_HEADER = "Isola-Timeout-Ms";
  /** The deepest chain of component calls by default. */
  public static final int DEFAULT_MAX_DEPTH = 8;
  /** Headers Isola sets on component calls: a guest's own values for them are dropped. */
  static final Set<String> OWN_HEADERS = Set.of("isola-node-token", "isola-call-depth", "isola-timeout-ms",
      "x-request-id", "traceparent", "tracestate");

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]{0,31}");

  /** Runs a component served here (the pipeline, from the component's route on). */
  @FunctionalInterface
  public interface LocalCalls {
    /**
     * Runs one call of local component {@code component}: its answer, or the exception the call
     * ended with (as {@code Isola.handle} throws it).
     *
     * @param deadlineNanos the caller's deadline: the callee's is never later
     * @param depth the callee's depth (1 for a call made by a route's handler)
     * @param link what stops the callee when its caller stops waiting
     * @param pendingWrites the caller's writes waiting for a transaction, which the callee's join; or null
     * @param options how the embedder narrowed the caller's call, which narrows the callee's the same way
     */
    Response call(String component, Request request, long deadlineNanos, int depth, CalleeLink link,
        dev.isola.kv.@Nullable PendingWrites pendingWrites, dev.isola.CallOptions options);
  }

  /**
   * What a component call carries from its caller; {@code options} is how the embedder narrowed the
   * caller's call (a tenant's key prefix, fewer origins), which a callee never escapes.
   */
  public record Hop(String caller, int depth, String requestId, Traceparent trace, long deadlineNanos,
      long maxResponseBytes, dev.isola.kv.@Nullable PendingWrites pendingWrites, dev.isola.CallOptions options) {}

  private final Set<String> local;
  private final Map<String, URI> remotes;
  private final @Nullable NodeToken token;
  private final int maxDepth;
  private volatile @Nullable LocalCalls localCalls;
  private volatile @Nullable HttpClient client;

  /**
   * @param local the components this node serves
   * @param remotes where components this node does not serve run, by name
   * @param nodeKey the key node-to-node calls are signed and checked with, or null for none (then
   *     this node neither calls remotes nor serves its peers)
   * @throws IllegalArgumentException if a remote is given without a node key
   */
  public Components(Set<String> local, Map<String, URI> remotes, byte @Nullable [] nodeKey, int maxDepth, Clock clock) {
    this.local = Set.copyOf(local);
    this.remotes = Map.copyOf(remotes);
    this.token = nodeKey == null ? null : new NodeToken(nodeKey, clock);
    this.maxDepth = maxDepth;
    if (token == null && !remotes.isEmpty()) {
      throw new IllegalArgumentException("remote components " + new TreeSet<>(remotes.keySet()) + " need a node key"
          + " to sign their calls: set Isola.Builder.nodeKey ([node] key_secret in isola.toml), the same on every node");
    }
  }

  /** No components. */
  public static Components none() {
    return new Components(Set.of(), Map.of(), null, DEFAULT_MAX_DEPTH, Clock.systemUTC());
  }

  /** @throws IllegalArgumentException if {@code name} is not a component name */
  public static String checkName(String name) {
    java.util.Objects.requireNonNull(name, "component name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("component name \"" + name + "\" must be lower-case letters and digits,"
          + " starting with a letter, at most 32, e.g. \"inventory\" (it is also a host name: inventory.internal)");
    }
    return name;
  }

  /** Connects the local components, once the pipeline that runs them exists. */
  public void bind(LocalCalls calls) {
    this.localCalls = calls;
  }

  /** Whether a call to {@code name} has somewhere to go: served here, or remote. */
  public boolean knows(String name) {
    return local.contains(name) || remotes.containsKey(name);
  }

  /** Every component a call may go to, sorted: for messages. */
  public Set<String> known() {
    Set<String> all = new TreeSet<>(local);
    all.addAll(remotes.keySet());
    return all;
  }

  /** Whether this node serves {@code name}. */
  public boolean servesLocally(String name) {
    return local.contains(name);
  }

  /** The deepest chain of calls answered; one deeper is 508. */
  public int maxDepth() {
    return maxDepth;
  }

  /** The node token, or null when this node has no node key (then it serves no peer). */
  public @Nullable NodeToken token() {
    return token;
  }

  /**
   * Calls component {@code name} with {@code call} (its URL's path and query are the target; its
   * host is ignored) for the caller described by {@code hop}: the component's answer, whatever its
   * status, or an {@link OutboundHttpException} when a remote node cannot be reached or answers in a
   * way that is not HTTP.
   *
   * @throws LimitExceededException if the caller's time ran out waiting, or the answer is larger
   *     than the caller's response cap
   */
  public HttpResult call(String name, HttpCall call, Hop hop) {
    String target = target(call.uri());
    int depth = hop.depth() + 1;
    if (depth > maxDepth) {
      log.warn("route \"{}\": call {} to component {} refused at depth {}, past the most of {}: a loop?", hop.caller(),
          hop.requestId(), name, depth, maxDepth);
      return loop(name, depth, call.uri());
    }
    long remaining = hop.deadlineNanos() - System.nanoTime();
    if (remaining <= 0) {
      throw timedOut(hop, name);
    }
    boolean here = local.contains(name);
    if (!here && narrowed(hop.options())) {
      throw new OutboundHttpException("component " + name + " runs on another node, and this call is narrowed by"
          + " its CallOptions (key prefix, origins or capabilities), which a remote call cannot carry: the callee"
          + " would run unnarrowed; serve " + name + " on this node (Isola.Builder.serveComponents) or make the call"
          + " without narrowing it");
    }
    Map<String, List<String>> headers = callerHeaders(call.headers());
    headers.put("X-Request-Id", List.of(hop.requestId()));
    headers.put(Traceparent.HEADER, List.of(hop.trace().child().toString()));
    headers.put(DEPTH_HEADER, List.of(Integer.toString(depth)));
    headers.put(TIMEOUT_HEADER, List.of(Long.toString(Math.max(1, TimeUnit.NANOSECONDS.toMillis(remaining)))));
    HttpResult result = here
        ? callLocal(name, call, target, headers, hop, depth)
        : callRemote(name, call, target, headers, hop, depth, remaining);
    if (result.body().length > hop.maxResponseBytes()) {
      throw new LimitExceededException(hop.caller(), LimitExceededException.Limit.RESPONSE_BODY, "the answer of"
          + " component " + name + " is " + result.body().length + " bytes, larger than the caller's response cap of "
          + hop.maxResponseBytes() + " bytes; ask for less or raise the route's max_response_body");
    }
    return result;
  }

  private HttpResult callLocal(String name, HttpCall call, String target, Map<String, List<String>> headers, Hop hop,
      int depth) {
    LocalCalls calls = localCalls;
    if (calls == null) {
      throw new IllegalStateException("component " + name + " is called before this Isola was built");
    }
    Request.Builder request = Request.newBuilder().method(call.method()).target(target).body(call.body());
    try {
      headers.forEach((header, values) -> values.forEach(v -> request.header(header, v)));
    } catch (IllegalArgumentException e) {
      throw new OutboundHttpException("invalid request to component " + name + ": " + e.getMessage());
    }
    Response response;
    try {
      response = calls.call(name, request.build(), hop.deadlineNanos(), depth, new CalleeLink(), hop.pendingWrites(),
          hop.options());
    } catch (IsolaException e) {
      // As a node serving the call over HTTP would answer it (see FailureAnswer): the same status and text.
      FailureAnswer answer = FailureAnswer.of(e, hop.requestId());
      Map<String, List<String>> h = new LinkedHashMap<>();
      h.put("content-type", List.of(FailureAnswer.CONTENT_TYPE));
      answer.retryAfterSeconds().ifPresent(s -> h.put("retry-after", List.of(Long.toString(s))));
      return new HttpResult(answer.status(), h, answer.body(), call.uri());
    }
    Map<String, List<String>> h = new LinkedHashMap<>();
    response.headers().forEach((header, value) ->
        h.computeIfAbsent(header.toLowerCase(Locale.ROOT), k -> new java.util.ArrayList<>()).add(value));
    return new HttpResult(response.status(), h, response.bodyBytes(), call.uri());
  }

  private HttpResult callRemote(String name, HttpCall call, String target, Map<String, List<String>> headers, Hop hop,
      int depth, long remaining) {
    URI base = remotes.get(name);
    NodeToken signer = java.util.Objects.requireNonNull(token, "a remote needs a node key");
    long timeoutMillis = Long.parseLong(headers.get(TIMEOUT_HEADER).get(0));
    URI uri = URI.create(stripSlash(base.toString()) + PATH_PREFIX + name + target);
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(Duration.ofNanos(remaining));
    RequestHeaders.copy(headers, builder);
    builder.header(NodeToken.HEADER, signer.sign(new NodeToken.Claims(name, call.method(), target, depth,
        timeoutMillis, hop.requestId(), call.body())));
    try {
      builder.method(call.method(), call.body().length == 0 ? HttpRequest.BodyPublishers.noBody()
          : HttpRequest.BodyPublishers.ofByteArray(call.body()));
    } catch (IllegalArgumentException e) {
      throw new OutboundHttpException("unsupported HTTP method for component " + name + ": " + call.method());
    }
    long cap = hop.maxResponseBytes();
    CompletableFuture<HttpResponse<byte[]>> future = client().sendAsync(builder.build(), info ->
        BoundedBody.capped(cap, info, () -> new LimitExceededException(hop.caller(),
            LimitExceededException.Limit.RESPONSE_BODY, "the answer of component " + name + " is larger than the"
                + " caller's response cap of " + cap + " bytes; ask for less or raise the route's max_response_body")));
    HttpResponse<byte[]> response;
    try {
      response = future.get(remaining, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw timedOut(hop, name);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new IsolaException("route \"" + hop.caller() + "\": interrupted during a call of component " + name, e);
    } catch (ExecutionException e) {
      throw remoteFailure(hop, name, base, e.getCause());
    }
    Map<String, List<String>> h = new LinkedHashMap<>();
    response.headers().map().forEach((header, values) -> {
      String lower = header.toLowerCase(Locale.ROOT);
      if (!lower.startsWith(":") && !lower.equals("connection") && !lower.equals("keep-alive")
          && !lower.equals("transfer-encoding")) {
        h.put(lower, values);
      }
    });
    return new HttpResult(response.statusCode(), h, response.body(), call.uri());
  }

  /** Whether {@code options} take anything away from the call's grants (its time budget does not). */
  private static boolean narrowed(dev.isola.CallOptions options) {
    return !options.keyPrefix().isEmpty() || options.outboundHttp().isPresent()
        || !options.narrowedCapabilities().isEmpty();
  }

  private RuntimeException remoteFailure(Hop hop, String name, URI base, Throwable error) {
    Throwable cause = error;
    while (cause instanceof java.util.concurrent.CompletionException && cause.getCause() != null) {
      cause = cause.getCause();
    }
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof LimitExceededException limit) {
        return limit;
      }
    }
    log.warn("route \"{}\": call {} to component {} at {} failed", hop.caller(), hop.requestId(), name, base, cause);
    return switch (cause) {
      case HttpTimeoutException e -> timedOut(hop, name);
      case ConnectException e -> new OutboundHttpException("component " + name + " is unreachable: its node at "
          + base + " refused the connection", e);
      case IOException e -> new OutboundHttpException("component " + name + " at " + base + " failed: connection"
          + " closed or broken", e);
      default -> new OutboundHttpException("component " + name + " at " + base + " failed", cause);
    };
  }

  private static LimitExceededException timedOut(Hop hop, String name) {
    return new LimitExceededException(hop.caller(), LimitExceededException.Limit.TIMEOUT, "the call ran past its"
        + " timeout while component " + name + " answered; give the route more time or make the component faster");
  }

  private HttpClient client() {
    HttpClient c = client;
    if (c == null) {
      synchronized (this) {
        c = client;
        if (c == null) {
          c = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
              .followRedirects(HttpClient.Redirect.NEVER).version(HttpClient.Version.HTTP_1_1).build();
          client = c;
        }
      }
    }
    return c;
  }

  /** Closes the client of remote calls, if one was made. */
  public void close() {
    HttpClient c = client;
    if (c != null) {
      c.close();
    }
  }

  /** 508 Loop Detected, as the node that refuses the call answers it. */
  public static HttpResult loop(String name, int depth, URI uri) {
    byte[] body = loopText(name, depth).getBytes(StandardCharsets.UTF_8);
    return new HttpResult(508, Map.of("content-type", List.of(FailureAnswer.CONTENT_TYPE)), body, uri);
  }

  /** The body of a 508 answer. */
  public static String loopText(String name, int depth) {
    return "508 Loop Detected: the call of component " + name + " would be call number " + depth + " in one chain,"
        + " more than max_call_depth allows; a component calls itself through others?\n";
  }

  /** The target of {@code uri}: its raw path ({@code /} if empty) and query. */
  static String target(URI uri) {
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
  }

  /** The caller's headers without those Isola sets itself. */
  static Map<String, List<String>> callerHeaders(Map<String, List<String>> headers) {
    Map<String, List<String>> kept = new LinkedHashMap<>();
    headers.forEach((name, values) -> {
      if (!OWN_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
        kept.put(name, values);
      }
    });
    return kept;
  }

  /**
   * What a remote call's headers become for the callee: all but the node token, so that the
   * callee sees what a local callee sees (the request id, trace, depth and time left, for reading).
   */
  public static Headers withoutToken(Headers headers) {
    Headers.Builder kept = Headers.newBuilder();
    headers.forEach((name, value) -> {
      if (!name.equalsIgnoreCase(NodeToken.HEADER)) {
        kept.add(name, value);
      }
    });
    return kept.build();
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
