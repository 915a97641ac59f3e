package dev.isola.internal.capability;

import dev.isola.internal.capability.http.OriginAllowList;
import dev.isola.internal.capability.http.OutboundHttp;
import dev.isola.internal.capability.http.SecretHeader;
import dev.isola.kv.KeyValueStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * What one route may reach, resolved when the {@code Isola} is built: the stores it was granted (by
 * name), the origins it may call, and the values of its variables and secrets. Shared by all calls
 * of the route; each call gets a {@link CallCapabilities} from {@link #forCall}.
 *
 * @param route the route as declared, for messages
 * @param stores granted stores by name, in grant order
 * @param http the origins the route may call, or null when outbound HTTP is not granted
 * @param client the Isola's HTTP client (used only when {@code http} is not null)
 * @param variables granted variables and their values
 * @param secrets the values of the secrets the guest may read in plain text
 * @param readableSecrets the names of those secrets
 * @param secretHeaders the headers the host adds to outbound requests for granted secrets, each
 *     for its origins only
 * @param mounts read-only directories by guest mount path (e.g. {@code /static}), each the real path
 *     of its directory
 * @param extensions the application capabilities granted to the route, by name, as they resolved
 * @param registry every application capability of the Isola (for denials of those not granted)
 * @param calls the components the route may call
 * @param components the Isola's components: where a call to one goes
 * @param denials counts every denial of this route, for metrics and tests
 */
public record RouteCapabilities(String route, Map<String, KeyValueStore> stores, @Nullable OriginAllowList http,
    @Nullable OutboundHttp client, Map<String, String> variables, Map<String, String> secrets,
    Set<String> readableSecrets, List<SecretHeader> secretHeaders, Map<String, Path> mounts,
    Map<String, Extensions.Granted> extensions, Extensions registry, Set<String> calls,
    dev.isola.internal.capability.component.Components components, AtomicLong denials) {

  /** The largest value a guest may store in one key-value entry. */
  public static final int MAX_VALUE_BYTES = 1 << 20;
  /** The largest file a guest may read through a files grant. */
  public static final int MAX_FILE_BYTES = 8 << 20;
  /** The most keys one {@code list} answers with. */
  public static final int MAX_LIST = 1000;

  public RouteCapabilities {
    Objects.requireNonNull(route, "route");
    stores = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(stores)); // grant order
    variables = Map.copyOf(variables);
    secrets = Map.copyOf(secrets);
    readableSecrets = Set.copyOf(readableSecrets);
    secretHeaders = List.copyOf(secretHeaders);
    mounts = Map.copyOf(mounts);
    extensions = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(extensions));
    calls = Set.copyOf(calls);
    Objects.requireNonNull(components, "components");
  }

  /** A route granted nothing. */
  public static RouteCapabilities none(String route) {
    return none(route, Extensions.NONE);
  }

  /** A route granted nothing, in an Isola with {@code registry}'s application capabilities. */
  public static RouteCapabilities none(String route, Extensions registry) {
    return none(route, registry, dev.isola.internal.capability.component.Components.none());
  }

  /** A route granted nothing, in an Isola with {@code registry}'s capabilities and {@code components}. */
  public static RouteCapabilities none(String route, Extensions registry,
      dev.isola.internal.capability.component.Components components) {
    return new RouteCapabilities(route, Map.of(), null, null, Map.of(), Map.of(), Set.of(), List.of(), Map.of(),
        Map.of(), registry, Set.of(), components, new AtomicLong());
  }

  /** The store names in grant order: the first is JavaScript's {@code env.KV}. */
  public List<String> storeNames() {
    return List.copyOf(stores.keySet());
  }

  /**
   * This route's capabilities for one call, narrowed by the embedder: keys under {@code keyPrefix}
   * (the guest never sees it), and outbound HTTP only to origins both the route and {@code
   * httpNarrowing} allow.
   *
   * @param httpNarrowing null for no narrowing
   */
  public CallCapabilities forCall(String keyPrefix, @Nullable OriginAllowList httpNarrowing, long deadlineNanos,
      long maxResponseBytes) {
    return forCall(keyPrefix, httpNarrowing, deadlineNanos, maxResponseBytes, "", dev.isola.CallOptions.none(),
        CapabilityObserver.NONE);
  }

  /**
   * Like {@link #forCall(String, OriginAllowList, long, long)}, for call {@code requestId} whose
   * options narrow application capabilities too, reporting each use to {@code observer}.
   */
  public CallCapabilities forCall(String keyPrefix, @Nullable OriginAllowList httpNarrowing, long deadlineNanos,
      long maxResponseBytes, String requestId, dev.isola.CallOptions options, CapabilityObserver observer) {
    return forCall(keyPrefix, httpNarrowing, deadlineNanos, maxResponseBytes, requestId, options, observer, null);
  }

  /**
   * Like {@link #forCall(String, OriginAllowList, long, long, String, dev.isola.CallOptions,
   * CapabilityObserver)}, recording the call's uses in {@code audit} when it is not null.
   */
  public CallCapabilities forCall(String keyPrefix, @Nullable OriginAllowList httpNarrowing, long deadlineNanos,
      long maxResponseBytes, String requestId, dev.isola.CallOptions options, CapabilityObserver observer,
      @Nullable AuditRecorder audit) {
    return new CallCapabilities(this, keyPrefix, httpNarrowing, deadlineNanos, maxResponseBytes, requestId, options,
        observer, audit == null ? null : audit.call(route));
  }
}
