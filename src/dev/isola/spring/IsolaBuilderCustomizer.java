package dev.isola.spring;

import dev.isola.Isola;

/**
 * Changes the {@link Isola.Builder} of the auto-configured {@link Isola} after the manifest and the
 * {@code isola.*} properties are applied and before it is built: for what properties cannot say,
 * such as key-value stores, secrets from a vault, grants or routes with handlers made in code.
 * Every customizer bean is applied, in {@link org.springframework.core.annotation.Order} order.
 *
 * <pre>{@code
 * @Bean
 * IsolaBuilderCustomizer sessions(KeyValueStore sessions) {
 *   return builder -> builder.store("sessions", sessions)
 *       .defaultGrants(Grants.keyValue("sessions"));
 * }
 * }</pre>
 */
@FunctionalInterface
public interface IsolaBuilderCustomizer {
  /** Adds to or changes {@code builder}; do not call {@code build()}. */
  void customize(Isola.Builder builder);
}
