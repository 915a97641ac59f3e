package dev.isola.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.isola.CapabilityDeniedException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A test fakes the application's host interface, and sees what handlers called on it. */
class FakeHostInterfaceTest {
  /** The application's service, as handlers see it. */
  public interface Billing {
    String invoice(String customer, long cents);
  }

  @RegisterExtension
  IsolaExtension isola = IsolaExtension.fromManifest(Path.of("src-test/dev/isola/testing/host-interface/isola.toml"))
      .hostInterface("billing", Billing.class, (customer, cents) -> "fake-" + customer + "-" + cents);

  @Test
  void handlersCallTheFake_andTheCallsAreRecorded() {
    assertEquals("fake-ada-250", isola.post("/checkout/ada", "250").bodyText());
    assertEquals(List.of(new HostCall("billing", "invoice", List.of("ada", 250L))), isola.hostCalls("billing"));
  }

  @Test
  void eachTestStartsWithNoCalls_andGrantsStillApply() {
    assertThrows(CapabilityDeniedException.class, () -> isola.post("/free/bob", "1"));
    assertEquals(List.of(), isola.hostCalls("billing"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> isola.hostCalls("shipping")).getMessage()
        .contains("no host interface \"shipping\" is faked"));
  }
}
