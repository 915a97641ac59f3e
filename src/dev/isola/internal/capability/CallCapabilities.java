package dev.isola.internal.capability;

import dev.isola.internal.capability.http.HttpCall;
import dev.isola.internal.capability.http.HttpResult;
import dev.isola.internal.capability.http.OriginAllowList;
import dev.isola.internal.capability.files.FileGate;
import dev.isola.internal.capability.http.HttpGate;
import dev.isola.internal.capability.http.OutboundHttpException;
import dev.isola.internal.capability.kv.KeyValueGate;
import dev.isola.internal.capability.secrets.SecretGate;
import dev.isola.internal.capability.vars.VariableGate;
import dev.isola.CapabilityDeniedException;
import dev.isola.kv.StoreQuotaExceededException;
import java.util.List;
import java.util.Optional;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only way a guest reaches the host during one call: every key-value, variable, secret and
 * outbound HTTP request of the JavaScript and Wasm bindings goes through here and is checked against
 * the route's grants, narrowed for the call. Used by the call's thread only.
 *
 * <p>Failures come in two kinds. A denial (the route was not granted what the guest asked for)
 * throws {@link CapabilityDeniedException}, is logged as a warning and counted, and is remembered:
 * bindings hand the guest a catchable error, and if the call then fails, the call's failure is that
 * denial (HTTP 403), not a generic guest error. A misuse or a failure the guest may handle (a key too
 * long, a value too large, a connection refused) throws {@link GuestError} or {@link
 * OutboundHttpException}, which bindings hand to the guest the same way.
 */
public final class CallCapabilities {
  private static final Logger log = LoggerFactory.getLogger(CallCapabilities.class);

  private final RouteCapabilities route;
  private final String keyPrefix;
  private final @Nullable OriginAllowList httpNarrowing;
  private final long deadlineNanos;
  private final long maxResponseBytes;
  private final String requestId;
  private final dev.isola.CallOptions options;
  private final CapabilityObserver observer;
  /** The most warnings one call logs in full. */
  static final int MAX_WARNINGS = 10;
  private int warnings;
  private @Nullable CapabilityDeniedException firstDenial;
  private @Nullable StoreQuotaExceededException firstStoreFull;
  /** Application capabilities' grants narrowed for this call, made on first use. */
  private java.util.@Nullable Map<String, Object> narrowed;
  /** The route's audit record, or null when the Isola is not audited. */
  private final AuditRecorder.@Nullable Route audit;
  /** How deep in a chain of component calls this call is: 0 for a route's call. */
  private int depth;
  /** The writes waiting for the caller's transaction, or null: then writes apply at once. */
  private dev.isola.kv.@Nullable PendingWrites pendingWrites;
  /** For a local component call: what its caller cancels it with, or null. */
  private dev.isola.internal.capability.component.@Nullable CalleeLink link;
  /** The request's {@code traceparent}, read on the first component call. */
  private @Nullable String traceHeader;
  private dev.isola.internal.capability.component.@Nullable Traceparent trace;

  CallCapabilities(RouteCapabilities route, String keyPrefix, @Nullable OriginAllowList httpNarrowing,
      long deadlineNanos, long maxResponseBytes, String requestId, dev.isola.CallOptions options,
      CapabilityObserver observer, AuditRecorder.@Nullable Route audit) {
    this.route = route;
    this.keyPrefix = keyPrefix;
    this.httpNarrowing = httpNarrowing;
    this.deadlineNanos = deadlineNanos;
    this.maxResponseBytes = maxResponseBytes;
    this.requestId = requestId;
    this.options = options;
    this.observer = observer;
    this.audit = audit;
    for (String name : options.narrowedCapabilities()) { // a typo must not leave a call unnarrowed
      if (route.registry().get(name).isEmpty()) {
        throw new IllegalArgumentException("CallOptions.narrow(\"" + name + "\", ...) names a capability this Isola"
            + " does not register" + (route.registry().names().isEmpty() ? "" : " (it registers "
            + String.join(", ", new java.util.TreeSet<>(route.registry().names())) + ")")
            + ": name one registered with Isola.Builder.capability");
      }
    }
  }

  /**
   * Where this call stands in a chain of component calls: {@code depth} (0 for a route's call) and
   * its request's {@code traceparent} header, if any (a new trace starts on the first component
   * call otherwise).
   */
  public void chain(int depth, @Nullable String traceparent) {
    this.depth = depth;
    this.traceHeader = traceparent;
  }

  /** Key-value writes of this call wait in {@code writes} for a transaction (null: they apply at once). */
  public void pendingWrites(dev.isola.kv.@Nullable PendingWrites writes) {
    this.pendingWrites = writes;
  }

