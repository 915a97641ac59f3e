package dev.isola.internal.capability;

import dev.isola.CapabilityDeniedException;
import dev.isola.internal.files.RegularFiles;
import dev.isola.kv.KeyValueStore;
import dev.isola.kv.StoreQuotaExceededException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
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
  private @Nullable CapabilityDeniedException firstDenial;
  private @Nullable StoreQuotaExceededException firstStoreFull;
  /** Application capabilities' grants narrowed for this call, made on first use. */
  private java.util.@Nullable Map<String, Object> narrowed;

  CallCapabilities(RouteCapabilities route, String keyPrefix, @Nullable OriginAllowList httpNarrowing,
      long deadlineNanos, long maxResponseBytes, String requestId, dev.isola.CallOptions options,
      CapabilityObserver observer) {
    this.route = route;
    this.keyPrefix = keyPrefix;
    this.httpNarrowing = httpNarrowing;
    this.deadlineNanos = deadlineNanos;
    this.maxResponseBytes = maxResponseBytes;
    this.requestId = requestId;
    this.options = options;
    this.observer = observer;
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

  private CapabilityDeniedException deny(String capability, String asked, String grant, String javaGrant) {
    return remember(new CapabilityDeniedException("route \"" + route.route() + "\": " + asked
        + ", but " + capability + " is not granted to it; grant it with " + grant + " in isola.toml or "
        + javaGrant + " in Java"));
  }

  /** Logs, counts and keeps (if it is the first) a denial of this call. */
  private CapabilityDeniedException remember(CapabilityDeniedException e) {
    route.denials().incrementAndGet();
    log.warn("{}", e.getMessage());
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
        if (route.registry().get(binding).isEmpty()) {
          throw new IllegalArgumentException("no capability provides env." + binding);
        }
        String[] hint = route.registry().grantHint(binding);
        yield deny("the capability \"" + binding + "\"", asked, hint[0], hint[1]);
      }
    };
  }

  // ---- key-value ----

  private KeyValueStore store(String store) {
    KeyValueStore kv = route.stores().get(store);
    if (kv == null) {
      String shown = escaped(store);
      throw deny("the key-value store \"" + shown + "\"", "the handler used key-value store \"" + shown + "\"",
          "key_value = [\"" + shown + "\"]", "Grants.keyValue(\"" + shown + "\")");
    }
    return kv;
  }

  private String key(String key) {
    if (key.isEmpty()) {
      throw new GuestError("a key-value key must not be empty");
    }
    return prefixed("key", key);
  }

  /** The call's prefix and {@code part} (a key or a list prefix), checked against the store's key rules. */
  private String prefixed(String what, String part) {
    String full = keyPrefix + part;
    int bytes = full.getBytes(StandardCharsets.UTF_8).length;
    if (bytes > KeyValueStore.MAX_KEY_BYTES || full.indexOf('\0') >= 0) {
      throw new GuestError("key-value " + what + " " + cut(part) + " is too long (" + bytes + " bytes with the call's"
          + " prefix; at most " + KeyValueStore.MAX_KEY_BYTES + ") or contains NUL");
    }
    return full;
  }

  public Optional<byte[]> kvGet(String store, String key) {
    return store(store).get(key(key));
  }

  public void kvPut(String store, String key, byte[] value) {
    kvPut(store, key, value, null);
  }

  /**
   * Puts {@code value}, expiring after {@code ttl} if it is not null. A put over the store's quota
   * throws {@link StoreFullError} for the guest and is kept for {@link #firstStoreFull}.
   */
  public void kvPut(String store, String key, byte[] value, java.time.@Nullable Duration ttl) {
    KeyValueStore kv = store(store);
    String full = key(key);
    if (value.length > RouteCapabilities.MAX_VALUE_BYTES) {
      throw new GuestError("key-value value for " + cut(key) + " is " + value.length + " bytes; at most "
          + RouteCapabilities.MAX_VALUE_BYTES + " bytes are stored per key");
    }
    try {
      if (ttl == null) {
        kv.put(full, value);
      } else {
        kv.put(full, value, ttl);
      }
    } catch (StoreQuotaExceededException e) {
      StoreQuotaExceededException named = new StoreQuotaExceededException("route \"" + route.route() + "\"", store, e);
      log.warn("{}", named.getMessage());
      if (firstStoreFull == null) {
        firstStoreFull = named;
      }
      String problem = switch (e.limit()) {
        case MAX_VALUE_SIZE -> "the value for " + cut(key) + " is " + value.length + " bytes, more than its max_value_size of "
            + e.allowed() + " bytes";
        case MAX_KEYS -> "it holds its max_keys limit of " + e.allowed() + " keys, so " + cut(key) + " cannot be added";
        case MAX_BYTES -> "storing " + cut(key) + " would take it over its max_bytes limit of " + e.allowed() + " bytes";
      };
      throw new StoreFullError("key-value store \"" + store + "\" is full: " + problem + "; delete keys, let them"
          + " expire, or raise " + e.limit().key() + " in [store." + store + "] of isola.toml");
    } catch (UnsupportedOperationException e) {
      throw new GuestError("key-value store \"" + store + "\" cannot expire keys: put " + cut(key)
          + " without expirationTtl or expiration, or back the store with one of KeyValueStores");
    }
  }

  public boolean kvDelete(String store, String key) {
    return store(store).delete(key(key));
  }

  public boolean kvExists(String store, String key) {
    return store(store).exists(key(key));
  }

  /** Keys under {@code prefix}, without the call's own prefix, sorted, at most {@code limit} (1..1000). */
  public List<String> kvList(String store, String prefix, int limit) {
    KeyValueStore kv = store(store);
    int n = Math.max(1, Math.min(limit, RouteCapabilities.MAX_LIST));
    String full = prefixed("prefix", prefix);
    List<String> keys = new ArrayList<>();
    for (String k : kv.list(full, n)) {
      if (k.startsWith(full)) { // a custom store might answer more than asked: never past the call's prefix
        keys.add(k.substring(keyPrefix.length()));
      }
    }
    return keys;
  }

  // ---- variables and secrets ----

  public String variable(String name) {
    String value = route.variables().get(name);
    if (value == null) {
      String shown = escaped(name);
      throw deny("the variable \"" + shown + "\"", "the handler read variable \"" + shown + "\"",
          "variables = [\"" + shown + "\"]", "Grants.variables(\"" + shown + "\")");
    }
    return value;
  }

  /** The plain value of a secret the route may read. */
  public String readSecret(String name) {
    if (!route.readableSecrets().contains(name)) {
      String shown = escaped(name);
      throw deny("reading the secret \"" + shown + "\"", "the handler read secret \"" + shown + "\" in plain text",
          "readable_secrets = [\"" + shown + "\"]", "Grants.readableSecrets(\"" + shown + "\")");
    }
    return route.secrets().get(name);
  }

  // ---- files ----

  /**
   * The bytes of the file at {@code guestPath} under one of the route's read-only mounts, or empty
   * if there is no such regular file (a FIFO, socket or device reads as none: opening a FIFO would wait
   * for a writer past the deadline). A path outside every mount is a denial; one that would leave its mount
   * ({@code ..}, a symbolic link pointing out) is refused as a misuse.
   */
  public Optional<byte[]> readFile(String guestPath) {
    if (!guestPath.startsWith("/")) {
      throw new GuestError("file path " + cut(guestPath) + " must be absolute, e.g. \"/static/app.css\"");
    }
    String mount = null;
    for (String m : route.mounts().keySet()) {
      if ((guestPath.equals(m) || guestPath.startsWith(m.equals("/") ? "/" : m + "/"))
          && (mount == null || m.length() > mount.length())) {
        mount = m;
      }
    }
    if (mount == null) {
      String suggested = escaped(guestPath.indexOf('/', 1) > 0 ? guestPath.substring(0, guestPath.indexOf('/', 1))
          : guestPath);
      throw deny("reading files under " + cut(guestPath), "the handler read file " + cut(guestPath),
          "files = [\"DIRECTORY:" + suggested + "\"]", "Grants.files(Path.of(\"DIRECTORY\"), \"" + suggested + "\")");
    }
    String relative = guestPath.substring(mount.equals("/") ? 1 : Math.min(guestPath.length(), mount.length() + 1));
    for (String segment : relative.split("/", -1)) {
      if (segment.equals("..") || segment.equals(".") || segment.indexOf('\\') >= 0 || segment.indexOf('\0') >= 0
          || segment.isEmpty() && !relative.isEmpty()) {
        throw new GuestError("file path " + cut(guestPath) + " must not contain empty, '.' or '..' segments");
      }
    }
    java.nio.file.Path root = route.mounts().get(mount);
    java.nio.file.Path file;
    try {
      file = root.resolve(relative).normalize();
    } catch (java.nio.file.InvalidPathException e) {
      throw new GuestError("file path " + cut(guestPath) + " is not a valid path here");
    }
    try {
      if (!file.startsWith(root)) {
        return Optional.empty();
      }
      java.nio.file.Path real = file.toRealPath();
      if (!real.startsWith(root)) {
        throw new GuestError("file path " + cut(guestPath) + " leads out of its mount (a symbolic link)");
      }
      // Only regular files, checked on what is opened: a FIFO would wait for a writer past any deadline.
      java.nio.channels.FileChannel channel = RegularFiles.openIfRegular(real);
      if (channel == null) {
        return Optional.empty();
      }
      byte[] bytes;
      try (java.io.InputStream in = java.nio.channels.Channels.newInputStream(channel)) {
        bytes = in.readNBytes(RouteCapabilities.MAX_FILE_BYTES + 1); // bounded even if the file grows meanwhile
      }
      if (bytes.length > RouteCapabilities.MAX_FILE_BYTES) {
        throw new GuestError("file " + cut(guestPath) + " is larger than the " + RouteCapabilities.MAX_FILE_BYTES
            + " bytes a handler may read at once");
      }
      return Optional.of(bytes);
    } catch (java.nio.file.NoSuchFileException e) {
      return Optional.empty();
    } catch (java.io.IOException e) {
      throw new GuestError("file " + cut(guestPath) + " cannot be read");
    }
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
    if (granted == null) {
      if (route.registry().get(capability).isEmpty()) {
        throw new GuestError("there is no capability named \"" + shown + "\"");
      }
      String[] hint = route.registry().grantHint(capability);
      observer.invoked(route.route(), capability, operation, "denied", 0);
      throw deny("the capability \"" + shown + "\"", "the handler called " + shown + "." + escaped(operation), hint[0],
          hint[1]);
    }
    dev.isola.capability.Capability c = granted.capability();
    dev.isola.capability.Operation op = route.registry().operation(capability, operation).orElseThrow(() ->
        new GuestError("capability " + shown + " has no operation \"" + escaped(operation) + "\" (it has "
            + String.join(", ", granted.capability().operations().stream().map(o -> o.name()).toList()) + ")"));
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
      throw remember(oneLine(e));
    } catch (GuestError.Invalid e) { // from HostInterface: an argument its Java parameter cannot take
      outcome = "invalid";
      throw e;
    } catch (dev.isola.capability.CapabilityException e) {
      throw new GuestError(e.getMessage() == null ? capability + "." + operation + " failed" : e.getMessage());
    } catch (Throwable e) { // Errors too (a library's own, OutOfMemoryError): their messages are the host's
      log.warn("route \"{}\": {}.{} failed", route.route(), capability, operation, e);
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
    StringBuilder out = new StringBuilder(message.length());
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.length() == message.length() ? e : new CapabilityDeniedException(out.toString());
  }

  // ---- outbound HTTP ----

  /**
   * Sends {@code call} if the route (and the call's narrowing) allows its origin. Its headers are
   * sent as the guest wrote them (nothing in them is substituted), plus the route's secret headers
   * for the origins they are granted for, which the host adds hop by hop.
   */
  public HttpResult fetch(HttpCall call) {
    OriginAllowList allow = route.http();
    URI uri = call.uri();
    if (allow == null || route.client() == null) {
      String origin = originOf(uri);
      throw deny("outbound HTTP", "the handler sent a request to " + origin, "outbound_http = [\"" + origin + "\"]",
          "Grants.outboundHttp(\"" + origin + "\")");
    }
    try {
      return route.client().send(route.route(), allow, httpNarrowing, call, route.secretHeaders(), deadlineNanos,
          maxResponseBytes);
    } catch (CapabilityDeniedException e) {
      throw remember(e);
    }
  }

  private static String originOf(URI uri) {
    String scheme = uri.getScheme() == null ? "?" : uri.getScheme();
    String host = uri.getHost() == null ? String.valueOf(uri.getRawAuthority()) : uri.getHost();
    return scheme + "://" + host + (uri.getPort() >= 0 ? ":" + uri.getPort() : "");
  }

  private static String cut(String key) {
    return "\"" + escaped(key.length() > 60 ? key.substring(0, 60) + "…" : key) + "\"";
  }

  /**
   * {@code text} (a name, key or path the guest chose) with control characters as {@code \\uXXXX}
   * and {@code "} and {@code \\} escaped: these messages are logged, so a line break in them would
   * let a guest write log lines of its own.
   */
  static String escaped(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '"' || c == '\\') {
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
