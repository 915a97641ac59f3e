package dev.isola.internal.pipeline;

import dev.isola.CapabilityDeniedException;
import dev.isola.GuestException;
import dev.isola.Response;
import dev.isola.internal.capability.CallCapabilities;
import dev.isola.kv.StoreQuotaExceededException;

/**
 * Shapes what the caller gets. A guest that was denied a capability and then failed failed because
 * of the denial: its {@link GuestException} becomes that {@link CapabilityDeniedException} (403),
 * and likewise a store's refused put becomes its {@link StoreQuotaExceededException} (507), the
 * guest's failure attached as suppressed. A {@code HEAD} request gets the response without its body.
 */
final class Answer extends Stage {
  /** Copied by {@link Response.Builder#body(byte[])} into the shared empty body. */
  private static final byte[] NO_BODY = new byte[0];

  @Override
  Response handle(Exchange exchange) {
    Response response;
    try {
      response = next.handle(exchange);
    } catch (GuestException e) {
      CallCapabilities capabilities = exchange.call.capabilities();
      if (capabilities.firstDenial().isPresent()) {
        CapabilityDeniedException denied = capabilities.firstDenial().get();
        denied.addSuppressed(e);
        throw denied;
      }
      if (capabilities.firstStoreFull().isPresent()) {
        StoreQuotaExceededException full = capabilities.firstStoreFull().get();
        full.addSuppressed(e);
        throw full;
      }
      throw e;
    }
    return "HEAD".equals(exchange.request.method()) ? response.toBuilder().body(NO_BODY).build() : response;
  }
}
