package dev.isola.internal.capability.http;

import dev.isola.CapabilityDeniedException;
import dev.isola.IsolaException;
import dev.isola.LimitExceededException;
import dev.isola.LimitExceededException.Limit;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Performs guests' outbound HTTP requests: one per {@code Isola}, owning one {@link HttpTransport}
 * (normally a {@link NetworkTransport}: one JDK HTTP client, HTTP/2 with HTTP/1.1 fallback, no
 * proxy, redirects never followed by the client), closed with it.
 *
 * <p>{@link #send} checks the URL against the route's {@link OriginAllowList} (and the transport
 * against the {@link AddressPolicy}) before anything is sent, and follows redirects itself (at most
 * {@value #MAX_REDIRECTS}) so that every hop is checked the same way. Outcomes:
 *
 * <ul>
 *   <li>an {@link HttpResult}, whatever its status;
 *   <li>{@link CapabilityDeniedException} for a URL the route may not reach, on any hop;
 *   <li>{@link LimitExceededException} for a request body over this instance's cap ({@code
 *       REQUEST_BODY}), a response body over the call's cap ({@code RESPONSE_BODY}) or an answer
 *       that is not complete by the call's deadline ({@code TIMEOUT});
 *   <li>{@link OutboundHttpException}, with a message safe for the guest, for network failures and
 *       bad requests (among them the methods {@code TRACE} and {@code TRACK}, which echo the request
 *       and so would show the guest the secret headers the host adds), which the guest may catch;
 *   <li>{@link IsolaException} when the calling thread is interrupted; the interrupt flag stays set.
 * </ul>
 *
 * <p>Thread-safe: one instance serves all routes and calls.
 */
public final class OutboundHttp implements AutoCloseable {
  /** The request body cap when none is given: 8 MiB. */
  public static final long DEFAULT_MAX_REQUEST_BODY = 8L * 1024 * 1024;
  /** How long connecting may take when none is given: 10 seconds. */
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** Redirects followed for one request; one more fails it. */
  public static final int MAX_REDIRECTS = 5;

  private static final String CAPABILITY = "outbound HTTP";
  private static final long LARGEST_BODY = Integer.MAX_VALUE - 16;