  /** The writes waiting for the caller's transaction, or null. */
  public dev.isola.kv.@Nullable PendingWrites pendingWrites() {
    return pendingWrites;
  }

  /** For a local component call: what its caller cancels it with (null otherwise). */
  public void link(dev.isola.internal.capability.component.@Nullable CalleeLink link) {
    this.link = link;
  }

  /**
   * The engine's guard watches this call: {@code stop} ends it early, which a local component call's
   * caller does when it stops waiting (see {@link dev.isola.internal.capability.component.CalleeLink}).
   */
  public void guarded(Runnable stop) {
    dev.isola.internal.capability.component.CalleeLink l = link;
    if (l != null) {
      l.attach(stop);
    }
  }

  /** What a component call of this call carries: see {@link dev.isola.internal.capability.component.Components}. */
  public dev.isola.internal.capability.component.Components.Hop componentHop() {
    dev.isola.internal.capability.component.Traceparent t = trace;
    if (t == null) {
      t = dev.isola.internal.capability.component.Traceparent.parse(traceHeader);
      trace = t = t == null ? dev.isola.internal.capability.component.Traceparent.root() : t;
    }
    return new dev.isola.internal.capability.component.Components.Hop(route.route(), depth, requestId, t,
        deadlineNanos, maxResponseBytes, pendingWrites, options);
  }

  /** The first denial of this call, if any: what a failed call reports. */
  public Optional<CapabilityDeniedException> firstDenial() {
    return Optional.ofNullable(firstDenial);
  }

  /** The first put of this call refused by a store's quota, if any: what a failed call reports (507). */
  public Optional<StoreQuotaExceededException> firstStoreFull() {
    return Optional.ofNullable(firstStoreFull);
  }

  /** The route's grants, e.g. to describe the bindings a guest gets. */
  public RouteCapabilities route() {
    return route;
  }

  /**
   * Logs one of this call's warnings (a denial, a refused put, a failed capability): the first {@value
   * #MAX_WARNINGS} in full, then one line saying the rest are only counted, so a guest that loops
   * over what it may not do cannot flood the log (every denial is still counted and metered).
   */
  private void warn(String message, @Nullable Throwable cause) {
    warnings++;
    if (warnings <= MAX_WARNINGS) {
      if (cause == null) {
        log.warn("{}", message);
      } else {
        log.warn("{}", message, cause);
      }
    } else if (warnings == MAX_WARNINGS + 1) {
      log.warn("route \"{}\": call {} has had more than {} denials or capability failures; the rest are counted"
          + " (Isola.capabilityDenials(), metrics), not logged", route.route(), requestId, MAX_WARNINGS);
    }
  }

  /** The call's key prefix (for the key-value room). */
  public String keyPrefix() {
    return keyPrefix;
  }

  /** The route's audit record, or null when the Isola is not audited. */
  public AuditRecorder.@Nullable Route audit() {
    return audit;
  }

  /** The origins the embedder narrowed the call to, or null. */
  public @Nullable OriginAllowList httpNarrowing() {
    return httpNarrowing;
  }

  public long deadlineNanos() {
    return deadlineNanos;
  }

  public long maxResponseBytes() {
    return maxResponseBytes;
  }

  /** Keeps a put refused by a store's quota (if it is the first) and logs it. */
  public void storeFull(StoreQuotaExceededException named) {
    warn(named.getMessage(), null);
    if (firstStoreFull == null) {
      firstStoreFull = named;
    }
  }

  /**
   * A denial of {@code asked}: recorded for an audit, logged, counted and remembered; its message
   * names the grant that would allow it, in {@code isola.toml} and in Java.
   */
  public CapabilityDeniedException deny(String capability, String asked, String grant, String javaGrant) {
    if (audit != null) {
      audit.denied(grant, asked, false);
    }
    return remember(new CapabilityDeniedException("route \"" + route.route() + "\": " + asked
        + ", but " + capability + " is not granted to it; grant it with " + grant + " in isola.toml or "
        + javaGrant + " in Java"));
  }

  /** Logs, counts and keeps (if it is the first) a denial of this call. */
  public CapabilityDeniedException remember(CapabilityDeniedException e) {
    route.denials().incrementAndGet();
    warn(e.getMessage(), null);
    if (firstDenial == null) {
      firstDenial = e;
    }
    return e;
  }

