package dev.isola.internal.capability;

import dev.isola.internal.capability.http.AddressPolicy;
import dev.isola.internal.capability.http.Origin;
import dev.isola.internal.capability.http.OriginAllowList;
import dev.isola.internal.capability.http.OutboundHttp;
import dev.isola.internal.capability.http.SecretHeader;
import dev.isola.Grant;
import dev.isola.capability.Audit;
import dev.isola.capability.AuditReport;
import dev.isola.capability.AuditReport.Line;
import dev.isola.capability.NamedGrant;
import dev.isola.kv.KeyValueStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records, per route, what guests use and are denied, for an {@code Isola} built with {@code
 * Builder.audit} ({@link Audit}), and turns that into an {@link AuditReport}. One per {@code Isola};
 * each call gets its route's {@link Route} through {@link RouteCapabilities#forCall}, which
 * {@link CallCapabilities} tells of each use. Without an audit there is no recorder and the gate's
 * only cost is a null check.
 *
 * <p>Memory is bounded per route whatever guests do: keys are kept as at most {@value
 * AuditReport#MAX_KEY_SHAPES} short shapes per store, at most {@value #MAX_ORIGINS} origins, and at
 * most {@value AuditReport.RouteAudit#MAX_DENIALS} distinct denials (others only counted); names
 * kept are either granted or declared by the {@code Isola}, except denied ones, which are cut to
 * {@value #MAX_TEXT} characters.
 *
 * <p>In {@link Audit#PERMISSIVE} mode the {@code ungranted...} methods decide what is let through;
 * see {@link Audit#PERMISSIVE} for the rules. Thread-safe.
 */
public final class AuditRecorder {
  private static final Logger log = LoggerFactory.getLogger(AuditRecorder.class);
  /** The most distinct origins kept per route. */
  static final int MAX_ORIGINS = 32;
  /** The longest key shape, and the longest denied text, kept. */
  static final int MAX_KEY_CHARS = 32;
  static final int MAX_TEXT = 200;
  /** Characters that end a key's prefix: {@code user:42} is {@code user:*}. */
  private static final String SEPARATORS = ":/.-_#|";

  private final Audit mode;
  private final GrantResolver declared;
  private final @Nullable OutboundHttp client;
  private final Map<String, Route> routes = new ConcurrentHashMap<>();

  /**
   * A recorder for an {@code Isola} whose declarations {@code declared} resolves. In permissive mode
   * logs a warning, and makes the outbound HTTP client if no route has one yet.
   */
  public AuditRecorder(Audit mode, GrantResolver declared) {
    this.mode = Objects.requireNonNull(mode, "mode");
    this.declared = Objects.requireNonNull(declared, "declared");
    if (mode == Audit.PERMISSIVE) {
      log.warn("audit is PERMISSIVE: uses a route was not granted are logged and let through for declared stores,"
          + " variables, host interfaces and public DNS origins (never readable secrets, files outside mounts, or"
          + " loopback, private or link-local addresses). For development only: build with Audit.RECORD, or without"
          + " audit, anywhere else");
      this.client = declared.outboundHttpClient();
    } else {
      this.client = null;
    }
  }

  public Audit mode() {
    return mode;
  }

  /** The record of route {@code spec}, counting one more call of it. */
  Route call(String spec) {
    Route route = routes.computeIfAbsent(spec, Route::new);
    route.calls.incrementAndGet();
    return route;
  }

  /** The report of every route the {@code Isola} declares, in declaration order. */
  public AuditReport report() {
    List<AuditReport.RouteAudit> out = new ArrayList<>();
    declared.grantsByRoute().forEach((spec, grants) -> {
      Route route = routes.get(spec);
      out.add(route == null ? new Route(spec).report(grants) : route.report(grants));
    });
    return new AuditReport(mode, out);
  }

  /** A key (or list prefix) as a short shape: up to its first separator, else itself, at most {@value #MAX_KEY_CHARS}. */
  static Shape shape(String key) {
    int end = Math.min(key.length(), MAX_KEY_CHARS);
    for (int i = 0; i < end; i++) {
      if (SEPARATORS.indexOf(key.charAt(i)) >= 0) {
        return new Shape(key.substring(0, i + 1), true);
      }
    }
    return key.length() > MAX_KEY_CHARS ? new Shape(key.substring(0, MAX_KEY_CHARS), true) : new Shape(key, false);
  }

  /** A key seen, or with {@code prefix} every key starting with {@code text}. */
  record Shape(String text, boolean prefix) {
    boolean covers(Shape other) {
      return prefix ? other.text.startsWith(text) : !other.prefix && other.text.equals(text);
    }

    @Override
    public String toString() {
      return prefix && text.isEmpty() ? "any key" : "\"" + CallCapabilities.escaped(text) + (prefix ? "*\"" : "\"");
    }
  }

  /** What one route used and was denied; every method is quick and thread-safe. */
  public final class Route implements OutboundHttp.HopRecorder {
    private final String spec;
    private final AtomicLong calls = new AtomicLong();
    /** Store name to its key shapes (granted or declared stores only). */
    private final Map<String, List<Shape>> stores = new LinkedHashMap<>();
    /** Origin reached (grant text) to the grant entry that admitted it. */
    private final Map<String, String> origins = new LinkedHashMap<>();
    private long originsNotKept;
    private final Set<String> variables = new LinkedHashSet<>();
    private final Set<String> secretsRead = new LinkedHashSet<>();
    /** Injected secret to the origins it was sent to. */
    private final Map<String, Set<String>> secretsSent = new LinkedHashMap<>();
    private final Set<String> mounts = new LinkedHashSet<>();
    /** Components called (granted ones only: an ungranted call is a denial). */
    private final Set<String> components = new LinkedHashSet<>();
    /** Application capability to the operations called. */
    private final Map<String, Set<String>> capabilities = new LinkedHashMap<>();
    /** A denied use, as the grant that would allow it, to [times asked, times let through]. */
    private final Map<String, long[]> denials = new LinkedHashMap<>();
    private final Map<String, String> denialNotes = new LinkedHashMap<>();
    private long denialsNotKept;
    /** Capabilities resolved for a permissive audit, by name. */
    private final Map<String, Extensions.Granted> permitted = new LinkedHashMap<>();

    private Route(String spec) {
      this.spec = spec;
    }

    // ---- uses ----

    public synchronized void key(String store, String key) {
      add(store, shape(key));
    }

    /** A listing of the keys under {@code prefix}: every key starting with it (up to its first separator). */
    public synchronized void prefix(String store, String prefix) {
      Shape shape = shape(prefix);
      add(store, new Shape(shape.text(), true));
    }

    private void add(String store, Shape shape) {
      List<Shape> shapes = stores.computeIfAbsent(store, s -> new ArrayList<>(4));
      for (Shape s : shapes) {
        if (s.covers(shape)) {
          return;
        }
      }
      shapes.removeIf(shape::covers); // a wider shape (a listing's prefix) takes the place of what it covers
      if (shapes.size() < AuditReport.MAX_KEY_SHAPES) {
        shapes.add(shape);
        return;
      }
      // Full: merge the two shapes (the new one included) sharing the longest prefix, so memory stays
      // bounded and the summary true; shapes without anything in common merge into "any key".
      shapes.add(shape);
      int first = 0;
      int second = 1;
      int longest = -1;
      for (int i = 0; i < shapes.size(); i++) {
        for (int j = i + 1; j < shapes.size(); j++) {
          int common = common(shapes.get(i).text, shapes.get(j).text);
          if (common > longest) {
            first = i;
            second = j;
            longest = common;
          }
        }
      }
      Shape merged = new Shape(shapes.get(first).text.substring(0, longest), true);
      shapes.set(first, merged);
      shapes.removeIf(s -> s != merged && merged.covers(s));
    }

    private static int common(String a, String b) {
      int n = Math.min(a.length(), b.length());
      int i = 0;
      while (i < n && a.charAt(i) == b.charAt(i)) {
        i++;
      }
      return i;
    }

    public synchronized void variable(String name) {
      variables.add(name);
    }

    public synchronized void secretRead(String name) {
      secretsRead.add(name);
    }

    public synchronized void file(String mount) {
      mounts.add(mount);
    }

    public synchronized void called(String component) {
      components.add(component);
    }

    public synchronized void invoked(String capability, String operation) {
      capabilities.computeIfAbsent(capability, c -> new LinkedHashSet<>()).add(operation);
    }

    @Override
    public synchronized void sending(Origin origin, OriginAllowList.Entry grant, List<SecretHeader> secrets) {
      String reached = origin.grantText();
      if (!origins.containsKey(reached)) {
        if (origins.size() < MAX_ORIGINS) {
          origins.put(reached, grant.toString());
        } else {
          originsNotKept++;
        }
      }
      for (SecretHeader secret : secrets) {
        Set<String> to = secretsSent.computeIfAbsent(secret.secret(), s -> new LinkedHashSet<>());
        if (to.size() < MAX_ORIGINS) {
          to.add(reached);
        }
      }
    }

    /** A denial, as the grant line that would have allowed it, and what was asked. */
    public synchronized void denied(String grant, String asked, boolean letThrough) {
      String key = cut(grant);
      long[] counts = denials.get(key);
      if (counts == null) {
        if (denials.size() >= AuditReport.RouteAudit.MAX_DENIALS) {
          denialsNotKept++;
          return;
        }
        counts = new long[2];
        denials.put(key, counts);
        denialNotes.put(key, cut(asked));
      }
      counts[0]++;
      if (letThrough) {
        counts[1]++;
      }
    }

    private static String cut(String text) {
      return text.length() > MAX_TEXT ? text.substring(0, MAX_TEXT) + "…" : text;
    }

    // ---- permissive ----

    /** A declared store the route was not granted, in permissive mode; else null (the caller denies). */
    public @Nullable KeyValueStore ungrantedStore(String store) {
      KeyValueStore kv = mode == Audit.PERMISSIVE ? declared.declaredStores().get(store) : null;
      if (kv != null) {
        letThrough("key_value = [\"" + store + "\"]", "the handler used key-value store \"" + store + "\"");
      }
      return kv;
    }

    /** A declared variable's value the route was not granted, in permissive mode; else null. */
    public @Nullable String ungrantedVariable(String name) {
      String value = mode == Audit.PERMISSIVE ? declared.declaredVariables().get(name) : null;
      if (value != null) {
        letThrough("variables = [\"" + name + "\"]", "the handler read variable \"" + name + "\"");
        variable(name);
      }
      return value;
    }

    /** A registered capability granted by name that the route was not granted, in permissive mode; else null. */
    public synchronized Extensions.@Nullable Granted ungrantedCapability(String capability, String operation) {
      if (mode != Audit.PERMISSIVE) {
        return null;
      }
      var c = declared.extensions().get(capability);
      if (c.isEmpty() || c.get().grantType() != NamedGrant.class) {
        return null; // a grant of its own type carries settings an audit cannot guess
      }
      Extensions.Granted granted = permitted.get(capability);
      if (granted == null) {
        granted = declared.extensions().resolve(spec, List.of(new NamedGrant(capability))).get(capability);
        permitted.put(capability, Objects.requireNonNull(granted));
      }
      letThrough(new NamedGrant(capability).toToml(), "the handler called " + capability + "." + operation);
      return granted;
    }

    /** The client for a permissive audit of a route without outbound HTTP; else null. */
    public @Nullable OutboundHttp client() {
      return client;
    }

    @Override
    public OriginAllowList.@Nullable Entry ungranted(Origin origin) {
      String grant = "outbound_http = [\"" + CallCapabilities.escaped(origin.grantText()) + "\"]";
      String asked = "the handler sent a request to " + origin.grantText();
      String host = origin.host();
      boolean publicName = origin.isHttp() && !origin.hostIsIpLiteral() && !host.equals("localhost")
          && !host.endsWith(".localhost");
      if (mode != Audit.PERMISSIVE || !publicName) {
        denied(grant, asked, false);
        return null;
      }
      letThrough(grant, asked);
      // An exact entry for a DNS name: AddressPolicy still refuses loopback, private and link-local addresses.
      return new OriginAllowList.Entry(origin.scheme(), host, origin.port(), false);
    }

    private void letThrough(String grant, String asked) {
      log.warn("route \"{}\": {}, which is not granted; let through only because the audit is PERMISSIVE (grant it"
          + " with {})", spec, CallCapabilities.escaped(asked), grant);
      denied(grant, asked, true);
    }

    // ---- report ----

    synchronized AuditReport.RouteAudit report(List<Grant> grants) {
      List<Line> needed = new ArrayList<>();
      List<Line> unused = new ArrayList<>();
      Set<String> unusedSeen = new LinkedHashSet<>();
      // Stores: granted ones first (grant order), then those let through.
      Set<String> grantedStores = new LinkedHashSet<>();
      Set<String> grantedVariables = new LinkedHashSet<>();
      Set<String> grantedReadable = new LinkedHashSet<>();
      Set<String> grantedCapabilities = new LinkedHashSet<>();
      Set<String> grantedComponents = new LinkedHashSet<>();
      List<OriginAllowList.Entry> grantedOrigins = new ArrayList<>();
      Map<String, String> originTexts = new LinkedHashMap<>();
      for (Grant grant : grants) {
        switch (grant) {
          case BuiltInGrants.KeyValue kv -> grantedStores.add(kv.store());
          case BuiltInGrants.Variables v -> grantedVariables.addAll(v.names());
          case BuiltInGrants.ReadableSecrets r -> grantedReadable.addAll(r.names());
          case BuiltInGrants.Calls c -> grantedComponents.addAll(c.components());
          case BuiltInGrants.OutboundHttp http -> http.origins().forEach(o -> {
            OriginAllowList.Entry entry = OriginAllowList.of(o).entries().get(0);
            grantedOrigins.add(entry);
            originTexts.putIfAbsent(entry.toString(), o);
          });
          default -> {
            if (!(grant instanceof BuiltInGrants.InjectedSecret) && !(grant instanceof BuiltInGrants.Files)) {
              grantedCapabilities.add(grant.capability());
            }
          }
        }
      }
      // key_value
      List<String> usedStores = new ArrayList<>();
      List<String> storeNotes = new ArrayList<>();
      for (String store : union(grantedStores, stores.keySet())) {
        List<Shape> shapes = stores.get(store);
        if (shapes == null) {
          unused.add(new Line(new BuiltInGrants.KeyValue(store).toToml(), "", 0));
          continue;
        }
        usedStores.add(store);
        storeNotes.add(store + ": keys " + String.join(", ", shapes.stream().map(Shape::toString).toList())
            + (grantedStores.contains(store) ? "" : " (not granted: let through by the permissive audit)"));
      }
      if (!usedStores.isEmpty()) {
        needed.add(new Line("key_value = " + list(usedStores), String.join("; ", storeNotes), 0));
      }
      // outbound_http: the origins reached, narrower than a wildcard that admitted them
      if (!origins.isEmpty()) {
        List<String> notes = new ArrayList<>();
        origins.forEach((reached, entry) -> {
          boolean granted = grantedOrigins.stream().anyMatch(e -> e.toString().equals(entry));
          if (!granted) {
            notes.add(reached + " not granted: let through by the permissive audit");
          } else if (!OriginAllowList.of(reached).entries().get(0).toString().equals(entry)) {
            notes.add(reached + " through " + originTexts.getOrDefault(entry, entry));
          }
        });
        if (originsNotKept > 0) {
          notes.add(originsNotKept + " more origins not kept");
        }
        needed.add(new Line("outbound_http = " + list(origins.keySet()), String.join("; ", notes), 0));
      }
      for (OriginAllowList.Entry entry : grantedOrigins) {
        if (!origins.containsValue(entry.toString()) && unusedSeen.add("http " + entry)) {
          unused.add(new Line("outbound_http = " + list(List.of(originTexts.get(entry.toString()))), "", 0));
        }
      }
      // variables and readable secrets
      if (!variables.isEmpty()) {
        List<String> notGranted = variables.stream().filter(v -> !grantedVariables.contains(v)).toList();
        needed.add(new Line("variables = " + list(variables), notGranted.isEmpty() ? ""
            : String.join(", ", notGranted) + " not granted: let through by the permissive audit", 0));
      }
      List<String> unusedVariables = grantedVariables.stream().filter(v -> !variables.contains(v)).toList();
      if (!unusedVariables.isEmpty()) {
        unused.add(new Line("variables = " + list(unusedVariables), "", 0));
      }
      if (!secretsRead.isEmpty()) {
        needed.add(new Line("readable_secrets = " + list(secretsRead), "", 0));
      }
      List<String> unusedReadable = grantedReadable.stream().filter(v -> !secretsRead.contains(v)).toList();
      if (!unusedReadable.isEmpty()) {
        unused.add(new Line("readable_secrets = " + list(unusedReadable), "", 0));
      }
      // components called
      if (!components.isEmpty()) {
        needed.add(new Line(new BuiltInGrants.Calls(List.copyOf(components)).toToml(), "", 0));
      }
      List<String> uncalled = grantedComponents.stream().filter(c -> !components.contains(c)).toList();
      if (!uncalled.isEmpty()) {
        unused.add(new Line(new BuiltInGrants.Calls(uncalled).toToml(), "", 0));
      }
      // injected secrets, files and application capabilities, each grant as written
      Set<String> lines = new LinkedHashSet<>();
      for (Grant grant : grants) {
        switch (grant) {
          case BuiltInGrants.InjectedSecret secret -> {
            Set<String> to = secretsSent.get(secret.name());
            if (to != null && lines.add(grant.toToml())) {
              needed.add(new Line(grant.toToml(), "sent to " + String.join(", ", to), 0));
            } else if (to == null && unusedSeen.add(grant.toToml())) {
              unused.add(new Line(grant.toToml(), "never sent", 0));
            }
          }
          case BuiltInGrants.Files files -> {
            if (mounts.contains(files.mount()) && lines.add(grant.toToml())) {
              needed.add(new Line(grant.toToml(), "", 0));
            } else if (!mounts.contains(files.mount()) && unusedSeen.add(grant.toToml())) {
              unused.add(new Line(grant.toToml(), "not read through env.files or isola:host/files (reads through WASI"
                  + " preopens are not observed)", 0));
            }
          }
          default -> { }
        }
      }
      for (String capability : union(grantedCapabilities, capabilities.keySet())) {
        Set<String> ops = capabilities.get(capability);
        String toml = grants.stream().filter(g -> g.capability().equals(capability)).findFirst().map(Grant::toToml)
            .orElse(new NamedGrant(capability).toToml());
        if (ops == null) {
          unused.add(new Line(toml, "", 0));
        } else {
          needed.add(new Line(toml, capability + ": " + String.join(", ", ops)
              + (grantedCapabilities.contains(capability) ? "" : " (not granted: let through by the permissive audit)"), 0));
        }
      }
      List<Line> denied = new ArrayList<>();
      denials.forEach((grant, counts) -> denied.add(new Line(grant, (counts[1] > 0
          ? "asked " + counts[0] + (counts[0] == 1 ? " time" : " times") + ", let through " + counts[1]
              + " only because the audit is permissive"
          : "denied " + counts[0] + (counts[0] == 1 ? " time" : " times")) + ": " + denialNotes.get(grant), counts[0])));
      return new AuditReport.RouteAudit(spec, calls.get(), needed, unused, denied, denialsNotKept);
    }
  }

  private static Set<String> union(Set<String> first, Set<String> second) {
    Set<String> all = new LinkedHashSet<>(first);
    all.addAll(second);
    return all;
  }

  private static String list(java.util.Collection<String> names) {
    return "[" + String.join(", ", names.stream().map(n -> "\"" + CallCapabilities.escaped(n) + "\"").toList()) + "]";
  }
}
