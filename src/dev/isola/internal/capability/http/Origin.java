package dev.isola.internal.capability.http;

import java.net.IDN;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Where a request goes: scheme, host and port, normalised so that two spellings of one place are
 * equal. The scheme and host are lower case; a DNS name is ASCII ({@link IDN#toASCII}, so {@code
 * bücher.example} is {@code xn--bcher-kva.example}) without a trailing dot; an IPv4 address is a
 * plain dotted quad; an IPv6 address is in the JDK's full form without brackets ({@code
 * 0:0:0:0:0:0:0:1}), and an IPv4-mapped one ({@code ::ffff:127.0.0.1}) is the IPv4 address it maps
 * to, since that is where a connection to it goes. The port is explicit: 80 for http and 443 for https
 * when a URL leaves it out, -1 for other schemes without one.
 *
 * @param scheme lower case, e.g. {@code https}
 * @param host normalised as above
 * @param port 1 to 65535, or -1 for a scheme other than http(s) without a port
 */
public record Origin(String scheme, String host, int port) {

  /** Checks that no part is null; the parts are expected to be normalised already. */
  public Origin {
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(host, "host");
  }

  /**
   * The origin a URL points at.
   *
   * @throws IllegalArgumentException if the URL has no scheme or no host, or a host that is not a
   *     valid DNS name or IP address; the message says which
   */
  public static Origin of(URI uri) {
    String scheme = uri.getScheme();
    if (scheme == null) {
      throw new IllegalArgumentException("\"" + uri + "\" is not an absolute URL");
    }
    scheme = scheme.toLowerCase(Locale.ROOT);
    if (uri.isOpaque()) {
      throw new IllegalArgumentException("\"" + uri + "\" has no host");
    }
    String hostText = uri.getHost();
    int port = uri.getPort();
    if (hostText == null) {
      // java.net.URI keeps a non-ASCII host (an IDN) as an unparsed authority: read it ourselves.
      String authority = uri.getRawAuthority();
      if (authority == null || authority.isEmpty()) {
        throw new IllegalArgumentException("\"" + uri + "\" has no host");
      }
      authority = authority.substring(authority.lastIndexOf('@') + 1);
      int colon = authority.lastIndexOf(':');
      if (colon >= 0 && authority.indexOf(']') < colon) {
        port = parsePort(authority.substring(colon + 1));
        authority = authority.substring(0, colon);
      }
      hostText = authority;
    }
    return new Origin(scheme, normaliseHost(hostText), port >= 0 ? port : defaultPort(scheme));
  }

  /** 80 for http, 443 for https, -1 for anything else. */
  static int defaultPort(String scheme) {
    return switch (scheme) {
      case "http" -> 80;
      case "https" -> 443;
      default -> -1;
    };
  }

  /** Whether this is http or https, the only schemes outbound HTTP speaks. */
  public boolean isHttp() {
    return isHttpScheme(scheme);
  }

  /** Whether {@code scheme} (any case, may be null) is http or https. */
  static boolean isHttpScheme(@Nullable String scheme) {
    return "http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme);
  }

  /** Whether the host is an IP address rather than a DNS name. */
  public boolean hostIsIpLiteral() {
    return isIpLiteral(host);
  }

  /** The host as it appears in a URL: an IPv6 address in brackets. */
  String hostForUrl() {
    return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
  }

  /**
   * How a grant for exactly this origin is written: {@code https://api.example.com}, with the port
   * only when it is not the scheme's default.
   */
  public String grantText() {
    return scheme + "://" + hostForUrl() + (port == defaultPort(scheme) || port < 0 ? "" : ":" + port);
  }

  /** {@code scheme://host:port}, e.g. {@code https://api.example.com:443}. */
  @Override
  public String toString() {
    return scheme + "://" + hostForUrl() + (port < 0 ? "" : ":" + port);
  }

  // ---- host text ----

