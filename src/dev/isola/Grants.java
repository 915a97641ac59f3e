package dev.isola;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Factories for {@link Grant}s:
 *
 * <pre>{@code
 * Handler.javascript(Path.of("cart.js")).grants(
 *     Grants.keyValue("carts"),
 *     Grants.outboundHttp("https://api.stripe.com"),
 *     Grants.variables("CURRENCY"),
 *     Grants.secret("STRIPE_KEY").injectAs("Authorization", "Bearer {}").into("https://api.stripe.com"));
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

  /**
   * The first step of granting secret {@code name}, which the host then sends itself: {@code
   * Grants.secret("PAYMENTS_KEY").injectAs("Authorization", "Bearer {}").into("https://api.payments.example")}
   * (see {@link Grant.InjectedSecret}). The guest never reads the value; for that, see {@link
   * #readableSecrets}.
   */
  public static SecretName secret(String name) {
    return new SecretName(checkName(name, "secret", "API_KEY"));
  }

  /**
   * No longer a grant: the guest used to write {@code {{secrets.NAME}}} in a header, which let a
   * client's text choose where a secret went. Always throws, naming the new form.
   *
   * @deprecated use {@link #secret(String)}: {@code Grants.secret(name).injectAs(header, template).into(origins...)}
   * @throws IllegalArgumentException always, with the form to write instead
   */
  @Deprecated(forRemoval = true)
  public static Grant secrets(String... names) {
    throw oldForm(names.length == 0 ? "API_KEY" : names[0], "Grants.secrets(" + quoted(names) + ")",
        "https://api.example.com");
  }

  /**
   * No longer a grant: a secret bound to origins, substituted where the guest wrote {@code
   * {{secrets.NAME}}}. Always throws, naming the new form with these origins.
   *
   * @deprecated use {@link #secret(String)}: {@code Grants.secret(name).injectAs(header, template).into(origins...)}
   * @throws IllegalArgumentException always, with the form to write instead
   */
  @Deprecated(forRemoval = true)
  public static Grant secret(String name, String... origins) {
    throw oldForm(name, "Grants.secret(" + quoted(name)
        + (origins.length == 0 ? "" : ", " + quoted(origins)) + ")",
        origins.length == 0 ? "https://api.example.com" : String.join("\", \"", origins));
  }

  private static IllegalArgumentException oldForm(String name, String written, String origins) {
    return new IllegalArgumentException(written + " is no longer supported: the guest does not write"
        + " {{secrets." + name + "}} any more; declare where the host sends secret " + name + " instead, e.g."
        + " Grants.secret(\"" + name + "\").injectAs(\"Authorization\", \"Bearer {}\").into(\"" + origins + "\")"
        + " (or Grants.readableSecrets(\"" + name + "\") if the guest must read the value itself)");
  }

  private static String quoted(String... names) {
    return String.join(", ", Arrays.stream(names).map(n -> "\"" + n + "\"").toList());
  }

  /**
   * Grants the application capability {@code name}: a {@link dev.isola.capability.HostInterface}
   * (or any capability whose grant type is {@link dev.isola.capability.NamedGrant}) registered with
   * {@link Isola.Builder#capability}. In {@code isola.toml}: {@code host_interfaces = ["NAME"]}.
   */
  public static Grant hostInterface(String name) {
    return new dev.isola.capability.NamedGrant(name);
  }

  /** Read the plain values of the secrets {@code names} ({@link Grant.ReadableSecrets}): only when the guest must. */
  public static Grant readableSecrets(String... names) {
    return new Grant.ReadableSecrets(List.of(names));
  }

  /** {@link #secret(String)}'s first step: the secret, waiting for the header it goes into. */
  public static final class SecretName {
    private final String name;

    private SecretName(String name) {
      this.name = name;
    }

    /**
     * The header the host sets to {@code template}, its {@code {}} replaced by the secret.
     *
     * @param header e.g. {@code "Authorization"} or {@code "X-Api-Key"}
     * @param template e.g. {@code "Bearer {}"}, with exactly one {@code {}}
     */
    public SecretInjection injectAs(String header, String template) {
      return new SecretInjection(name, header, template);
    }

    /** The header the host sets to the secret itself: {@code injectAs(header, "{}")}. */
    public SecretInjection injectAs(String header) {
      return injectAs(header, "{}");
    }
  }

  /** {@link #secret(String)}'s second step: the secret and its header, waiting for the origins. */
  public static final class SecretInjection {
    private final String name;
    private final String header;
    private final String template;

    private SecretInjection(String name, String header, String template) {
      this.name = name;
      this.header = header;
      this.template = template;
    }

    /**
     * The grant: the header is added to requests to {@code origins} only (each also granted with
     * {@link #outboundHttp}).
     *
     * @throws IllegalArgumentException for a bad header, template or origin, naming it
     */
    public Grant into(String... origins) {
      return new Grant.InjectedSecret(name, header, template, List.of(origins));
    }
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

  /** Headers the host sets or drops itself (framing, connection, proxies): never a secret's header. */
  static boolean isHostHeader(String lowerCaseName) {
    return HOST_HEADERS.contains(lowerCaseName) || lowerCaseName.startsWith("proxy-");
  }

  private static final Set<String> HOST_HEADERS = Set.of("host", "connection", "content-length",
      "transfer-encoding", "upgrade", "expect", "te", "trailer", "keep-alive");
}
