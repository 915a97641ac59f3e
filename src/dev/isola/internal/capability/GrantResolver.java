package dev.isola.internal.capability;

import dev.isola.internal.capability.files.FileGate;
import dev.isola.internal.capability.secrets.Secrets;

import dev.isola.internal.capability.http.OriginAllowList;
import dev.isola.internal.capability.http.OutboundHttp;
import dev.isola.internal.capability.http.SecretHeader;
import dev.isola.Grant;
import dev.isola.HandlerLoadException;
import dev.isola.SecretProvider;
import dev.isola.kv.KeyValueStore;
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
  /** Where component calls go; set by the owner before routes resolve. */
  private dev.isola.internal.capability.component.Components components =
      dev.isola.internal.capability.component.Components.none();
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

  /** Sets where component calls go, before any route resolves. */
  public void components(dev.isola.internal.capability.component.Components components) {
    this.components = java.util.Objects.requireNonNull(components, "components");
  }

  /** Where component calls go. */
  public dev.isola.internal.capability.component.Components components() {
    return components;
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
      return RouteCapabilities.none(spec, extensions, components);
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
    java.util.Set<String> calls = new java.util.LinkedHashSet<>();
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
        case BuiltInGrants.Files files -> mounts.put(files.mount(), FileGate.directory(spec, files));
        case BuiltInGrants.Calls c -> c.components().forEach(name -> calls.add(callable(spec, name)));
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
      secretHeaders.add(Secrets.header(spec, sec, secretValue(spec, sec.name()), allow));
    }
    Secrets.checkDistinctHeaders(spec, secretHeaders);
    return new RouteCapabilities(spec, stores, allow, allow == null ? null : outboundHttp(), variables, secrets, readable,
        secretHeaders, mounts, extensions.resolve(spec, others), extensions, calls, components,
        new java.util.concurrent.atomic.AtomicLong());
  }

  /** {@code name}, if a call to it has somewhere to go; else a build failure naming the fix. */
  private String callable(String spec, String name) {
    if (components.knows(name)) {
      return name;
    }
    java.util.Set<String> known = components.known();
    throw new HandlerLoadException("route \"" + spec + "\" may call component \"" + name + "\", which this Isola"
        + " neither serves nor reaches remotely" + (known.isEmpty() ? "" : " (it knows " + String.join(", ", known) + ")")
        + ": declare it with Isola.Builder.component(\"" + name + "\", handler) ([[route]] name = \"" + name
        + "\" in isola.toml), or say where it runs with Isola.Builder.remote(\"" + name + "\", url) ([remote." + name
        + "] url = \"...\")");
  }

  private String secretValue(String spec, String name) {
    Map<String, String> known = secrets_.containsKey(name) ? secrets_ : Secrets.provided(spec, providers, name);
    return declared(spec, known, name, "secret", "Isola.Builder.secret(\"" + name + "\", value), a SecretProvider"
        + " that knows it, or [secrets] " + name + " = { env = \"...\" } in isola.toml");
  }

  /** {@code declared}'s {@code name}, or a build failure naming the route, what is missing and {@code fix}. */
  public static <T> T declared(String spec, Map<String, T> declared, String name, String what, String fix) {
    T value = declared.get(name);
    if (value == null) {
      throw new HandlerLoadException("route \"" + spec + "\" is granted " + what + " \"" + name
          + "\", which this Isola does not declare" + (declared.isEmpty() ? "" : " (it declares "
          + String.join(", ", new java.util.TreeSet<>(declared.keySet())) + ")") + ": declare it with " + fix);
    }
    return value;
  }

}
