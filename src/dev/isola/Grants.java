package dev.isola;

import java.util.List;
import java.util.Objects;

/**
 * Factories for {@link Grant}s:
 *
 * <pre>{@code
 * Handler.javascript(Path.of("cart.js")).grants(
 *     Grants.keyValue("carts"),
 *     Grants.outboundHttp("https://api.stripe.com"),
 *     Grants.variables("CURRENCY"),
 *     Grants.secrets("STRIPE_KEY"));
 * }</pre>
 */
public final class Grants {
  private Grants() {}

  /** Read and write the key-value store registered as {@code store} ({@link Isola.Builder#store}). */
  public static Grant keyValue(String store) {
    return new Grant.KeyValue(store);
  }

  /** HTTP requests to {@code origins} (see {@link Grant.OutboundHttp}). */
  public static Grant outboundHttp(String... origins) {
    return new Grant.OutboundHttp(List.of(origins));
  }

  /** Read the variables {@code names} ({@link Isola.Builder#variable}). */
  public static Grant variables(String... names) {
    return new Grant.Variables(List.of(names));
  }

  /** Use the secrets {@code names} in outbound request headers, without reading their values. */
  public static Grant secrets(String... names) {
    return new Grant.Secrets(List.of(names), false);
  }

  /**
   * Use secret {@code name} in outbound request headers to {@code origins} only (each must also be
   * granted with {@link #outboundHttp}): the way to grant a secret next to origins that are not
   * trusted with it.
   */
  public static Grant secret(String name, String... origins) {
    if (origins.length == 0) {
      throw new IllegalArgumentException("Grants.secret(\"" + name + "\") names no origin: list the origins the"
          + " secret may be sent to, or use Grants.secrets(\"" + name + "\") for every granted origin");
    }
    return new Grant.Secrets(List.of(name), false, List.of(origins));
  }

  /** Use the secrets {@code names} and also read their plain values: only when the guest must. */
  public static Grant readableSecrets(String... names) {
    return new Grant.Secrets(List.of(names), true);
  }

  /**
   * Read-only access to the files under {@code directory}, seen by the guest under {@code mount}
   * (see {@link Grant.Files}). The directory must exist when the {@link Isola} is built.
   */
  public static Grant files(java.nio.file.Path directory, String mount) {
    return new Grant.Files(directory, mount);
  }

  /** Names of stores, variables and secrets: letters, digits, {@code _ - .}, 1 to 64 characters. */
  static String checkName(String name, String what, String example) {
    Objects.requireNonNull(name, what);
    if (name.isEmpty() || name.length() > 64 || !name.chars().allMatch(
        c -> c < 128 && (Character.isLetterOrDigit(c) || c == '_' || c == '-' || c == '.'))) {
      throw new IllegalArgumentException(what + " name \"" + name + "\" must be 1 to 64 letters, digits, '_', '-'"
          + " or '.', e.g. \"" + example + "\"");
    }
    return name;
  }
}
