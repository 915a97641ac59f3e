package dev.isola.internal.capability;

import dev.isola.Grant;
import dev.isola.HandlerLoadException;
import dev.isola.SecretProvider;
import dev.isola.kv.KeyValueStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Resolves each route's grants, when an {@code Isola} is built, against what it declares: stores,
 * variables, secrets (and secret providers), directories, and the application capabilities it
 * registered. Makes the outbound HTTP client the first time a route is granted outbound HTTP; its
 * owner closes it ({@link #outboundHttp()}).
 */
public final class GrantResolver {
  private final Map<String, KeyValueStore> stores_;
  private final Map<String, String> variables_;
  private final Map<String, String> secrets_;
  private final List<SecretProvider> providers;
  private final Extensions extensions;
  private @Nullable OutboundHttp outboundHttp;
  /** Each route's grants as given, in declaration order: what an audit compares uses with. */
  private final Map<String, List<Grant>> granted = new LinkedHashMap<>();

  /**
   * @param outboundHttp the client to use, made by the owner (a replaced transport), or null to make
   *     one when a route needs it
   */
  public GrantResolver(Map<String, KeyValueStore> stores, Map<String, String> variables, Map<String, String> secrets,
      List<SecretProvider> providers, Extensions extensions, @Nullable OutboundHttp outboundHttp) {
    this.stores_ = Map.copyOf(stores);
    this.variables_ = Map.copyOf(variables);
    this.secrets_ = Map.copyOf(secrets);
    this.providers = List.copyOf(providers);
    this.extensions = extensions;
    this.outboundHttp = outboundHttp;
  }

  /** The application capabilities registered. */
  public Extensions extensions() {
    return extensions;
  }

  /** The HTTP client made or given, if any: closed by the owner. */
  public synchronized @Nullable OutboundHttp outboundHttp() {
    return outboundHttp;
  }

  /** The HTTP client, made now if no route needed one yet (a permissive audit may): closed by the owner. */
  synchronized OutboundHttp outboundHttpClient() {
    if (outboundHttp == null) {
      outboundHttp = new OutboundHttp();
    }
    return outboundHttp;
  }

  /** The stores the Isola declares, by name. */
  Map<String, KeyValueStore> declaredStores() {
    return stores_;
  }

  /** The variables the Isola declares, with their values. */
  Map<String, String> declaredVariables() {
    return variables_;
  }

  /** Each route resolved so far and its grants as given (defaults first), in declaration order. */
  synchronized Map<String, List<Grant>> grantsByRoute() {
    return new LinkedHashMap<>(granted);
  }

  /**
   * Resolves one route's grants (the Isola's defaults, then the handler's) against what the Isola
   * declares.
   *
   * @throws HandlerLoadException naming the route and the fix
   */
  public RouteCapabilities resolve(String spec, List<Grant> grants) {
    synchronized (this) {
      granted.put(spec, List.copyOf(grants));
    }
    if (grants.isEmpty()) {
      return RouteCapabilities.none(spec, extensions);
    }
    Map<String, dev.isola.kv.KeyValueStore> stores = new LinkedHashMap<>();
    Map<String, String> variables = new LinkedHashMap<>();
    Map<String, String> secrets = new LinkedHashMap<>();
    java.util.Set<String> readable = new java.util.HashSet<>();
    List<String> origins = new java.util.ArrayList<>();
    Map<String, Path> mounts = new LinkedHashMap<>();
    // The same grant twice (in the defaults and the handler's) is one.
    java.util.Set<BuiltInGrants.InjectedSecret> injected = new java.util.LinkedHashSet<>();
    List<Grant> others = new java.util.ArrayList<>();
    for (Grant grant : grants) {
      switch (grant) {
        case BuiltInGrants.KeyValue kv -> stores.put(kv.store(), declared(spec, stores_, kv.store(), "key-value store",
            "Isola.Builder.store(\"" + kv.store() + "\", KeyValueStores.file(...)) or [store." + kv.store() + "] in isola.toml"));
        case BuiltInGrants.Variables vars -> vars.names().forEach(n -> variables.put(n, declared(spec, variables_, n,
            "variable", "Isola.Builder.variable(\"" + n + "\", value) or [variables] " + n + " = \"...\" in isola.toml")));
        case BuiltInGrants.ReadableSecrets sec -> sec.names().forEach(n -> {
          secrets.put(n, secretValue(spec, n));
          readable.add(n);
        });
        case BuiltInGrants.InjectedSecret sec -> injected.add(sec);
        case BuiltInGrants.OutboundHttp http -> origins.addAll(http.origins());
        case BuiltInGrants.Files files -> mounts.put(files.mount(), realDirectory(spec, files));
        default -> others.add(grant);
      }
    }
    OriginAllowList allow = null;
    if (!origins.isEmpty()) {
      allow = OriginAllowList.of(origins);
      outboundHttpClient();
    }
    List<SecretHeader> secretHeaders = new java.util.ArrayList<>();
    for (BuiltInGrants.InjectedSecret sec : injected) {
      secretHeaders.add(secretHeader(spec, sec, secretValue(spec, sec.name()), allow));
    }
    checkDistinctHeaders(spec, secretHeaders);
    return new RouteCapabilities(spec, stores, allow, allow == null ? null : outboundHttp(), variables, secrets, readable,
        secretHeaders, mounts, extensions.resolve(spec, others), extensions, new java.util.concurrent.atomic.AtomicLong());
  }

  private String secretValue(String spec, String name) {
    Map<String, String> known = secrets_.containsKey(name) ? secrets_ : provided(spec, providers, name);
    return declared(spec, known, name, "secret", "Isola.Builder.secret(\"" + name + "\", value), a SecretProvider"
        + " that knows it, or [secrets] " + name + " = { env = \"...\" } in isola.toml");
  }

  /**
   * The header the host adds for {@code sec}, checked: each of its origins must be one the route may
   * reach, and the filled-in value must be a header value the HTTP client sends (never quoted in a
   * message: it holds the secret).
   */
  private static SecretHeader secretHeader(String spec, BuiltInGrants.InjectedSecret sec, String secret,
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
  private static void checkDistinctHeaders(String spec, List<SecretHeader> headers) {
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

  private static Path realDirectory(String spec, BuiltInGrants.Files files) {
    try {
      Path real = files.directory().toRealPath();
      if (Files.isDirectory(real)) {
        return real;
      }
    } catch (IOException e) {
      // reported below
    }
    throw new HandlerLoadException("route \"" + spec + "\" is granted files from " + files.directory().toAbsolutePath()
        + ", which is not an existing directory: create it or fix the path");
  }

  /** {@code name} from the first provider that has it, as a one-entry map (empty if none). */
  private static Map<String, String> provided(String spec, List<SecretProvider> providers, String name) {
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

  private static <T> T declared(String spec, Map<String, T> declared, String name, String what, String fix) {
    T value = declared.get(name);
    if (value == null) {
      throw new HandlerLoadException("route \"" + spec + "\" is granted " + what + " \"" + name
          + "\", which this Isola does not declare" + (declared.isEmpty() ? "" : " (it declares "
          + String.join(", ", new java.util.TreeSet<>(declared.keySet())) + ")") + ": declare it with " + fix);
    }
    return value;
  }

}
