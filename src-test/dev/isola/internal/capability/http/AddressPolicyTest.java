package dev.isola.internal.capability.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class AddressPolicyTest {

  private static InetAddress ip(String literal) {
    return Origin.literalAddress(Origin.normaliseHost(literal.contains(":") ? "[" + literal + "]" : literal));
  }

  /** {@code ::ffff:a.b.c.d} kept as an IPv6 address, as a resolver may hand it over. */
  private static InetAddress mapped(int a, int b, int c, int d) throws UnknownHostException {
    byte[] bytes = new byte[16];
    bytes[10] = (byte) 0xff;
    bytes[11] = (byte) 0xff;
    bytes[12] = (byte) a;
    bytes[13] = (byte) b;
    bytes[14] = (byte) c;
    bytes[15] = (byte) d;
    return Inet6Address.getByAddress(null, bytes, -1);
  }

  /** A policy whose DNS knows only {@code names}; any other name does not resolve. */
  private static AddressPolicy dns(Map<String, String> names) {
    return new AddressPolicy(host -> {
      String address = names.get(host);
      if (address == null) {
        throw new UnknownHostException(host);
      }
      return new InetAddress[] {ip(address)};
    });
  }

  private static AddressPolicy.Verdict check(AddressPolicy policy, String grant, String url) throws Exception {
    Origin origin = Origin.of(URI.create(url));
    OriginAllowList.Entry entry = OriginAllowList.of(grant).match(origin).orElseThrow();
    return policy.check(origin, entry);
  }

  // ---- ranges ----

  @ParameterizedTest
  @CsvSource({
      "127.0.0.1,        loopback 127.0.0.0/8",
      "127.255.255.254,  loopback 127.0.0.0/8",
      "0.0.0.0,          this network 0.0.0.0/8",
      "10.0.0.1,         private 10.0.0.0/8",
      "10.255.255.255,   private 10.0.0.0/8",
      "172.16.0.1,       private 172.16.0.0/12",
      "172.31.255.255,   private 172.16.0.0/12",
      "192.168.1.1,      private 192.168.0.0/16",
      "100.64.0.1,       carrier-grade NAT 100.64.0.0/10",
      "100.127.255.255,  carrier-grade NAT 100.64.0.0/10",
      "169.254.0.1,      link-local 169.254.0.0/16",
      "169.254.169.254,  'link-local 169.254.169.254, the cloud metadata service'",
      "224.0.0.1,        multicast 224.0.0.0/4",
      "239.255.255.250,  multicast 224.0.0.0/4",
      "255.255.255.255,  reserved 240.0.0.0/4",
      "::1,              loopback ::1",
      "::,               any-local ::",
      "fe80::1,          link-local fe80::/10",
      "febf::1,          link-local fe80::/10",
      "fec0::1,          site-local fec0::/10",
      "fc00::1,          unique-local fc00::/7",
      "fdab:cdef::1,     unique-local fc00::/7",
      "fd00:ec2::254,    'unique-local fd00:ec2::254, a cloud metadata service'",
      "ff02::1,          multicast ff00::/8",
      "::a00:1,          IPv4-compatible IPv6 address of private 10.0.0.0/8",
      "64:ff9b::7f00:1,  NAT64 IPv6 address of loopback 127.0.0.0/8",
      "2002:a9fe:a9fe::, '6to4 IPv6 address of link-local 169.254.169.254, the cloud metadata service'",
  })
  void restrictedRange_privateAddress_named(String address, String range) {
    assertEquals(Optional.of(range), AddressPolicy.restrictedRange(ip(address)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"8.8.8.8", "1.1.1.1", "93.184.216.34", "172.15.255.255", "172.32.0.1",
      "192.169.0.1", "100.63.255.255", "100.128.0.1", "169.255.0.1", "11.0.0.1", "223.255.255.255",
      "2606:4700:4700::1111", "2001:db8::1", "64:ff9b::808:808", "2002:808:808::", "fe00::1"})
  void restrictedRange_publicAddress_empty(String address) {
    assertEquals(Optional.empty(), AddressPolicy.restrictedRange(ip(address)));
  }

  @Test
  void restrictedRange_ipv4MappedIpv6_judgedByTheIpv4Address() throws Exception {
    assertEquals(Optional.of("IPv4-mapped IPv6 address of loopback 127.0.0.0/8"),
        AddressPolicy.restrictedRange(mapped(127, 0, 0, 1)));
    assertEquals(Optional.of("IPv4-mapped IPv6 address of private 10.0.0.0/8"),
        AddressPolicy.restrictedRange(mapped(10, 1, 2, 3)));
    assertEquals(Optional.of("IPv4-mapped IPv6 address of link-local 169.254.169.254, the cloud metadata service"),
        AddressPolicy.restrictedRange(mapped(169, 254, 169, 254)));
    assertEquals(Optional.of("IPv4-mapped IPv6 address of private 192.168.0.0/16"),
        AddressPolicy.restrictedRange(mapped(192, 168, 0, 1)));
    assertEquals(Optional.empty(), AddressPolicy.restrictedRange(mapped(8, 8, 8, 8)));
  }

  // ---- check ----

  @Test
  void check_publicNameResolvingPublic_allowed() throws Exception {
    AddressPolicy policy = dns(Map.of("api.example.com", "93.184.216.34"));

    AddressPolicy.Verdict verdict = check(policy, "https://api.example.com", "https://api.example.com/");

    assertEquals(new AddressPolicy.Verdict.Allowed(java.util.List.of(ip("93.184.216.34"))), verdict);
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "10.0.0.1", "192.168.0.10", "169.254.169.254", "100.64.1.1", "::1",
      "fd00::5", "0.0.0.0"})
  void check_publicNameResolvingPrivate_refused(String address) throws Exception {
    AddressPolicy policy = dns(Map.of("api.example.com", address));

    AddressPolicy.Verdict verdict = check(policy, "https://api.example.com", "https://api.example.com/");

    AddressPolicy.Verdict.Refused refused = assertInstanceOf(AddressPolicy.Verdict.Refused.class, verdict);
    assertTrue(refused.reason().startsWith("api.example.com resolves to "), refused.reason());
  }

  @Test
  void check_wildcardNameResolvingPrivate_refused() throws Exception {
    AddressPolicy policy = dns(Map.of("internal.example.com", "10.1.2.3"));

    AddressPolicy.Verdict verdict = check(policy, "https://*.example.com", "https://internal.example.com/");

    assertInstanceOf(AddressPolicy.Verdict.Refused.class, verdict);
  }

  @Test
  void check_oneOfSeveralAddressesPrivate_refused() throws Exception {
    AddressPolicy policy = new AddressPolicy(host -> new InetAddress[] {ip("93.184.216.34"), ip("10.0.0.1")});

    AddressPolicy.Verdict verdict = check(policy, "https://api.example.com", "https://api.example.com/");

    assertInstanceOf(AddressPolicy.Verdict.Refused.class, verdict);
  }

  @Test
  void check_resolverReturnsMappedLoopback_refused() throws Exception {
    InetAddress sneaky = mapped(127, 0, 0, 1);
    AddressPolicy policy = new AddressPolicy(host -> new InetAddress[] {sneaky});

    AddressPolicy.Verdict verdict = check(policy, "https://api.example.com", "https://api.example.com/");

    assertInstanceOf(AddressPolicy.Verdict.Refused.class, verdict);
  }

  @ParameterizedTest
  @CsvSource({
      "http://127.0.0.1:8080,     http://127.0.0.1:8080/",
      "http://10.0.0.5,           http://10.0.0.5/",
      "http://169.254.169.254,    http://169.254.169.254/latest/meta-data/",
      "http://[fd00::1]:9000,     http://[fd00::1]:9000/",
      "http://[::ffff:10.0.0.5],  http://10.0.0.5/",
  })
  void check_explicitlyGrantedAddress_allowedWithoutDns(String grant, String url) throws Exception {
    AddressPolicy noDns = new AddressPolicy(host -> {
      throw new AssertionError("an IP address must not be looked up: " + host);
    });

    assertInstanceOf(AddressPolicy.Verdict.Allowed.class, check(noDns, grant, url));
  }

  @Test
  void check_notGrantedByAddress_refusedWithReason() throws Exception {
    // A grant of a name never unlocks a private address, even a name that is a loopback alias.
    AddressPolicy policy = dns(Map.of("loopback.example.com", "127.0.0.1"));

    AddressPolicy.Verdict verdict = check(policy, "http://loopback.example.com:8080",
        "http://loopback.example.com:8080/");

    AddressPolicy.Verdict.Refused refused = assertInstanceOf(AddressPolicy.Verdict.Refused.class, verdict);
    assertEquals("loopback.example.com resolves to 127.0.0.1, which is a restricted address (loopback"
        + " 127.0.0.0/8); only a grant that names the address itself (or localhost, for loopback) reaches it",
        refused.reason());
  }

  @ParameterizedTest
  @CsvSource({"127.0.0.1, true", "::1, true", "10.0.0.1, false", "93.184.216.34, false"})
  void check_explicitLocalhost_reachesLoopbackOnly(String address, boolean allowed) throws Exception {
    AddressPolicy policy = dns(Map.of("localhost", address));

    AddressPolicy.Verdict verdict = check(policy, "http://localhost:9000", "http://localhost:9000/");

    assertEquals(allowed, verdict instanceof AddressPolicy.Verdict.Allowed, verdict.toString());
  }

  @Test
  void check_unknownName_throwsUnknownHost() {
    AddressPolicy policy = dns(Map.of());
    Origin origin = Origin.of(URI.create("https://nowhere.example.com/"));
    OriginAllowList.Entry entry = OriginAllowList.of("https://nowhere.example.com").entries().get(0);

    assertThrows(UnknownHostException.class, () -> policy.check(origin, entry));
  }

  @Test
  void check_resolverAnswersNothing_throwsUnknownHost() {
    AddressPolicy policy = new AddressPolicy(host -> new InetAddress[0]);
    Origin origin = Origin.of(URI.create("https://api.example.com/"));
    OriginAllowList.Entry entry = OriginAllowList.of("https://api.example.com").entries().get(0);

    assertThrows(UnknownHostException.class, () -> policy.check(origin, entry));
  }
}