  /**
   * Normalises a host as written in a URL or a grant (see the class comment).
   *
   * @throws IllegalArgumentException saying what is wrong with the host
   */
  static String normaliseHost(String text) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException("the host is empty");
    }
    if (text.startsWith("[")) {
      if (!text.endsWith("]")) {
        throw new IllegalArgumentException("the IPv6 address \"" + text + "\" lacks its closing ']'");
      }
      return normaliseIpv6(text.substring(1, text.length() - 1));
    }
    if (text.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
      return normaliseIpv4(text);
    }
    return normaliseDnsName(text);
  }

  /** Whether a normalised host is an IP address. */
  static boolean isIpLiteral(String host) {
    return host.indexOf(':') >= 0 || host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'));
  }

  /** The address a normalised IP-literal host stands for; no DNS is involved. */
  static InetAddress literalAddress(String host) {
    try {
      // Brackets make the JDK treat the text as an IPv6 literal and never as a name to look up.
      return InetAddress.getByName(host.indexOf(':') >= 0 ? "[" + host + "]" : host);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("\"" + host + "\" is not an IP address", e);
    }
  }

  private static String normaliseIpv6(String inner) {
    boolean plausible = inner.indexOf(':') >= 0
        && inner.chars().allMatch(c -> c == ':' || c == '.' || Character.digit(c, 16) >= 0);
    if (!plausible) {
      throw new IllegalArgumentException("\"[" + inner + "]\" is not an IPv6 address (zone ids such as %eth0"
          + " are not accepted)");
    }
    InetAddress address;
    try {
      address = InetAddress.getByName("[" + inner + "]");
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("\"[" + inner + "]\" is not an IPv6 address", e);
    }
    return address instanceof Inet6Address v6 ? v6.getHostAddress() : address.getHostAddress();
  }

  private static String normaliseIpv4(String text) {
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 address: write four numbers"
          + " 0-255 separated by dots, e.g. 127.0.0.1");
    }
    StringBuilder canonical = new StringBuilder();
    for (String part : parts) {
      // Leading zeros are read as octal by some resolvers: refuse rather than guess.
      boolean valid = !part.isEmpty() && part.length() <= 3 && !(part.length() > 1 && part.startsWith("0"))
          && Integer.parseInt(part) <= 255;
      if (!valid) {
        throw new IllegalArgumentException("\"" + text + "\" is not an IPv4 address: write four numbers"
            + " 0-255 without leading zeros, separated by dots, e.g. 127.0.0.1");
      }
      canonical.append(canonical.isEmpty() ? "" : ".").append(part);
    }
    return canonical.toString();
  }

  private static String normaliseDnsName(String text) {
    String name = text.endsWith(".") ? text.substring(0, text.length() - 1) : text;
    String ascii;
    try {
      ascii = IDN.toASCII(name, IDN.USE_STD3_ASCII_RULES).toLowerCase(Locale.ROOT);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("\"" + text + "\" is not a valid host name: " + e.getMessage(), e);
    }
    if (ascii.isEmpty() || ascii.length() > 253) {
      throw new IllegalArgumentException("\"" + text + "\" is not a valid host name: it must have 1 to 253"
          + " characters");
    }
    String[] labels = ascii.split("\\.", -1);
    for (String label : labels) {
      if (label.isEmpty()) {
        throw new IllegalArgumentException("\"" + text + "\" is not a valid host name: it has an empty label");
      }
    }
    if (labels[labels.length - 1].chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("\"" + text + "\" is neither an IPv4 address nor a host name:"
          + " a host name's last label is not all digits");
    }
    return ascii;
  }

  /** Parses a port as written in a grant or a URL (1 to 65535). */
  static int parsePort(String text) {
    boolean digits = !text.isEmpty() && text.length() <= 5 && text.chars().allMatch(c -> c >= '0' && c <= '9');
    int port = digits ? Integer.parseInt(text) : -1;
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("\"" + text + "\" is not a port: write a number from 1 to 65535");
    }
    return port;
  }
}
