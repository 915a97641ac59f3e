package dev.isola.internal.capability.secrets;

import dev.isola.internal.capability.CallCapabilities;

/**
 * Readable secrets for one call, behind {@link CallCapabilities}: a secret's plain value only with
 * {@code readable_secrets}, else a denial. (Injected secrets never pass here: the host adds them to
 * outbound requests, see {@code http.OutboundHttp}.)
 */
public final class SecretGate {
  private SecretGate() {}

  /** The plain value of a secret the route may read. */
  public static String read(CallCapabilities call, String name) {
    if (!call.route().readableSecrets().contains(name)) {
      String shown = CallCapabilities.escaped(name);
      throw call.deny("reading the secret \"" + shown + "\"", "the handler read secret \"" + shown + "\" in plain text",
          "readable_secrets = [\"" + shown + "\"]", "Grants.readableSecrets(\"" + shown + "\")");
    }
    if (call.audit() != null) {
      call.audit().secretRead(name);
    }
    return call.route().secrets().get(name);
  }
}
