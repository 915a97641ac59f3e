package dev.isola.internal.capability.secrets;

import dev.isola.HandlerLoadException;
import dev.isola.SecretProvider;
import dev.isola.internal.capability.BuiltInGrants;
import dev.isola.internal.capability.http.OriginAllowList;
import dev.isola.internal.capability.http.SecretHeader;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Resolving secret grants when an {@code Isola} is built: a secret's value (declared, or from a
 * {@link SecretProvider}), checked to fit a header; and, for each injected secret, the {@link
 * SecretHeader} the host adds, checked against the origins the route may reach and against the
 * route's other secret headers.
 */
public final class Secrets {
  private Secrets() {}

  /**
   * The header the host adds for {@code sec}, checked: each of its origins must be one the route may
   * reach, and the filled-in value must be a header value the HTTP client sends (never quoted in a
   * message: it holds the secret).
   */
  public static SecretHeader header(String spec, BuiltInGrants.InjectedSecret sec, String secret,
      @org.jspecify.annotations.Nullable OriginAllowList allow) {
    OriginAllowList to = OriginAllowList.of(sec.origins());
    for (OriginAllowList.Entry entry : to.entries()) {
      boolean reachable = allow != null && allow.entries().stream().anyMatch(granted -> covers(granted, entry));
      if (!reachable) {
        throw new HandlerLoadException("route \"" + spec + "\" sends secret " + sec.name() + " to " + entry
            + ", which the route may not reach: grant that origin too, with outbound_http = [...] in isola.toml or"
            + " Grants.outboundHttp(...) in Java");
      }
    }
    int at = sec.template().indexOf("{}");
    String value = sec.template().substring(0, at) + secret + sec.template().substring(at + 2);
    try {
      java.net.http.HttpRequest.newBuilder().header(sec.header(), value);
    } catch (IllegalArgumentException e) { // not e's message: it quotes the value
      throw new HandlerLoadException("route \"" + spec + "\": secret " + sec.name() + " cannot be sent in header "
          + sec.header() + ": its value, put into template \"" + sec.template() + "\", is not a valid header value"
          + " (only visible ASCII characters and spaces)");
    }
    return new SecretHeader(sec.name(), sec.header(), value, to);
  }

  /** Whether every origin {@code inner} allows, {@code outer} allows too. */
  private static boolean covers(OriginAllowList.Entry outer, OriginAllowList.Entry inner) {
    if (!outer.scheme().equals(inner.scheme()) || outer.port() != inner.port()) {
      return false;
    }
    if (!outer.wildcard()) {
      return !inner.wildcard() && outer.host().equals(inner.host());
    }
    return inner.host().endsWith("." + outer.host()) || inner.wildcard() && inner.host().equals(outer.host());
  }

  /** Whether some origin is allowed by both {@code a} and {@code b}. */
  private static boolean overlap(OriginAllowList.Entry a, OriginAllowList.Entry b) {
    return covers(a, b) || covers(b, a);
  }

  /** Two secrets in one header for the same origin would leave it to chance which is sent: refused. */
  public static void checkDistinctHeaders(String spec, List<SecretHeader> headers) {
    for (int i = 0; i < headers.size(); i++) {
      for (int j = i + 1; j < headers.size(); j++) {
        SecretHeader one = headers.get(i);
        SecretHeader two = headers.get(j);
        if (!one.header().equalsIgnoreCase(two.header())) {
          continue;
        }
        for (OriginAllowList.Entry x : one.origins().entries()) {
          for (OriginAllowList.Entry y : two.origins().entries()) {
            if (overlap(x, y)) {
              throw new HandlerLoadException("route \"" + spec + "\" sends " + (one.secret().equals(two.secret())
                  ? "secret " + one.secret() + " twice" : "secrets " + one.secret() + " and " + two.secret())
                  + " in header " + one.header() + " to " + (covers(x, y) ? y : x) + ": grant one header per origin"
                  + " (use another header name, or other origins)");
            }
          }
        }
      }
    }
  }

  /** {@code name} from the first provider that has it, as a one-entry map (empty if none). */
  public static Map<String, String> provided(String spec, List<SecretProvider> providers, String name) {
    for (SecretProvider provider : providers) {
      java.util.Optional<String> value;
      try {
        value = provider.secret(name);
      } catch (RuntimeException e) {
        throw new HandlerLoadException("route \"" + spec + "\": the secret provider " + provider.getClass().getName()
            + " failed to give secret \"" + name + "\": " + e, e);
      }
      if (value != null && value.isPresent()) {
        return Map.of(name, checkSecret(name, value.get()));
      }
    }
    return Map.of();
  }

  /** Secrets go into header values: CR, LF and NUL would make the header invalid (and drop it). */
  public static String checkSecret(String name, String value) {
    if (value.chars().anyMatch(c -> c == '\r' || c == '\n' || c == 0)) {
      throw new IllegalArgumentException("secret " + name + " contains a line break or NUL (a trailing newline from"
          + " a file?): secrets are sent in header values, so trim it");
    }
    return value;
  }
}
