package dev.isola.internal.capability.http;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides whether the addresses an origin resolves to may be contacted. Outbound HTTP is for the
 * public internet: a guest granted {@code https://api.example.com} must not reach the host's own
 * services, its LAN or the cloud metadata service, not even when a DNS name it controls resolves
 * there (DNS rebinding). So these ranges are refused:
 *
 * <ul>
 *   <li>loopback 127.0.0.0/8 and ::1; "this network" 0.0.0.0/8 and :: (any-local);
 *   <li>private 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16; carrier-grade NAT 100.64.0.0/10;
 *   <li>link-local 169.254.0.0/16 and fe80::/10, with 169.254.169.254 named as the cloud metadata
 *       service; unique-local fc00::/7 (including fd00:ec2::254, a metadata address) and the
 *       deprecated site-local fec0::/10;
 *   <li>multicast 224.0.0.0/4 and ff00::/8; reserved 240.0.0.0/4 with the broadcast address;
 *   <li>IPv6 forms that carry an IPv4 address: IPv4-mapped {@code ::ffff:a.b.c.d}, IPv4-compatible
 *       {@code ::a.b.c.d}, NAT64 {@code 64:ff9b::a.b.c.d} and 6to4 {@code 2002:aabb:ccdd::}, judged by
 *       the IPv4 address inside.
 * </ul>
 *
 * <p>The exception is a grant that names the target explicitly: an allow-list entry whose host is an
 * IP address ({@code http://10.0.0.5:8080}) reaches that address whatever its range, and an entry
 * for {@code localhost} reaches loopback addresses. A name that only resolves to a private address
 * is refused even when granted by name, since the grant was for a name, not for the place DNS says.
 *
 * <p>Every address a name resolves to must pass, because the HTTP client may use any of them. The
 * client resolves the name again when it connects; with the JDK's own resolver both lookups are
 * normally answered from the JVM's address cache ({@code networkaddress.cache.ttl}, 30 seconds by
 * default), which narrows but does not close the window between the check and the connection.
 */
public final class AddressPolicy {

  /** Resolves a DNS name to its addresses; replaceable so tests can answer for DNS. */
  @FunctionalInterface
  public interface Resolver {
    /**
     * All addresses of {@code host}, an ASCII DNS name.
     *
     * @throws UnknownHostException when the name does not resolve
     */
    InetAddress[] resolve(String host) throws UnknownHostException;
  }

  /** The JVM's resolver, the one the HTTP client itself uses. */
  public static final Resolver SYSTEM_RESOLVER = InetAddress::getAllByName;

  /** The outcome of {@link #check}. */
  public sealed interface Verdict {
    /** All addresses of the origin may be contacted. */
    record Allowed(List<InetAddress> addresses) implements Verdict {}

    /** {@code address} may not be contacted; {@code reason} says why, for a message. */
    record Refused(InetAddress address, String reason) implements Verdict {}
  }

  private final Resolver resolver;

  public AddressPolicy(Resolver resolver) {
    this.resolver = Objects.requireNonNull(resolver, "resolver");
  }

  /** A policy that resolves names with {@link #SYSTEM_RESOLVER}. */
  public static AddressPolicy system() {
    return new AddressPolicy(SYSTEM_RESOLVER);
  }

  /**
   * Resolves the origin's host (an IP address stands for itself) and checks every address.
   *
   * @param grant the allow-list entry that matched the origin
   * @throws UnknownHostException when the name does not resolve, or resolves to no address
   */
  public Verdict check(Origin origin, OriginAllowList.Entry grant) throws UnknownHostException {
    String host = origin.host();
    List<InetAddress> addresses = origin.hostIsIpLiteral() ? List.of(Origin.literalAddress(host)) : resolve(host);
    boolean explicit = grant.namesPrivateTarget();
    for (InetAddress address : addresses) {
      Optional<String> range = restrictedRange(address);
      if (range.isEmpty()) {
        if (explicit && host.equals("localhost")) {
          return new Verdict.Refused(address, "localhost resolves to " + address.getHostAddress()
              + ", which is not a loopback address");
        }
        continue;
      }
      boolean granted = explicit && (origin.hostIsIpLiteral() || address.isLoopbackAddress());
      if (!granted) {
        String what = origin.hostIsIpLiteral() ? host
            : host + " resolves to " + address.getHostAddress() + ", which";
        return new Verdict.Refused(address, what + " is a restricted address (" + range.get() + "); only a"
            + " grant that names the address itself (or localhost, for loopback) reaches it");
      }
    }
    return new Verdict.Allowed(addresses);
  }

  private List<InetAddress> resolve(String host) throws UnknownHostException {
    InetAddress[] resolved = resolver.resolve(host);
    if (resolved == null || resolved.length == 0) {
      throw new UnknownHostException(host + ": no addresses");
    }
    return List.of(resolved);
  }

  /**
   * The restricted range {@code address} falls in, described for a message (e.g. {@code "private
   * 10.0.0.0/8"}), or empty for a public address.
   */
  public static Optional<String> restrictedRange(InetAddress address) {
    byte[] bytes = address.getAddress();
    return address instanceof Inet4Address ? ipv4Range(bytes) : ipv6Range(bytes);
  }

  private static Optional<String> ipv4Range(byte[] ip) {
    int a = ip[0] & 0xff;
    int b = ip[1] & 0xff;
    String range;
    if (a == 0) {
      range = "this network 0.0.0.0/8";
    } else if (a == 10) {
      range = "private 10.0.0.0/8";
    } else if (a == 100 && (b & 0xc0) == 64) {
      range = "carrier-grade NAT 100.64.0.0/10";
    } else if (a == 127) {
      range = "loopback 127.0.0.0/8";
    } else if (a == 169 && b == 254) {
      boolean metadata = (ip[2] & 0xff) == 169 && (ip[3] & 0xff) == 254;
      range = metadata ? "link-local 169.254.169.254, the cloud metadata service" : "link-local 169.254.0.0/16";
    } else if (a == 172 && (b & 0xf0) == 16) {
      range = "private 172.16.0.0/12";
    } else if (a == 192 && b == 168) {
      range = "private 192.168.0.0/16";
    } else if (a >= 224 && a <= 239) {
      range = "multicast 224.0.0.0/4";
    } else if (a >= 240) {
      range = "reserved 240.0.0.0/4";
    } else {
      return Optional.empty();
    }
    return Optional.of(range);
  }

  private static Optional<String> ipv6Range(byte[] ip) {
    int first = ((ip[0] & 0xff) << 8) | (ip[1] & 0xff);
    if (zeros(ip, 0, 10) && (ip[10] & 0xff) == 0xff && (ip[11] & 0xff) == 0xff) {
      return embedded(ip, 12, "IPv4-mapped");
    }
    if (zeros(ip, 0, 15) && ip[15] == 0) {
      return Optional.of("any-local ::");
    }
    if (zeros(ip, 0, 15) && ip[15] == 1) {
      return Optional.of("loopback ::1");
    }
    if (zeros(ip, 0, 12)) {
      return embedded(ip, 12, "IPv4-compatible");
    }
    if (first == 0x64 && (ip[2] & 0xff) == 0xff && (ip[3] & 0xff) == 0x9b && zeros(ip, 4, 12)) {
      return embedded(ip, 12, "NAT64");
    }
    if (first == 0x2002) {
      return embedded(ip, 2, "6to4");
    }
    if ((first & 0xffc0) == 0xfe80) {
      return Optional.of("link-local fe80::/10");
    }
    if ((first & 0xffc0) == 0xfec0) {
      return Optional.of("site-local fec0::/10");
    }
    if ((first & 0xfe00) == 0xfc00) {
      boolean metadata = first == 0xfd00 && (((ip[2] & 0xff) << 8) | (ip[3] & 0xff)) == 0x0ec2
          && zeros(ip, 4, 14) && ip[14] == 0x02 && (ip[15] & 0xff) == 0x54;
      return Optional.of(metadata ? "unique-local fd00:ec2::254, a cloud metadata service" : "unique-local fc00::/7");
    }
    if ((first & 0xff00) == 0xff00) {
      return Optional.of("multicast ff00::/8");
    }
    return Optional.empty();
  }

  /** The range of the IPv4 address at {@code ip[from..from+4)}, labelled with the IPv6 form carrying it. */
  private static Optional<String> embedded(byte[] ip, int from, String form) {
    byte[] v4 = {ip[from], ip[from + 1], ip[from + 2], ip[from + 3]};
    return ipv4Range(v4).map(range -> form + " IPv6 address of " + range);
  }

  private static boolean zeros(byte[] bytes, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