  /**
   * The denial of an {@code env} binding the route was not granted, for JavaScript's {@code env.KV},
   * {@code env.kv}, {@code env.vars}, {@code env.secrets} and {@code env.files}; logged, counted and
   * remembered like every denial.
   */
  public CapabilityDeniedException deniedBinding(String binding) {
    String asked = "the handler read env." + binding;
    return switch (binding) {
      case "KV", "kv" -> deny("a key-value store", asked, "key_value = [\"STORE\"]", "Grants.keyValue(\"STORE\")");
      case "vars" -> deny("a variable", asked, "variables = [\"NAME\"]", "Grants.variables(\"NAME\")");
      case "secrets" -> deny("a readable secret", asked, "readable_secrets = [\"NAME\"]",
          "Grants.readableSecrets(\"NAME\")");
      case "files" -> deny("a directory of files", asked, "files = [\"DIRECTORY:/mount\"]",
          "Grants.files(Path.of(\"DIRECTORY\"), \"/mount\")");
      default -> {
        if (route.components().knows(binding) && route.registry().get(binding).isEmpty()) {
          yield deny("calls to component " + binding, asked, "calls = [\"" + binding + "\"]",
              "Grants.calls(\"" + binding + "\")");
        }
        if (route.registry().get(binding).isEmpty()) {
          throw new IllegalArgumentException("no capability provides env." + binding);
        }
        String[] hint = route.registry().grantHint(binding);
        yield deny("the capability \"" + binding + "\"", asked, hint[0], hint[1]);
      }
    };
  }

  // ---- the rooms: each capability's checks live in its own package ----

  public Optional<byte[]> kvGet(String store, String key) {
    return KeyValueGate.get(this, store, key);
  }

  public void kvPut(String store, String key, byte[] value) {
    KeyValueGate.put(this, store, key, value, null);
  }

  /** Puts {@code value}, expiring after {@code ttl} if it is not null (see {@link KeyValueGate#put}). */
  public void kvPut(String store, String key, byte[] value, java.time.@Nullable Duration ttl) {
    KeyValueGate.put(this, store, key, value, ttl);
  }

  /** Adds {@code delta} to the integer under {@code key} (see {@link KeyValueGate#increment}). */
  public long kvIncrement(String store, String key, long delta) {
    return KeyValueGate.increment(this, store, key, delta);
  }

  /** Stores {@code newValue} only if the value is {@code expected} (see {@link KeyValueGate#compareAndSet}). */
  public boolean kvCompareAndSet(String store, String key, byte @Nullable [] expected, byte @Nullable [] newValue) {
    return KeyValueGate.compareAndSet(this, store, key, expected, newValue);
  }

  public boolean kvDelete(String store, String key) {
    return KeyValueGate.delete(this, store, key);
  }

  public boolean kvExists(String store, String key) {
    return KeyValueGate.exists(this, store, key);
  }

  /** Keys under {@code prefix}, without the call's own prefix, sorted, at most {@code limit} (1..1000). */
  public List<String> kvList(String store, String prefix, int limit) {
    return KeyValueGate.list(this, store, prefix, limit);
  }

  public String variable(String name) {
    return VariableGate.read(this, name);
  }

  /** The plain value of a secret the route may read. */
  public String readSecret(String name) {
    return SecretGate.read(this, name);
  }

  /** A file under one of the route's read-only mounts (see {@link FileGate#read}). */
  public Optional<byte[]> readFile(String guestPath) {
    return FileGate.read(this, guestPath);
  }

  /** Sends {@code call} if the route (and the call's narrowing) allows its origin, or calls the component its URL names ({@code http://NAME.internal/...}). */
  public HttpResult fetch(HttpCall call) {
    String component = dev.isola.internal.capability.component.ComponentGate.componentOf(this, call);
    return component == null ? HttpGate.fetch(this, call) : callComponent(component, call);
  }

  /**
   * Calls component {@code name} with {@code call} if the route was granted it (see {@link
   * dev.isola.internal.capability.component.ComponentGate#call}).
   */
  public HttpResult callComponent(String name, HttpCall call) {
    return dev.isola.internal.capability.component.ComponentGate.call(this, name, call);
  }

  // ---- application capabilities ----

