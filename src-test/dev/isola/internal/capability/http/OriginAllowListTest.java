package dev.isola.internal.capability.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class OriginAllowListTest {

  private static boolean allows(String grant, String url) {
    return OriginAllowList.of(grant).allows(URI.create(url));
  }

  // ---- parsing ----

  @Test
  void of_everyAcceptedShape_normalisesEntries() {
    OriginAllowList allow = OriginAllowList.of("https://api.example.com", "https://api.example.com:8443",
        "https://*.Example.com", "http://127.0.0.1:8080", "http://localhost:9000", "http://[::1]:8080",
        "HTTPS://Bücher.example.", "https://api.example.com/");

    assertEquals("[https://api.example.com:443, https://api.example.com:8443, https://*.example.com:443,"
        + " http://127.0.0.1:8080, http://localhost:9000, http://[0:0:0:0:0:0:0:1]:8080,"
        + " https://xn--bcher-kva.example:443]", allow.toString());
  }

  @Test
  void of_httpWithoutPort_defaultsTo80() {
    assertEquals(80, OriginAllowList.of("http://example.com").entries().get(0).port());
  }

  @Test
  void of_noGrants_allowsNothing() {
    assertFalse(OriginAllowList.of(List.of()).allows(URI.create("https://example.com/")));
    assertFalse(OriginAllowList.none().allows(URI.create("http://127.0.0.1/")));
    assertEquals("[]", OriginAllowList.none().toString());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "ftp://files.example.com           | the scheme must be http or https, not \"ftp\"",
      "file:///etc/passwd                | the scheme must be http or https, not \"file\"",
      "api.example.com                   | it has no scheme",
      "://api.example.com                | it has no scheme",
      "https://api.example.com/v1        | without a path, query or fragment",
      "https://api.example.com?key=1     | without a path, query or fragment",
      "https://api.example.com#top       | without a path, query or fragment",
      "https://user:pw@api.example.com   | without user info",
      "https://api.example.com:0         | is not a port",
      "https://api.example.com:65536     | is not a port",
      "https://api.example.com:http      | is not a port",
      "https://api.example.com:          | is not a port",
      "https://                          | the host is empty",
      "https://*.com                     | not a whole top-level domain",
      "https://api.*.example.com         | '*' may only stand alone as the first label",
      "https://*example.com              | '*' may only stand alone as the first label",
      "https://*.127.0.0.1               | not of an IP address",
      "https://[::1                      | lacks its closing ']'",
      "https://[fe80::1%eth0]            | zone ids",
      "https://[not:an:address]          | is not an IPv6 address",
      "https://256.1.1.1                 | is not an IPv4 address",
      "https://010.0.0.1                 | without leading zeros",
      "https://127.1                     | is not an IPv4 address",
      "https://api..example.com          | is not a valid host name",
      "https://under_score.example.com   | is not a valid host name",
      "https://example.123               | last label is not all digits",
  })
  void of_badEntry_refusedNamingEntryReasonAndShapes(String grant, String reason) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OriginAllowList.of(grant));

    assertTrue(e.getMessage().startsWith("outbound HTTP grant \"" + grant + "\" is not an origin"), e.getMessage());
    assertTrue(e.getMessage().contains(reason), e.getMessage());
    assertTrue(e.getMessage().contains("e.g. \"https://api.example.com\""), e.getMessage());
  }

  @Test
  void of_duplicatesAfterNormalising_keptOnce() {
    OriginAllowList allow = OriginAllowList.of("https://API.example.com", "https://api.example.com:443/");

    assertEquals(1, allow.entries().size());
  }

  // ---- matching ----

  @ParameterizedTest
  @CsvSource({
      "https://api.example.com,       https://api.example.com/v1/users?x=1, true",
      "https://api.example.com,       https://api.example.com:443/,         true",
      "https://api.example.com,       https://api.example.com:8443/,        false",
      "https://api.example.com,       http://api.example.com/,              false",
      "https://api.example.com,       https://other.example.com/,           false",
      "https://api.example.com,       https://api.example.com.evil.test/,   false",
      "https://api.example.com:8443,  https://api.example.com:8443/,        true",
      "https://api.example.com:8443,  https://api.example.com/,             false",
      "http://example.com,            http://example.com:80/,               true",
      "http://example.com:443,        https://example.com/,                 false",
  })
  void allows_schemeHostAndPort_mustAllMatch(String grant, String url, boolean expected) {
    assertEquals(expected, allows(grant, url));
  }

  @ParameterizedTest
  @CsvSource({
      "https://eu.example.com/,         true",
      "https://a.b.example.com/,        true",
      "https://EU.Example.COM/,         true",
      "https://example.com/,            false",
      "https://evilexample.com/,        false",
      "https://example.com.evil.test/,  false",
      "http://eu.example.com/,          false",
      "https://eu.example.com:8443/,    false",
  })
  void allows_wildcard_matchesSubdomainsOnly(String url, boolean expected) {
    assertEquals(expected, allows("https://*.example.com", url));
  }

  @Test
  void allows_hostCase_ignored() {
    assertTrue(allows("https://API.Example.com", "https://api.EXAMPLE.com/"));
    assertTrue(allows("HTTPS://api.example.com", "https://api.example.com/"));
    assertTrue(allows("https://api.example.com", "HTTPS://api.example.com/"));
  }

  @Test
  void allows_internationalisedNames_matchByAsciiForm() {
    assertTrue(allows("https://bücher.example", "https://xn--bcher-kva.example/"));
    assertTrue(allows("https://xn--bcher-kva.example", "https://bücher.example/katalog"));
    assertTrue(allows("https://*.bücher.example", "https://shop.xn--bcher-kva.example/"));
    assertFalse(allows("https://bücher.example", "https://bucher.example/"));
  }

  @Test
  void allows_trailingDot_ignoredOnEitherSide() {
    assertTrue(allows("https://api.example.com.", "https://api.example.com/"));
    assertTrue(allows("https://api.example.com", "https://api.example.com./"));
    assertTrue(allows("https://*.example.com", "https://eu.example.com./"));
  }

  @ParameterizedTest
  @CsvSource({
      "http://[::1]:8080,                 http://[::1]:8080/,                   true",
      "http://[::1]:8080,                 http://[0:0:0:0:0:0:0:1]:8080/,       true",
      "http://[2001:DB8::1],              http://[2001:db8:0::1]/,              true",
      "http://[::1]:8080,                 http://[::1]:8081/,                   false",
      "http://[::1]:8080,                 http://127.0.0.1:8080/,               false",
      "http://[::ffff:127.0.0.1]:8080,    http://127.0.0.1:8080/,               true",
  })
  void allows_ipv6Literals_matchByAddress(String grant, String url, boolean expected) {
    assertEquals(expected, allows(grant, url));
  }

  @ParameterizedTest
  @ValueSource(strings = {"file:///etc/passwd", "ftp://api.example.com/", "jar:file:/x.jar!/a",
      "mailto:someone@example.com", "/relative/path", "https:///no-host", "https://bad_host.example.com/"})
  void allows_notAnHttpOrigin_false(String url) {
    OriginAllowList allow = OriginAllowList.of("https://api.example.com", "http://127.0.0.1:8080");

    assertFalse(allow.allows(URI.create(url)));
  }

  @Test
  void allows_userInfoInUrl_judgedByTheRealHost() {
    assertFalse(allows("https://api.example.com", "https://api.example.com@evil.test/"));
    assertTrue(allows("https://api.example.com", "https://someone@api.example.com/"));
  }

  // ---- explicit targets ----

  @Test
  void namesPrivateTarget_ipAndLocalhost_onlyWhenNamedExactly() {
    List<OriginAllowList.Entry> entries = OriginAllowList.of("http://10.0.0.5:8080", "http://[fd00::1]",
        "http://localhost:9000", "https://api.example.com", "https://*.localhost.example.com").entries();

    assertEquals(List.of(true, true, true, false, false),
        entries.stream().map(OriginAllowList.Entry::namesPrivateTarget).toList());
  }

  @Test
  void match_grantedOrigin_returnsTheEntryThatAllowsIt() {
    OriginAllowList allow = OriginAllowList.of("https://api.example.com", "https://*.example.com");

    OriginAllowList.Entry entry = allow.match(Origin.of(URI.create("https://eu.example.com/"))).orElseThrow();

    assertEquals("https://*.example.com:443", entry.toString());
  }
}