  private final HttpTransport transport;
  private final long maxRequestBody;

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
    this(checkCap(maxRequestBody), new NetworkTransport(connectTimeout, addressPolicy));
  }

  /**
   * An instance whose hops are exchanged by {@code transport} (which it closes), with every check
   * of this class in place: how {@code dev.isola.testing} stubs the network.
   */
  public OutboundHttp(HttpTransport transport) {
    this(DEFAULT_MAX_REQUEST_BODY, transport);
  }

  private OutboundHttp(long maxRequestBody, HttpTransport transport) {
    this.maxRequestBody = checkCap(maxRequestBody);
    this.transport = Objects.requireNonNull(transport, "transport");
  }

  private static long checkCap(long maxRequestBody) {
    if (maxRequestBody < 0) {
      throw new IllegalArgumentException("the request body cap must not be negative, got " + maxRequestBody);
    }
    return maxRequestBody;
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
    return send(route, allow, null, call, java.util.List.of(), deadlineNanos, maxResponseBytes);
  }

  /**
   * Like {@link #send(String, OriginAllowList, HttpCall, long, long)}, with every hop also checked
   * against {@code narrowing} (the embedder's list for this call, null for none), and the route's
   * {@code secretHeaders} added by the host, hop by hop: a hop to an origin a secret header is
   * granted for carries it (replacing any header of that name in {@code call}), and once a hop goes
   * to an origin it is not granted for, no later hop carries it. {@code call}'s own headers are what
   * redirects are worked out from, so a secret never reaches a hop through them.
   */
  public HttpResult send(String route, OriginAllowList allow, @org.jspecify.annotations.Nullable OriginAllowList narrowing,
      HttpCall call, java.util.List<SecretHeader> secretHeaders, long deadlineNanos, long maxResponseBytes) {
    return send(route, allow, narrowing, call, secretHeaders, deadlineNanos, maxResponseBytes, null);
  }

  /**
   * Told of each hop of an audited route ({@code AuditRecorder}): asked about origins the route's
   * grants do not allow, and told of every hop sent.
   */
  public interface HopRecorder {
    /**
     * A hop to {@code origin}, which the route's grants do not allow: records it, and answers the
     * entry to let it through with (a permissive audit, for a DNS name only: never an entry that
     * {@linkplain OriginAllowList.Entry#namesPrivateTarget() names a private target}), or null to
     * deny it.
     */
    OriginAllowList.@org.jspecify.annotations.Nullable Entry ungranted(Origin origin);

    /** A hop is being sent to {@code origin}, admitted by {@code grant}, carrying {@code secrets}' headers. */
    void sending(Origin origin, OriginAllowList.Entry grant, java.util.List<SecretHeader> secrets);
  }

  /**
   * Like {@link #send(String, OriginAllowList, OriginAllowList, HttpCall, java.util.List, long,
   * long)}, telling {@code recorder} (if not null) of every hop.
   */
  public HttpResult send(String route, OriginAllowList allow, @org.jspecify.annotations.Nullable OriginAllowList narrowing,
      HttpCall call, java.util.List<SecretHeader> secretHeaders, long deadlineNanos, long maxResponseBytes,
      @org.jspecify.annotations.Nullable HopRecorder recorder) {
    String method = call.method().strip().toUpperCase(java.util.Locale.ROOT);
    if (method.equals("TRACE") || method.equals("TRACK")) {
      // Forbidden as fetch forbids them: they echo the request back, the secret headers the host adds included.
      throw new OutboundHttpException("the HTTP method " + call.method().strip() + " cannot be sent: TRACE and"
          + " TRACK echo the request back, headers the host adds included; use another method");
    }
    if (call.body().length > maxRequestBody) {
      throw new LimitExceededException(route, Limit.REQUEST_BODY, "the outbound HTTP request body of "
          + call.body().length + " bytes is larger than the cap of " + maxRequestBody + " bytes; send less");
    }
    long bodyCap = Math.min(Math.max(0, maxResponseBytes), LARGEST_BODY);
    HttpCall hop = call;
    java.util.List<SecretHeader> injecting = java.util.List.copyOf(secretHeaders);
    String via = "";
    for (int redirects = 0; ; redirects++) {
      Checked checked = admit(route, allow, hop.uri(), via, recorder);
      if (narrowing != null && narrowing.match(checked.origin()).isEmpty()) {
        throw new CapabilityDeniedException("route \"" + route + "\": " + CAPABILITY + " to " + checked.origin() + via
            + " is granted to the route but not to this call: the embedder narrowed it to " + narrowing
            + " (CallOptions.outboundHttp)");
      }
      Origin hopOrigin = checked.origin();
      injecting = injecting.stream().filter(secret -> secret.origins().match(hopOrigin).isPresent()).toList();
      HttpCall sent = new HttpCall(hop.method(), checked.uri(), withSecrets(route, hop.headers(), injecting),
          hop.body());
      if (recorder != null) {
        recorder.sending(hopOrigin, checked.grant(), injecting);
      }
      HttpTransport.Exchange response = transport.exchange(
          new HttpTransport.Hop(route, sent, checked.origin(), checked.grant(), via, deadlineNanos, bodyCap));
      Optional<HttpCall> next = Redirects.next(hop, checked.origin(), response.status(), response.headers());
      if (next.isEmpty()) {
        if (response.body().length > bodyCap) { // a transport other than the network's might not cap it
          throw new LimitExceededException(route, Limit.RESPONSE_BODY, "the outbound HTTP response from "
              + checked.origin() + " is larger than its cap of " + bodyCap + " bytes; ask for less"
              + " (e.g. a smaller page or range) or raise the route's response cap");
        }
        return new HttpResult(response.status(), response.headers().map(), response.body(), checked.uri());
      }
      if (redirects == MAX_REDIRECTS) {
        throw new OutboundHttpException("too many redirects: the request to " + Origin.of(call.uri())
            + " was redirected more than " + MAX_REDIRECTS + " times");
      }
      via = " (redirected from " + checked.origin() + ")";
      hop = next.get();
    }
  }

  /**
   * {@code headers} (the guest's) with each of {@code secrets} set by the host: a guest header of the
   * same name, in any case, is dropped, so the wire carries the host's value only.
   */
  private static java.util.Map<String, java.util.List<String>> withSecrets(String route,
      java.util.Map<String, java.util.List<String>> headers, java.util.List<SecretHeader> secrets) {
    if (secrets.isEmpty()) {
      return headers;
    }
    java.util.Map<String, SecretHeader> byName = new java.util.LinkedHashMap<>();
    for (SecretHeader secret : secrets) {
      SecretHeader other = byName.putIfAbsent(secret.lowerCaseHeader(), secret);
      if (other != null) { // refused at build for overlapping origins; kept as a last line
        throw new CapabilityDeniedException("route \"" + route + "\": secrets " + other.secret() + " and "
            + secret.secret() + " are both granted header " + secret.header() + " for this origin; grant one");
      }
    }
    java.util.Map<String, java.util.List<String>> out = new java.util.LinkedHashMap<>(
        RequestHeaders.without(headers, byName.keySet()));
    for (SecretHeader secret : byName.values()) {
      out.put(secret.header(), java.util.List.of(secret.value()));
    }
    return out;
  }

  /** A URL that passed the allow-list, with its origin and the entry that admitted it; the host in ASCII. */
  private record Checked(URI uri, Origin origin, OriginAllowList.Entry grant) {}

  /**
   * Checks a hop's URL against the grants (the transport checks its addresses).
   *
   * @param via empty for the first hop, else where the redirect came from, for messages
   */
  private Checked admit(String route, OriginAllowList allow, URI uri, String via,
      @org.jspecify.annotations.Nullable HopRecorder recorder) {
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
    OriginAllowList.Entry grant = allow.match(origin).orElse(null);
    if (grant == null && recorder != null) {
      grant = recorder.ungranted(origin);
      if (grant != null && (grant.namesPrivateTarget() || !grant.matches(origin))) {
        throw new IllegalStateException("an audit let " + origin + " through with " + grant); // never, see HopRecorder
      }
    }
    if (grant != null) {
      return new Checked(asciiUri(uri, origin), origin, grant);
    }
    throw new CapabilityDeniedException(
        "route \"" + route + "\": " + CAPABILITY + " to " + origin + via + " is not granted (granted: "
            + allow + "); to allow it, add outbound_http = [\"" + origin.grantText() + "\"] to the route in"
            + " isola.toml or grant Grants.outboundHttp(\"" + origin.grantText() + "\")");
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

  /** Closes the transport: for the network, waits up to 5 seconds for requests in flight. Idempotent. */
  @Override
  public void close() {
    transport.close();
  }
}
