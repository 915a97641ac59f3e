package dev.isola.spring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.support.StaticListableBeanFactory;

/** Which interface an annotated bean offers, and the errors when that is unclear or wrong. */
class IsolaHostInterfaceTest {
  /** An interface offered. */
  public interface Billing {
    String invoice(String customer);
  }

  /** Another one. */
  public interface Shipping {
    String ship(String order);
  }

  @IsolaHostInterface("billing")
  static class OnlyBilling implements Billing {
    @Override
    public String invoice(String customer) {
      return customer;
    }
  }

  @IsolaHostInterface("both")
  static class Both implements Billing, Shipping {
    @Override
    public String invoice(String customer) {
      return customer;
    }

    @Override
    public String ship(String order) {
      return order;
    }
  }

  @IsolaHostInterface(value = "wrong", type = Shipping.class)
  static class Wrong implements Billing {
    @Override
    public String invoice(String customer) {
      return customer;
    }
  }

  @Test
  void aBeansOnlyInterfaceIsOffered() {
    StaticListableBeanFactory beans = new StaticListableBeanFactory();
    beans.addBean("billingService", new OnlyBilling());
    var found = IsolaAutoConfiguration.hostInterfaces(beans);
    assertEquals(1, found.size());
    assertEquals("billing", found.get(0).name());
    assertEquals(Billing.class, found.get(0).type());
  }

  @Test
  void twoInterfacesWithoutTypeIsAnErrorNamingTheFix() {
    StaticListableBeanFactory beans = new StaticListableBeanFactory();
    beans.addBean("both", new Both());
    String message = assertThrows(IllegalArgumentException.class, () -> IsolaAutoConfiguration.hostInterfaces(beans))
        .getMessage();
    assertTrue(message.contains("type = YourInterface.class"), message);
  }

  @Test
  void aTypeTheBeanDoesNotImplementIsAnErrorNotAClassCast() {
    StaticListableBeanFactory beans = new StaticListableBeanFactory();
    beans.addBean("wrong", new Wrong());
    String message = assertThrows(IllegalArgumentException.class, () -> IsolaAutoConfiguration.hostInterfaces(beans))
        .getMessage();
    assertTrue(message.contains("does not implement it"), message);
    assertEquals(List.of(), IsolaAutoConfiguration.hostInterfaces(new StaticListableBeanFactory()));
  }
}
