package dev.isola.component;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.isola.CapabilityDeniedException;
import dev.isola.Grants;
import dev.isola.Handler;
import dev.isola.Isola;
import dev.isola.Request;
import dev.isola.capability.Audit;
import dev.isola.capability.AuditReport.RouteAudit;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An audit names the components each route called, those it may call but never did, and denials. */
class ComponentAuditTest {
  @Test
  void theAudit_reportsCalledUncalledAndDeniedComponents() {
    try (Isola isola = Isola.newBuilder().audit(Audit.RECORD)
        .route("/shop", Handler.javascript("shop.js", ComponentContractTest.relay("inventory"))
            .grants(Grants.calls("inventory", "billing")))
        .route("/sneaky", Handler.javascript("sneaky.js", ComponentContractTest.relay("billing")))
        .component("inventory", Handler.javascript("inventory.js", ComponentContractTest.ECHO))
        .component("billing", Handler.javascript("billing.js", ComponentContractTest.ECHO))
        .build()) {
      assertEquals(201, isola.handle(Request.get("/shop")).status());
      assertThrows(CapabilityDeniedException.class, () -> isola.handle(Request.get("/sneaky")));
      RouteAudit shop = isola.audit().route("/shop").orElseThrow();
      assertEquals(List.of("calls = [\"inventory\"]"), shop.neededToml());
      assertEquals(List.of("calls = [\"billing\"]"), shop.unusedToml());
      RouteAudit sneaky = isola.audit().route("/sneaky").orElseThrow();
      assertEquals(List.of("calls = [\"billing\"]"), sneaky.deniedToml());
      assertEquals(1, isola.audit().route("component inventory").orElseThrow().calls());
    }
  }
}
