package dev.isola.internal.capability.http;

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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * The real {@link HttpTransport}: checks the addresses a hop's origin resolves to against the
 * {@link AddressPolicy} (the lookup bounded by the call's deadline), then exchanges the hop with one
 * JDK {@link HttpClient} (HTTP/2 with HTTP/1.1 fallback, no proxy, redirects never followed by the
 * client: {@link OutboundHttp} follows them, checking each hop). Closed with its {@link OutboundHttp}.
 */
final class NetworkTransport implements HttpTransport {
  /** OutboundHttp's logger, as before the transport was split off: log settings keep working. */
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OutboundHttp.class);
  private static final String CAPABILITY = "outbound HTTP";

  private final HttpClient client;
  private final AddressPolicy addressPolicy;
  /** Name lookups, so they can be bounded by a call's deadline; daemon threads, at most 16. */
  private final ThreadPoolExecutor resolvers = new ThreadPoolExecutor(16, 16, 30, TimeUnit.SECONDS,
      new LinkedBlockingQueue<>(), Thread.ofPlatform().daemon().name("isola-dns-", 1).factory());

  NetworkTransport(Duration connectTimeout, AddressPolicy addressPolicy) {
    if (connectTimeout.isNegative() || connectTimeout.isZero()) {
      throw new IllegalArgumentException("the connect timeout must be positive, got " + connectTimeout);
    }
    this.addressPolicy = Objects.requireNonNull(addressPolicy, "addressPolicy");
    resolvers.allowCoreThreadTimeOut(true);
    this.client = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_2)
        .followRedirects(HttpClient.Redirect.NEVER)
        .proxy(HttpClient.Builder.NO_PROXY)
        .connectTimeout(connectTimeout)
        .build();
  }

  @Override
  public Exchange exchange(Hop hop) {
    checkAddress(hop);
    HttpResponse<byte[]> response = send(hop);
    return new Exchange(response.statusCode(), response.headers(), response.body());
  }

  private void checkAddress(Hop hop) {
    AddressPolicy.Verdict verdict;
    try {
      verdict = checkWithin(hop.origin(), hop.grant(), hop.deadlineNanos(), hop.route());
    } catch (UnknownHostException e) {
      throw new OutboundHttpException("could not resolve host: " + hop.origin().host(), e);
    }
    if (verdict instanceof AddressPolicy.Verdict.Refused refused) {
      // The message reaches the guest: it names the kind of address, never the address a name resolved to.
      log.warn("route \"{}\": outbound HTTP to {} refused: {} ({})", hop.route(), hop.origin(), refused.reason(),
          literal(refused.address()));
      throw new CapabilityDeniedException("route \"" + hop.route() + "\": " + CAPABILITY + " to " + hop.origin()
          + hop.via() + " is denied: it resolves to a loopback, private or otherwise restricted address; to reach"
          + " such an address on purpose, grant its IP literally (outbound_http = [\"http://10.0.0.5:8080\"] or"
          + " Grants.outboundHttp(...)) and request that address");
    }
  }

  /** An address as a URL host: IPv6 in brackets, without a zone id. */
  private static String literal(InetAddress address) {
    String text = address.getHostAddress();
    int zone = text.indexOf('%');
    text = zone >= 0 ? text.substring(0, zone) : text;
    return text.indexOf(':') >= 0 ? "[" + text + "]" : text;
  }

  private HttpResponse<byte[]> send(Hop hop) {
    String route = hop.route();
    Origin origin = hop.origin();
    long remaining = hop.deadlineNanos() - System.nanoTime();
    if (remaining <= 0) {
      throw timeout(route, origin);
    }
    long bodyCap = hop.maxResponseBytes();
    HttpRequest request = request(hop.call().uri(), hop.call(), Duration.ofNanos(remaining));
    CompletableFuture<HttpResponse<byte[]>> future = client.sendAsync(request, info ->
        Redirects.isRedirect(info) ? BoundedBody.skipped() : BoundedBody.capped(bodyCap, info,
            () -> new LimitExceededException(route, Limit.RESPONSE_BODY, "the outbound HTTP response from "
                + origin + " is larger than its cap of " + bodyCap + " bytes; ask for less"
                + " (e.g. a smaller page or range) or raise the route's response cap")));
    try {
      return future.get(remaining, TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw timeout(route, origin);
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new IsolaException("route \"" + route + "\": interrupted during " + CAPABILITY + " to " + origin, e);
    } catch (ExecutionException e) {
      throw failure(route, origin, e.getCause(), hop.deadlineNanos());
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
    Future<AddressPolicy.Verdict> lookup = resolvers.submit(() -> addressPolicy.check(origin, grant));
    try {
      return lookup.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      lookup.cancel(true);
      throw timeout(route, origin);
    } catch (InterruptedException e) {
      lookup.cancel(true);
      Thread.currentThread().interrupt();
      throw new IsolaException("route \"" + route + "\": interrupted while resolving " + origin.host(), e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownHostException unknown) {
        throw unknown;
      }
      if (e.getCause() instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new OutboundHttpException("could not resolve host: " + origin.host(), e.getCause());
    }
  }

  static LimitExceededException timeout(String route, Origin origin) {
    return new LimitExceededException(route, Limit.TIMEOUT, CAPABILITY + " to " + origin + " did not complete"
        + " before the call's deadline; raise the route's timeout or call a faster service");
  }

  /** Stops the client: waits up to 5 seconds for requests in flight, then aborts them. Idempotent. */
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
