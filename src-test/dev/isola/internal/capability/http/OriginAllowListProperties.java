package dev.isola.internal.capability.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.statistics.StatisticsReport;

/**
 * {@link OriginAllowList#allows} agrees with a plain reference written here, for URLs and grants
 * drawn from small pools that share hosts, so that matches and near misses are both common.
 */
class OriginAllowListProperties {

  /** A URL's parts and a grant's parts, as written (any case, trailing dots, Unicode). */
  record Url(String scheme, String host, int port) {
    URI uri() {
      return URI.create(scheme + "://" + host + (port < 0 ? "" : ":" + port) + "/path?q=1");
    }
  }

  record Grant(String scheme, String host, int port) {
    String text() {
      return scheme + "://" + host + (port < 0 ? "" : ":" + port);
    }
  }

  /** The one IDN label in the pools and its ASCII form, by hand rather than by code. */
  private static final Map<String, String> ASCII_LABEL = Map.of("bücher", "xn--bcher-kva");

  private static String reference(String host) {
    String lower = host.toLowerCase(Locale.ROOT);
    String bare = lower.endsWith(".") ? lower.substring(0, lower.length() - 1) : lower;
    if (bare.equals("[0:0:0:0:0:0:0:1]")) {
      return "[::1]";
    }
    return Arrays.stream(bare.split("\\.")).map(label -> ASCII_LABEL.getOrDefault(label, label))
        .collect(Collectors.joining("."));
  }

  private static int referencePort(String scheme, int port) {
    return port >= 0 ? port : scheme.equals("https") ? 443 : 80;
  }

  /** The rule as the documentation states it, written as directly as possible. */
  private static boolean referenceAllows(List<Grant> grants, Url url) {
    String scheme = url.scheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return false;
    }
    String host = reference(url.host());
    int port = referencePort(scheme, url.port());
    for (Grant grant : grants) {
      String grantScheme = grant.scheme().toLowerCase(Locale.ROOT);
      if (!grantScheme.equals(scheme) || referencePort(grantScheme, grant.port()) != port) {
        continue;
      }
      boolean hostMatches = grant.host().startsWith("*.")
          ? host.endsWith("." + reference(grant.host().substring(2)))
          : host.equals(reference(grant.host()));
      if (hostMatches) {
        return true;
      }
    }
    return false;
  }

  /** Grants and a URL to check against them. */
  record Case(List<Grant> grants, Url url) {}

  @Property(tries = 3000)
  @StatisticsReport(StatisticsReport.StatisticsReportMode.OFF) // the coverage check below is what matters
  void allows_agreesWithTheReference(@ForAll("cases") Case example) {
    List<Grant> grants = example.grants();
    Url url = example.url();
    OriginAllowList allow = OriginAllowList.of(grants.stream().map(Grant::text).toList());
    boolean expected = referenceAllows(grants, url);

    assertEquals(expected, allow.allows(url.uri()), () -> allow + " for " + url.uri());
    Statistics.collect(expected);
    Statistics.coverage(coverage -> {
      coverage.check(true).percentage(share -> share > 5);
      coverage.check(false).percentage(share -> share > 5);
    });
  }

  @Property(tries = 2000)
  void of_anyText_parsesOrExplainsItself(@ForAll("grantLikeText") String text) {
    try {
      OriginAllowList.of(text);
    } catch (IllegalArgumentException e) {
      assertTrue(e.getMessage().startsWith("outbound HTTP grant \"" + text + "\" is not an origin: "), e.getMessage());
    }
  }

  /** Half the URLs are drawn from the pool, half are near misses and hits of one of the grants. */
  @Provide
  Arbitrary<Case> cases() {
    return grants().flatMap(grants -> {
      Arbitrary<Url> urls = grants.isEmpty() ? urls() : Arbitraries.oneOf(urls(), Arbitraries.of(grants).flatMap(
          OriginAllowListProperties::near));
      return urls.map(url -> new Case(grants, url));
    });
  }

  /** URLs a grant allows or only just misses: same or other scheme, host spelling, subdomain, port. */
  private static Arbitrary<Url> near(Grant grant) {
    Arbitrary<String> schemes = Arbitraries.of(grant.scheme(), grant.scheme().toUpperCase(Locale.ROOT),
        grant.scheme().equalsIgnoreCase("http") ? "https" : "http");
    String host = grant.host();
    Arbitrary<String> hosts;
    if (host.startsWith("*.")) {
      String domain = host.substring(2);
      hosts = Arbitraries.of("eu." + domain, "a.b." + domain, domain, "EU." + domain.toUpperCase(Locale.ROOT),
          "x" + domain);
    } else if (host.startsWith("[") || Character.isDigit(host.charAt(0))) {
      hosts = Arbitraries.of(host);
    } else {
      hosts = Arbitraries.of(host, host.toUpperCase(Locale.ROOT), host.endsWith(".") ? host : host + ".",
          "www." + host);
    }
    Arbitrary<Integer> ports = Arbitraries.of(grant.port(), -1, 80, 443, 8080);
    return Combinators.combine(schemes, hosts, ports).as(Url::new);
  }

  @Provide
  Arbitrary<Url> urls() {
    Arbitrary<String> schemes = Arbitraries.of("http", "https", "HTTPS", "Http", "ftp", "ws");
    Arbitrary<String> hosts = Arbitraries.of("api.example.com", "API.Example.COM", "api.example.com.",
        "example.com", "eu.example.com", "a.b.example.com", "evilexample.com", "example.org", "example.org.",
        "127.0.0.1", "[::1]", "[0:0:0:0:0:0:0:1]", "localhost", "bücher.example", "xn--bcher-kva.example",
        "shop.bücher.example", "shop.xn--bcher-kva.example");
    return Combinators.combine(schemes, hosts, ports()).as(Url::new);
  }

  @Provide
  Arbitrary<List<Grant>> grants() {
    Arbitrary<String> schemes = Arbitraries.of("http", "https", "HTTP");
    Arbitrary<String> hosts = Arbitraries.of("api.example.com", "*.example.com", "example.com", "EXAMPLE.org",
        "127.0.0.1", "[::1]", "localhost", "bücher.example", "*.bücher.example", "xn--bcher-kva.example.",
        "*.b.example.com");
    return Combinators.combine(schemes, hosts, ports()).as(Grant::new).list().ofMaxSize(4);
  }

  private static Arbitrary<Integer> ports() {
    return Arbitraries.of(-1, 80, 443, 8080);
  }

  @Provide
  Arbitrary<String> grantLikeText() {
    Arbitrary<String> pieces = Arbitraries.of("http", "https", "ftp", "://", ":", "/", "[", "]", "*", ".",
        "@", "%", "?", "#", "example", "com", "127", "0", "1", "::", "ff", "-", "_", "ü", " ", "65536", "8080");
    return pieces.list().ofMaxSize(10).map(parts -> String.join("", parts));
  }
}
