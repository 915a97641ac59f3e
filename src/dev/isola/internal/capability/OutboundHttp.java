package dev.isola.internal.capability;

import dev.isola.CapabilityDeniedException;
import dev.isola.IsolaException;
import dev.isola.LimitExceededException;
import dev.isola.LimitExceededException.Limit;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Performs guests' outbound HTTP requests: one per {@code Isola}, owning one JDK {@link HttpClient}
 * (HTTP/2 with HTTP/1.1 fallback, no proxy, redirects never followed by the client), closed with it.
 *
 * <p>{@link #send} checks the URL against the route's {@link OriginAllowList} and the {@link
 * AddressPolicy} before anything is sent, and follows redirects itself (at most {@value
 * #MAX_REDIRECTS}) so that every hop is checked the same way. Outcomes:
 *
 * <ul>
 *   <li>an {@link HttpResult}, whatever its status;
 *   <li>{@link CapabilityDeniedException} for a URL the route may not reach, on any hop;
 *   <li>{@link LimitExceededException} for a request body over this instance's cap ({@code
 *       REQUEST_BODY}), a response body over the call's cap ({@code RESPONSE_BODY}) or an answer
 *       that is not complete by the call's deadline ({@code TIMEOUT});
 *   <li>{@link OutboundHttpException}, with a message safe for the guest, for network failures and
 *       bad requests, which the guest may catch;
 *   <li>{@link IsolaException} when the calling thread is interrupted; the interrupt flag stays set.
 * </ul>
 *
 * <p>Thread-safe: one instance serves all routes and calls.
 */
