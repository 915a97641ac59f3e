package dev.isola.internal.capability.http;

import java.net.URI;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The origins a route may send outbound HTTP requests to, parsed from its grants:
 *
 * <pre>{@code
 * OriginAllowList allow = OriginAllowList.of(
 *     "https://api.example.com",        // https, port 443
 *     "https://api.example.com:8443",   // another port is another origin
 *     "https://*.example.com",          // any subdomain, at any depth; not example.com itself
 *     "http://127.0.0.1:8080",          // a private address, granted explicitly
 *     "http://localhost:9000");
 * allow.allows(URI.create("https://eu.example.com/v1/users"));   // true
 * }</pre>
 *
 * <p>An entry is a scheme ({@code http} or {@code https}), a host and an optional port; nothing else:
 * no path, query, fragment or user info. Hosts match case-insensitively, internationalised names by
 * their ASCII form, with or without a trailing dot; IPv6 addresses are written in brackets. See
 * {@link Origin} for the normalisation.
 *
 * <p>Matching here is by name only. Whether the address a name resolves to may be contacted is
 * {@link AddressPolicy}'s question, which it answers with the help of {@link Entry#namesPrivateTarget()}.
 * Immutable and thread-safe.
 */
public final class OriginAllowList {
  private static final String SHAPES = "write a scheme, a host and an optional port, e.g."
      + " \"https://api.example.com\", \"https://api.example.com:8443\", \"https://*.example.com\","
      + " \"http://127.0.0.1:8080\" or \"http://[::1]:8080\"";

  private static final OriginAllowList NONE = new OriginAllowList(List.of());

  private final List<Entry> entries;

  private OriginAllowList(List<Entry> entries) {
    this.entries = entries;
  }

  /**
   * One granted origin, or with {@code wildcard} every subdomain of {@code host}.
   *
   * @param scheme {@code http} or {@code https}
   * @param host normalised ({@link Origin}); for a wildcard, the domain under the {@code *.}
   * @param port 1 to 65535
   * @param wildcard whether this entry is {@code scheme://*.host:port}
   */
  public record Entry(String scheme, String host, int port, boolean wildcard) {

    /** Whether a request to {@code origin} is allowed by this entry. */
    public boolean matches(Origin origin) {
      if (!scheme.equals(origin.scheme()) || port != origin.port()) {
        return false;
      }
      return wildcard ? origin.host().endsWith("." + host) && !origin.hostIsIpLiteral()
          : host.equals(origin.host());
    }

    /**
     * Whether this entry names its host explicitly as an IP address or as {@code localhost}: the one
     * way to grant a private address (loopback, a LAN, a cloud metadata service) on purpose.
     */
    public boolean namesPrivateTarget() {
      return !wildcard && (Origin.isIpLiteral(host) || host.equals("localhost"));
    }

    /** The entry as a normalised grant, e.g. {@code https://*.example.com:443}. */
    @Override
    public String toString() {
      String shownHost = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
      return scheme + "://" + (wildcard ? "*." : "") + shownHost + ":" + port;
    }
  }

  /** An allow-list that allows nothing: the default for a route without an outbound HTTP grant. */
  public static OriginAllowList none() {
    return NONE;
  }

  /**
   * Parses grants; duplicates (after normalisation) are kept once.
   *
   * @throws IllegalArgumentException naming the first bad entry, what is wrong and the accepted shapes
   */
  public static OriginAllowList of(String... grants) {
    return of(List.of(grants));
  }

  /** Like {@link #of(String...)}, for a list read from a manifest. */
  public static OriginAllowList of(List<String> grants) {
    LinkedHashSet<Entry> entries = new LinkedHashSet<>();
    for (String grant : grants) {
      entries.add(parse(grant));
    }
    return entries.isEmpty() ? NONE : new OriginAllowList(List.copyOf(entries));
  }

  /** The entries, normalised, in the order first given. */
  public List<Entry> entries() {
    return entries;
  }

  /**
   * Whether a request to {@code uri} is allowed by name: its scheme, host and port match an entry. A
   * URL that is not http(s), or has no valid host, is never allowed.
   */
  public boolean allows(URI uri) {
    try {
      return match(Origin.of(uri)).isPresent();
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /**
   * The first entry that allows a request to {@code origin}, if any. Which one does not matter to
   * {@link AddressPolicy}: an entry that {@linkplain Entry#namesPrivateTarget() names a private
   * target} is exact and for an address or {@code localhost}, which no wildcard matches, so for a
   * given origin it is the only entry that matches.
   */
  public Optional<Entry> match(Origin origin) {
    return entries.stream().filter(entry -> entry.matches(origin)).findFirst();
  }

  /** The entries, e.g. {@code [https://api.example.com:443, https://*.example.com:443]}. */
  @Override
  public String toString() {
    return entries.stream().map(Entry::toString).collect(Collectors.joining(", ", "[", "]"));
  }

  // ---- parsing ----

  private static Entry parse(String grant) {
    String text = grant.strip();
    int separator = text.indexOf("://");
    if (separator <= 0) {
      throw bad(grant, "it has no scheme");
    }
    String scheme = text.substring(0, separator).toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw bad(grant, "the scheme must be http or https, not \"" + scheme + "\"");
    }
    String authority = text.substring(separator + 3);
    if (authority.endsWith("/")) {
      authority = authority.substring(0, authority.length() - 1); // "https://host/" means the origin
    }
    for (String forbidden : List.of("/", "?", "#")) {
      if (authority.contains(forbidden)) {
        throw bad(grant, "a grant names an origin only, without a path, query or fragment");
      }
    }
    if (authority.contains("@")) {
      throw bad(grant, "a grant names an origin only, without user info (credentials belong in secrets)");
    }
    int colon = authority.lastIndexOf(':');
    int port = Origin.defaultPort(scheme);
    String hostText = authority;
    if (colon >= 0 && authority.indexOf(']') < colon) {
      hostText = authority.substring(0, colon);
      try {
        port = Origin.parsePort(authority.substring(colon + 1));
      } catch (IllegalArgumentException e) {
        throw bad(grant, e.getMessage());
      }
    }
    return hostText.startsWith("*.") ? wildcard(grant, scheme, hostText.substring(2), port)
        : new Entry(scheme, host(grant, hostText), port, false);
  }

  private static Entry wildcard(String grant, String scheme, String domainText, int port) {
    String domain = host(grant, domainText);
    if (Origin.isIpLiteral(domain)) {
      throw bad(grant, "a wildcard stands for subdomains of a domain name, not of an IP address");
    }
    if (domain.indexOf('.') < 0) {
      throw bad(grant, "a wildcard must stand under a domain of two or more labels (\"*.example.com\"),"
          + " not a whole top-level domain");
    }
    return new Entry(scheme, domain, port, true);
  }

  private static String host(String grant, String hostText) {
    if (hostText.contains("*")) {
      throw bad(grant, "'*' may only stand alone as the first label, as in \"https://*.example.com\"");
    }
    try {
      return Origin.normaliseHost(hostText);
    } catch (IllegalArgumentException e) {
      throw bad(grant, e.getMessage());
    }
  }

  private static IllegalArgumentException bad(String grant, String reason) {
    return new IllegalArgumentException(
        "outbound HTTP grant \"" + grant + "\" is not an origin: " + reason + "; " + SHAPES);
  }
}