  /**
   * Runs operation {@code operation} of application capability {@code capability} with the guest's
   * {@code arguments} (JSON-decoded; bytes as {@code byte[]} or base64 text), after checking the
   * grant and the arguments. Answers the result, checked against the operation's type.
   *
   * @throws CapabilityDeniedException if the route is not granted the capability, or the capability
   *     denies this use
   * @throws GuestError if there is no such operation, the arguments do not fit, the call's time is
   *     up, or the capability failed (with its {@link dev.isola.capability.CapabilityException}'s
   *     message, else only that it failed: the cause is logged)
   */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public @Nullable Object invoke(String capability, String operation, List<?> arguments) {
    Extensions.Granted granted = route.extensions().get(capability);
    String shown = escaped(capability);
    if (granted == null && route.registry().operation(capability, operation).isEmpty()) {
      throw new GuestError("there is no capability operation \"" + shown + "." + escaped(operation) + "\"");
    }
    if (granted == null && audit != null) {
      granted = audit.ungrantedCapability(capability, operation);
    }
    if (granted == null) {
      String[] hint = route.registry().grantHint(capability);
      observer.invoked(route.route(), capability, operation, "denied", 0); // registered names only: bounded tags
      throw deny("the capability \"" + shown + "\"", "the handler called " + shown + "." + escaped(operation), hint[0],
          hint[1]);
    }
    dev.isola.capability.Capability c = granted.capability();
    List<dev.isola.capability.Operation> ops = c.operations();
    dev.isola.capability.Operation op = route.registry().operation(capability, operation).orElseThrow(() ->
        new GuestError("capability " + shown + " has no operation \"" + escaped(operation) + "\" (it has "
            + String.join(", ", ops.stream().map(o -> o.name()).toList()) + ")"));
    List<@Nullable Object> args;
    try {
      args = Extensions.arguments(capability, op, arguments);
    } catch (GuestError e) {
      observer.invoked(route.route(), capability, operation, "invalid", 0);
      throw e;
    }
    if (System.nanoTime() - deadlineNanos >= 0) {
      throw new GuestError(capability + "." + operation + " was not called: the call's time is up");
    }
    if (narrowed == null) {
      narrowed = new java.util.HashMap<>();
    }
    Object state = narrowed.get(capability);
    if (state == null) {
      try {
        state = c.narrow(granted.state(), options.narrowing(capability).orElse(null));
      } catch (CapabilityDeniedException e) { // a capability may deny a whole call here: a denial like any
        observer.invoked(route.route(), capability, operation, "denied", 0);
        throw remember(oneLine(e));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("CallOptions.narrow(\"" + capability + "\", ...): " + e.getMessage(), e);
      }
      narrowed.put(capability, java.util.Objects.requireNonNull(state, () -> capability + ".narrow answered null"));
    }
    if (audit != null) {
      audit.invoked(capability, operation);
    }
    long start = System.nanoTime();
    String outcome = "failed";
    try {
      Object result = c.invoke(new dev.isola.capability.Invocation(route.route(), requestId, op, args, state,
          deadlineNanos));
      result = Extensions.result(capability, op, result);
      outcome = "ok";
      return result;
    } catch (CapabilityDeniedException e) {
      outcome = "denied";
      if (audit != null) {
        audit.denied(route.registry().grantHint(capability)[0], "the capability denied " + shown + "."
            + escaped(operation), false);
      }
      throw remember(oneLine(e));
    } catch (GuestError.Invalid e) { // from HostInterface: an argument its Java parameter cannot take
      outcome = "invalid";
      throw e;
    } catch (dev.isola.capability.CapabilityException e) {
      throw new GuestError(e.getMessage() == null ? capability + "." + operation + " failed" : e.getMessage());
    } catch (Throwable e) { // Errors too (a library's own, OutOfMemoryError): their messages are the host's
      warn("route \"" + route.route() + "\": " + capability + "." + operation + " failed", e);
      throw new GuestError(capability + "." + operation + " failed (the host logged why)");
    } finally {
      observer.invoked(route.route(), capability, operation, outcome, System.nanoTime() - start);
    }
  }

  /**
   * A capability's own denial with control characters in its message (logged, and it may quote what
   * the guest passed) as {@code \\uXXXX}, so that a guest cannot write log lines through it.
   */
  private static CapabilityDeniedException oneLine(CapabilityDeniedException e) {
    String message = String.valueOf(e.getMessage());
    String escaped = escaped(message, false);
    return escaped.length() == message.length() ? e : new CapabilityDeniedException(escaped);
  }

  /** A guest-chosen text for a message: quoted, escaped, cut at 60 characters. */
  public static String cut(String key) {
    return "\"" + escaped(key.length() > 60 ? key.substring(0, 60) + "…" : key) + "\"";
  }

  /**
   * {@code text} (a name, key or path the guest chose) with control characters as {@code \\uXXXX}
   * and {@code "} and {@code \\} escaped: these messages are logged, so a line break in them would
   * let a guest write log lines of its own.
   */
  public static String escaped(String text) {
    return escaped(text, true);
  }

  /** {@code text} with control characters as {@code \\uXXXX}, and {@code "} and {@code \\} too if {@code quotes}. */
  private static String escaped(String text, boolean quotes) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quotes && (c == '"' || c == '\\')) {
        out.append('\\').append(c);
      } else if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
