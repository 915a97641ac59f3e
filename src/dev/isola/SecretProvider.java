package dev.isola;

import java.util.Optional;

/**
 * Where secrets come from when they are not given one by one with {@link Isola.Builder#secret}: a
 * vault, a cloud secret manager, a file only the service account can read. Asked once per granted
 * secret name when the {@link Isola} is built; the values are then held in memory for its life.
 *
 * <pre>{@code
 * Isola.newBuilder().secrets(name -> Optional.ofNullable(vault.read("isola/" + name)))
 * }</pre>
 */
@FunctionalInterface
public interface SecretProvider {
  /** The value of secret {@code name}, or empty if this provider does not have it. */
  Optional<String> secret(String name);
}
