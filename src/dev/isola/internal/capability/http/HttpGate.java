package dev.isola.internal.capability.http;

import dev.isola.CapabilityDeniedException;
import dev.isola.internal.capability.CallCapabilities;
import java.net.URI;

/** Outbound HTTP for one call, behind {@link CallCapabilities}: granted origins only, narrowed per call. */
public final class HttpGate {
  private HttpGate() {}


  /**
   * Sends {@code call} if the route (and the call's narrowing) allows its origin. Its headers are
   * sent as the guest wrote them (nothing in them is substituted), plus the route's secret headers
   * for the origins they are granted for, which the host adds hop by hop.
   */
  public static HttpResult fetch(CallCapabilities gate, HttpCall call) {
    OriginAllowList allow = gate.route().http();
    OutboundHttp client = gate.route().client();
    URI uri = call.uri();
    if ((allow == null || client == null) && gate.audit() != null && gate.audit().client() != null) {
      allow = OriginAllowList.none(); // a permissive gate.audit(): every origin is asked about, hop by hop
      client = gate.audit().client();
    }
    if (allow == null || client == null) {
      String origin = originOf(uri);
      throw gate.deny("outbound HTTP", "the handler sent a request to " + origin, "outbound_http = [\"" + origin + "\"]",
          "Grants.outboundHttp(\"" + origin + "\")");
    }
    try {
      return client.send(gate.route().route(), allow, gate.httpNarrowing(), call, gate.route().secretHeaders(), gate.deadlineNanos(),
          gate.maxResponseBytes(), gate.audit());
    } catch (CapabilityDeniedException e) {
      throw gate.remember(e);
    }
  }

  private static String originOf(URI uri) {
    String scheme = uri.getScheme() == null ? "?" : uri.getScheme();
    String host = uri.getHost() == null ? String.valueOf(uri.getRawAuthority()) : uri.getHost();
    return scheme + "://" + host + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
  }
}
