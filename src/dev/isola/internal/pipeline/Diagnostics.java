package dev.isola.internal.pipeline;

import dev.isola.Isola;
import dev.isola.IsolaException;
import dev.isola.Request;
import dev.isola.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * On the thread that runs the guest: puts the MDC keys {@code isola.route} and {@code
 * isola.requestId} for the call's log lines (JavaScript's guest threads copy them over), and logs
 * the call's answer or failure at debug level, as the guest left it.
 */
final class Diagnostics extends Stage {
  private static final Logger log = LoggerFactory.getLogger(Isola.class);
  static final String MDC_ROUTE = "isola.route";
  static final String MDC_REQUEST_ID = "isola.requestId";

  @Override
  Response handle(Exchange exchange) {
    Request request = exchange.request;
    String outerRoute = MDC.get(MDC_ROUTE); // a component call's caller, waiting on this thread
    String outerRequestId = MDC.get(MDC_REQUEST_ID);
    MDC.put(MDC_ROUTE, exchange.route.spec());
    MDC.put(MDC_REQUEST_ID, exchange.requestId);
    long start = System.nanoTime();
    try {
      Response response = next.handle(exchange);
      log.debug("{} {} -> {} in {} us", request.method(), request.path(), response.status(),
          (System.nanoTime() - start) / 1000);
      return response;
    } catch (IsolaException e) {
      log.debug("{} {} -> {}", request.method(), request.path(), e.getMessage());
      throw e;
    } finally {
      restore(MDC_ROUTE, outerRoute);
      restore(MDC_REQUEST_ID, outerRequestId);
    }
  }

  private static void restore(String key, @org.jspecify.annotations.Nullable String value) {
    if (value == null) {
      MDC.remove(key);
    } else {
      MDC.put(key, value);
    }
  }
}
