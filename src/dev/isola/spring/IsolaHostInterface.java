package dev.isola.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Offers a Spring bean to Isola's handlers as a host interface ({@link
 * dev.isola.capability.HostInterface}): routes granted {@code value} (e.g. {@code
 * isola.routes[0].host-interfaces=billing}) call the interface's methods as {@code
 * env.billing.invoice(...)} in JavaScript or through host functions in Wasm.
 *
 * <pre>{@code
 * @Service
 * @IsolaHostInterface("billing")
 * class BillingService implements Billing { ... }
 * }</pre>
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface IsolaHostInterface {
  /** The name handlers reach it by ({@code env.NAME}); letters and digits, starting lower-case. */
  String value();

  /** The interface to offer; by default the bean's only interface. */
  Class<?> type() default void.class;
}