public final class OutboundHttp implements AutoCloseable {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OutboundHttp.class);
  /** The request body cap when none is given: 8 MiB. */
  public static final long DEFAULT_MAX_REQUEST_BODY = 8L * 1024 * 1024;
  /** How long connecting may take when none is given: 10 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Redirects followed for one request; one more fails it. */
  public static final int MAX_REDIRECTS = 5;

  private static final String CAPABILITY = "outbound HTTP";
  private static final long LARGEST_BODY = Integer.MAX_VALUE - 16;

  private final HttpClient client;
  private final long maxRequestBody;
  /** Name lookups, so they can be bounded by a call's deadline; daemon threads, at most 16. */
  private final java.util.concurrent.ThreadPoolExecutor resolvers = new java.util.concurrent.ThreadPoolExecutor(
      16, 16, 30, java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(),
      Thread.ofPlatform().daemon().name("isola-dns-", 1).factory());

  {
    resolvers.allowCoreThreadTimeOut(true);
  }
  private final AddressPolicy addressPolicy;

  /** An instance with the default connect timeout and request body cap, resolving with the JVM. */
  public OutboundHttp() {
    this(DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_REQUEST_BODY, AddressPolicy.system());
  }

  /**
   * @param connectTimeout how long connecting may take (a call's deadline may cut it shorter)
   * @param maxRequestBody the largest request body a guest may send, in bytes
   * @param addressPolicy which resolved addresses may be contacted
   */
  public OutboundHttp(Duration connectTimeout, long maxRequestBody, AddressPolicy addressPolicy) {
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("the connect timeout must be positive, got " + connectTimeout);
    }
    if (maxRequestBody < 0) {
      throw new IllegalArgumentException("the request body cap must not be negative, got " + maxRequestBody);
    }
    this.maxRequestBody = maxRequestBody;
    this.addressPolicy = Objects.requireNonNull(addressPolicy, "addressPolicy");
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_2)
        .followRedirects(HttpClient.Redirect.NEVER)
        .proxy(HttpClient.Builder.NO_PROXY)
        .connectTimeout(connectTimeout)
        .build();
  }

  /**
   * Sends {@code call} for {@code route} and answers with the final response.
   *
   * @param route the route's spec, for messages
   * @param allow the origins the route was granted
   * @param deadlineNanos the {@link System#nanoTime()} by which the whole exchange, redirects and
   *     bodies included, must be done
   * @param maxResponseBytes the largest response body accepted
   */
  public HttpResult send(String route, OriginAllowList allow, HttpCall call, long deadlineNanos,
      long maxResponseBytes) {
    return send(route, allow, null, call, java.util.Set.of(), deadlineNanos, maxResponseBytes);
  }

  /**
   * Like {@link #send(String, OriginAllowList, HttpCall, long, long)}, with every hop also checked
   * against {@code narrowing} (the embedder's list for this call, null for none), and the headers
   * named in {@code secretHeaders} (lower case: they carry secrets) dropped on a redirect to another
   * origin, like {@code Authorization} and {@code Cookie}.
   */
  public HttpResult send(String route, OriginAllowList allow, @org.jspecify.annotations.Nullable OriginAllowList narrowing,
      HttpCall call, java.util.Set<String> secretHeaders, long deadlineNanos, long maxResponseBytes) {
    if (call.body().length > maxRequestBody) {
      throw new LimitExceededException(route, Limit.REQUEST_BODY, "the outbound HTTP request body of "
          + call.body().length + " bytes is larger than the cap of " + maxRequestBody + " bytes; send less");
    }
    long bodyCap = Math.min(Math.max(0, maxResponseBytes), LARGEST_BODY);
    HttpCall hop = call;
    String via = "";
    for (int redirects = 0; ; redirects++) {
      Checked checked = admit(route, allow, hop.uri(), via, deadlineNanos);
      if (narrowing != null && narrowing.match(checked.origin()).isEmpty()) {
        throw new CapabilityDeniedException("route \"" + route + "\": " + CAPABILITY + " to " + checked.origin() + via
            + " is granted to the route but not to this call: the embedder narrowed it to " + narrowing
            + " (CallOptions.outboundHttp)");
      }
      HttpResponse<byte[]> response = exchange(route, checked, hop, deadlineNanos, bodyCap);
      Optional<HttpCall> next = Redirects.next(hop, checked.origin(), response, secretHeaders);
      if (next.isEmpty()) {
        return new HttpResult(response.statusCode(), response.headers().map(), response.body(), checked.uri());
      }
      if (redirects == MAX_REDIRECTS) {
        throw new OutboundHttpException("too many redirects: the request to " + Origin.of(call.uri())
            + " was redirected more than " + MAX_REDIRECTS + " times");
      }
      via = " (redirected from " + checked.origin() + ")";
      hop = next.get();
    }
  }

  /** A URL that passed the checks, with its origin; the URL's host is in ASCII. */
  private record Checked(URI uri, Origin origin) {}

  /**
   * Checks a hop's URL against the grants and the address policy.
   *
   * @param via empty for the first hop, else where the redirect came from, for messages
   */
  private Checked admit(String route, OriginAllowList allow, URI uri, String via, long deadlineNanos) {
    Origin origin;
    try {
      origin = Origin.of(uri);
    } catch (IllegalArgumentException e) {
      if (Origin.isHttpScheme(uri.getScheme())) {
        throw new OutboundHttpException("invalid URL " + uri + ": " + e.getMessage());
      }
      throw notHttp(route, uri, via);
    }
    if (!origin.isHttp()) {
      throw notHttp(route, uri, via);
    }
    OriginAllowList.Entry grant = allow.match(origin).orElseThrow(() -> new CapabilityDeniedException(
        "route \"" + route + "\": " + CAPABILITY + " to " + origin + via + " is not granted (granted: "
            + allow + "); to allow it, add outbound_http = [\"" + origin.grantText() + "\"] to the route in"
            + " isola.toml or grant Grants.outboundHttp(\"" + origin.grantText() + "\")"));
    AddressPolicy.Verdict verdict;
    try {
      verdict = checkWithin(origin, grant, deadlineNanos, route);
    } catch (UnknownHostException e) {
      throw new OutboundHttpException("could not resolve host: " + origin.host(), e);
    }
    if (verdict instanceof AddressPolicy.Verdict.Refused refused) {
      // The message reaches the guest: it names the kind of address, never the address a name resolved to.
      log.warn("route \"{}\": outbound HTTP to {} refused: {} ({})", route, origin, refused.reason(),
          literal(refused.address()));
      throw new CapabilityDeniedException("route \"" + route + "\": " + CAPABILITY + " to " + origin + via
          + " is denied: it resolves to a loopback, private or otherwise restricted address; to reach such an"
          + " address on purpose, grant its IP literally (outbound_http = [\"http://10.0.0.5:8080\"] or"
          + " Grants.outboundHttp(...)) and request that address");
    }
    return new Checked(asciiUri(uri, origin), origin);
  }

  /** An address as a URL host: IPv6 in brackets, without a zone id. */
  private static String literal(InetAddress address) {
    String text = address.getHostAddress();
    int zone = text.indexOf('%');
    text = zone >= 0 ? text.substring(0, zone) : text;
    return text.indexOf(':') >= 0 ? "[" + text + "]" : text;
  }

  private static CapabilityDeniedException notHttp(String route, URI uri, String via) {
    return new CapabilityDeniedException("route \"" + route + "\": " + CAPABILITY + " to " + uri + via
        + " is denied: only http and https URLs can be requested, and no grant allows other schemes");
  }

  /** {@code uri} with its host in ASCII, when java.net.URI left an internationalised host unparsed. */
  private static URI asciiUri(URI uri, Origin origin) {
    if (uri.getHost() != null) {
      return uri;
    }
    String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
    String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
    return URI.create(origin.scheme() + "://" + origin.hostForUrl() + ":" + origin.port() + path + query);
  }

  private HttpResponse<byte[]> exchange(String route, Checked target, HttpCall hop, long deadlineNanos,
      long bodyCap) {
    long remaining = deadlineNanos - System.nanoTime();
    if (remaining <= 0) {
      throw timeout(route, target.origin());
    }
    HttpRequest request = request(target.uri(), hop, Duration.ofNanos(remaining));
    CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(request, info ->
        Redirects.isRedirect(info) ? BoundedBody.skipped() : BoundedBody.capped(bodyCap, info,
            () -> new LimitExceededException(route, Limit.RESPONSE_BODY, "the outbound HTTP response from "
                + target.origin() + " is larger than its cap of " + bodyCap + " bytes; ask for less"
                + " (e.g. a smaller page or range) or raise the route's response cap")));
    try {
      return future.get(remaining, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw timeout(route, target.origin());
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new IsolaException("route \"" + route + "\": interrupted during " + CAPABILITY + " to "
          + target.origin(), e);
    } catch (ExecutionException e) {
      throw failure(route, target.origin(), e.getCause(), deadlineNanos);
    }
  }

  private static HttpRequest request(URI uri, HttpCall hop, Duration timeout) {
    HttpRequest.Builder builder = HttpRequest.newBuilder(uri).timeout(timeout);
    RequestHeaders.copy(hop.headers(), builder);
    HttpRequest.BodyPublisher body = hop.body().length == 0 ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofByteArray(hop.body());
    try {
      builder.method(hop.method(), body);
    } catch (IllegalArgumentException e) {
      throw new OutboundHttpException("unsupported HTTP method: " + hop.method());
    }
    return builder.build();
  }

  /** The exception for a failed exchange: a limit, or a guest-safe network failure. */
  private static RuntimeException failure(String route, Origin origin, Throwable error, long deadlineNanos) {
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof LimitExceededException limit) {
        return limit;
      }
    }
    Throwable cause = error;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    return switch (cause) {
      case HttpConnectTimeoutException e when System.nanoTime() - deadlineNanos >= 0 -> timeout(route, origin);
      case HttpConnectTimeoutException e -> new OutboundHttpException("connection timed out: " + origin, e);
      case HttpTimeoutException e -> timeout(route, origin);
      case ConnectException e -> new OutboundHttpException("connection refused: " + origin, e);
      case UnknownHostException e -> new OutboundHttpException("could not resolve host: " + origin.host(), e);
      case SSLException e -> new OutboundHttpException("TLS handshake failed: " + origin, e);
      case IOException e -> new OutboundHttpException("request to " + origin + " failed: connection closed or"
          + " broken", e);
      default -> new OutboundHttpException("request to " + origin + " failed", cause);
    };
  }

  /**
   * The address check, with the name lookup it needs bounded by the call's deadline: a slow DNS
   * server must not hold the call's thread past it (the lookup runs on a resolver thread; an
   * unfinished one is abandoned there).
   */
  private AddressPolicy.Verdict checkWithin(Origin origin, OriginAllowList.Entry grant, long deadlineNanos,
      String route) throws UnknownHostException {
    java.util.concurrent.Future<AddressPolicy.Verdict> lookup = resolvers.submit(() -> addressPolicy.check(origin, grant));
    try {
      return lookup.get(Math.max(0, deadlineNanos - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      lookup.cancel(true);
      throw timeout(route, origin);
    } catch (InterruptedException e) {
      lookup.cancel(true);
      Thread.currentThread().interrupt();
      throw new dev.isola.IsolaException("route \"" + route + "\": interrupted while resolving " + origin.host(), e);
    } catch (java.util.concurrent.ExecutionException e) {
      if (e.getCause() instanceof UnknownHostException unknown) {
        throw unknown;
      }
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new OutboundHttpException("could not resolve host: " + origin.host(), e.getCause());
    }
  }

  private static LimitExceededException timeout(String route, Origin origin) {
    return new LimitExceededException(route, Limit.TIMEOUT, CAPABILITY + " to " + origin + " did not complete"
        + " before the call's deadline; raise the route's timeout or call a faster service");
  }

  /**
   * Stops the client: waits up to 5 seconds for requests in flight, then aborts them. Idempotent.
   */
  @Override
  public void close() {
    resolvers.shutdownNow();
    client.shutdown();
    try {
      if (!client.awaitTermination(Duration.ofSeconds(5))) {
        client.shutdownNow();
      }
    } catch (InterruptedException e) {
      client.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
