package dev.isola;

import dev.isola.internal.capability.BuiltInGrants;
import java.util.Arrays;
import java.util.List;

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
    return new BuiltInGrants.KeyValue(store);
  }

  /**
   * HTTP requests to these origins ({@code https://api.example.com}, {@code https://*.example.com},
   * {@code http://127.0.0.1:8080}), redirects included, each hop checked again. Loopback, private and
   * link-local addresses only when an origin names them literally.
   *
   * @throws IllegalArgumentException if there is no origin or one is not valid, naming it
   */
  public static Grant outboundHttp(String... origins) {
    return new BuiltInGrants.OutboundHttp(List.of(origins));
  }

  /** Read the variables {@code names} ({@link Isola.Builder#variable}). */
  public static Grant variables(String... names) {
    return new BuiltInGrants.Variables(List.of(names));
  }

  /**
   * The first step of granting secret {@code name}, which the host then sends itself: {@code
   * Grants.secret("PAYMENTS_KEY").injectAs("Authorization", "Bearer {}").into("https://api.payments.example")}.
   * The guest never reads the value; for that, see {@link #readableSecrets}.
   *
   * <p>To every request (and redirect hop) whose origin is one of the grant's origins, the host adds
   * the header with the template's {@code {}} replaced by the secret. The guest never sees the value
   * and cannot choose where it goes: nothing it writes is substituted (a header value {@code
   * {{secrets.NAME}}} is sent as the text it is). A header of the same name set by the guest is
   * replaced by the host's for those origins; for other origins the secret is not sent, nor after a
   * redirect has left them. Each origin must also be granted by {@link #outboundHttp}.
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
   * Calls components {@code names}: in JavaScript {@code await env.NAME.fetch(request | url, init)},
   * from any handler a request to {@code http://NAME.internal/path} (WAGI's and Extism's HTTP host
   * functions, JavaScript's {@code fetch}). Each call runs the component in its own fresh sandbox
   * with its own grants, here or on the node {@link Isola.Builder#remote} names. In {@code
   * isola.toml}: {@code calls = ["inventory"]}.
   *
   * @throws IllegalArgumentException if a name is not a component name (lower-case letters and
   *     digits, starting with a letter)
   */
  public static Grant calls(String... names) {
    return new dev.isola.internal.capability.BuiltInGrants.Calls(java.util.List.of(names));
  }

  /**
   * Grants the application capability {@code name}: a {@link dev.isola.capability.HostInterface}
   * (or any capability whose grant type is {@link dev.isola.capability.NamedGrant}) registered with
   * {@link Isola.Builder#capability}. In {@code isola.toml}: {@code host_interfaces = ["NAME"]}.
   */
  public static Grant hostInterface(String name) {
    return new dev.isola.capability.NamedGrant(name);
  }

  /**
   * Read the plain values of the secrets {@code names} ({@code env.secrets.NAME} in JavaScript): only
   * when the guest must, for the guest may then send them anywhere it may reach. Prefer {@link
   * #secret(String)}.
   */
  public static Grant readableSecrets(String... names) {
    return new BuiltInGrants.ReadableSecrets(List.of(names));
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
     * @param header e.g. {@code "Authorization"} or {@code "X-Api-Key"}: a valid HTTP field name that
     *     is not one the host controls ({@code Host}, {@code Content-Length}, ...)
     * @param template e.g. {@code "Bearer {}"}, with exactly one {@code {}}; only visible ASCII and spaces
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
      return new BuiltInGrants.InjectedSecret(name, header, template, List.of(origins));
    }
  }

  /**
   * Read-only access to the files under {@code directory}, seen by the guest under {@code mount}
   * (e.g. {@code /static}): {@code env.files.read("/static/app.css")} in JavaScript, {@code
   * isola:host/files.read} in Wasm, and for WAGI programs and WASI Extism plugins a preopened
   * directory, so plain {@code fopen("/static/app.css", "r")}, {@code opendir} and {@code stat}
   * work. Paths that leave the directory ({@code ..}, symbolic links out of it) are refused; every
   * change (through WASI: write, create, truncate, delete, rename, link, mkdir, set times) fails
   * ({@code EROFS}) and leaves the directory as it was. The directory must exist when the {@link
   * Isola} is built.
   *
   * @throws IllegalArgumentException if {@code mount} is not an absolute guest path such as {@code "/static"}
   */
  public static Grant files(java.nio.file.Path directory, String mount) {
    return new BuiltInGrants.Files(directory, mount);
  }

  /** Names of stores, variables and secrets: letters, digits, {@code _ - .}, 1 to 64 characters. */
  static String checkName(String name, String what, String example) {
    return BuiltInGrants.checkName(name, what, example);
  }
}
