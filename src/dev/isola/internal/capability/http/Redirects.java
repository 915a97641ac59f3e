package dev.isola.internal.capability.http;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpHeaders;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a redirect asks for, the way browsers' {@code fetch} answers it: 303 turns any request but
 * HEAD into a GET without a body, so do 301 and 302 for a POST; 307 and 308 repeat the request as it
 * was, body included. A redirect to another origin drops the request's {@code Authorization} and
 * {@code Cookie} headers, which were meant for the first origin. The target is checked again by
 * {@link OutboundHttp} before it is contacted. Redirects are worked out from the guest's own
 * headers: the secret headers the host adds to a hop are never carried over to the next one.
 */
final class Redirects {
  private Redirects() {}

  /** Whether a response is a redirect that will be followed: a 301, 302, 303, 307 or 308 with a Location. */
  static boolean isRedirect(HttpResponse.ResponseInfo info) {
    return isRedirect(info.statusCode(), info.headers());
  }

  private static boolean isRedirect(int status, HttpHeaders headers) {
    boolean redirectStatus = status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    return redirectStatus && headers.firstValue("location").isPresent();
  }

  /**
   * The request to send next, or empty when {@code response} is the answer.
   *
   * @param hop the request that got {@code response}
   * @param from the origin {@code hop} went to
   * @throws OutboundHttpException if the Location is not a valid URL
   */
  static Optional<HttpCall> next(HttpCall hop, Origin from, HttpResponse<?> response) {
    return next(hop, from, response.statusCode(), response.headers());
  }

  /** Like {@link #next(HttpCall, Origin, HttpResponse)}, for a response given as its status and headers. */
  static Optional<HttpCall> next(HttpCall hop, Origin from, int status, HttpHeaders responseHeaders) {
    if (!isRedirect(status, responseHeaders)) {
      return Optional.empty();
    }
    URI target = target(hop.uri(), responseHeaders.firstValue("location").orElseThrow(), from);
    String method = hop.method();
    byte[] body = hop.body();
    Map<String, List<String>> headers = hop.headers();
    boolean toGet = (status == 303 && !method.equalsIgnoreCase("HEAD"))
        || ((status == 301 || status == 302) && method.equalsIgnoreCase("POST"));
    if (toGet) {
      method = "GET";
      body = new byte[0];
      headers = RequestHeaders.without(headers, RequestHeaders.BODY);
    }
    if (!sameOrigin(target, from)) {
      headers = RequestHeaders.without(headers, RequestHeaders.CREDENTIALS);
    }
    return Optional.of(new HttpCall(method, target, headers, body));
  }

  private static URI target(URI base, String location, Origin from) {
    try {
      // URI.resolve glues a relative reference straight onto an empty base path ("http://hostx").
      URI root = base.getRawPath() == null || base.getRawPath().isEmpty() ? base.resolve("/") : base;
      return root.resolve(new URI(location));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new OutboundHttpException("redirect from " + from + " has an invalid Location: " + location);
    }
  }

  private static boolean sameOrigin(URI target, Origin from) {
    try {
      return Origin.of(target).equals(from);
    } catch (IllegalArgumentException e) {
      return false; // not a valid origin: the check of the next hop refuses it
    }
  }
}
