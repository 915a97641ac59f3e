package dev.isola.internal.capability.http;

import java.net.http.HttpHeaders;
import java.util.Objects;

/**
 * The network side of outbound HTTP, below every capability check: {@link OutboundHttp} decides
 * whether a hop may be sent (allow-list, the call's narrowing, request body cap, redirects, each hop
 * checked again) and a transport exchanges it with a server. {@link NetworkTransport} is the real
 * one (address policy, name lookups, the JDK client); {@code dev.isola.testing} puts stubs in its
 * place, so tests reach no network while the checks above stay as they are.
 *
 * <p>Outcomes are {@link OutboundHttp}'s: an {@link Exchange}, {@link OutboundHttpException} for
 * what a guest may see and catch ("connection refused: ..."), {@link dev.isola.LimitExceededException}
 * for a body over the cap or a missed deadline, {@link dev.isola.CapabilityDeniedException} for an
 * address the route may not reach. Implementations are thread-safe.
 */
public interface HttpTransport extends AutoCloseable {

  /**
   * One hop that passed the capability checks.
   *
   * @param route the route's spec, for messages
   * @param call the request, its URL's host in ASCII, with the secret headers the host adds for this hop
   * @param origin the origin of {@code call}'s URL
   * @param grant the allow-list entry that admitted {@code origin}
   * @param via empty for the first hop, else {@code " (redirected from ORIGIN)"}, for messages
   * @param deadlineNanos the {@link System#nanoTime()} by which the exchange must be done
   * @param maxResponseBytes the largest response body accepted
   */
  record Hop(String route, HttpCall call, Origin origin, OriginAllowList.Entry grant, String via,
      long deadlineNanos, long maxResponseBytes) {
    public Hop {
      Objects.requireNonNull(route, "route");
      Objects.requireNonNull(call, "call");
      Objects.requireNonNull(origin, "origin");
      Objects.requireNonNull(grant, "grant");
      Objects.requireNonNull(via, "via");
    }
  }

  /**
   * A server's answer to one hop.
   *
   * @param status the HTTP status
   * @param headers the response headers (a redirect is recognised by its status and {@code Location})
   * @param body the complete body, at most the hop's {@code maxResponseBytes}; may be empty for a redirect
   */
  record Exchange(int status, HttpHeaders headers, byte[] body) {
    public Exchange {
      Objects.requireNonNull(headers, "headers");
      Objects.requireNonNull(body, "body");
    }
  }

  /** The real network: the address policy, name lookups bounded by the deadline, the JDK client. */
  static HttpTransport network() {
    return new NetworkTransport(OutboundHttp.DEFAULT_CONNECT_TIMEOUT, AddressPolicy.system());
  }

  /** Sends {@code hop} and answers with the server's response, whatever its status. */
  Exchange exchange(Hop hop);

  /** Releases what the transport holds (connections, threads). Idempotent. */
  @Override
  void close();
}
