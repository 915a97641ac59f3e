package dev.isola.internal.capability.http;

import java.util.Objects;

/**
 * A header the host adds to a route's outbound requests for a secret: {@code header: value} (the
 * secret already put into its template) on every hop whose origin {@code origins} allows, as long as
 * the request has not been redirected outside them. The guest never supplies or sees the value.
 *
 * @param secret the secret's name, for messages
 * @param header the header name as granted, e.g. {@code Authorization}
 * @param value the header value, the secret in it
 * @param origins where it is sent
 */
public record SecretHeader(String secret, String header, String value, OriginAllowList origins) {
  public SecretHeader {
    Objects.requireNonNull(secret, "secret");
    Objects.requireNonNull(header, "header");
    Objects.requireNonNull(value, "value");
    Objects.requireNonNull(origins, "origins");
  }

  /** The header name in lower case, as headers are compared. */
  String lowerCaseHeader() {
    return header.toLowerCase(java.util.Locale.ROOT);
  }

  /** Never the value. */
  @Override
  public String toString() {
    return "SecretHeader{" + secret + " as " + header + " to " + origins + "}";
  }
}
