package dev.isola.internal.js;

import dev.isola.CapabilityDeniedException;
import dev.isola.IsolaException;
import dev.isola.internal.capability.CallCapabilities;
import dev.isola.internal.capability.GuestError;
import dev.isola.internal.capability.http.HttpCall;
import dev.isola.internal.capability.http.HttpResult;
import dev.isola.internal.capability.http.OutboundHttpException;
import dev.isola.internal.capability.kv.StoreFullError;
import dev.isola.kv.KeyValueStore;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Value;

/**
 * The host side of the JavaScript capability bindings ({@code env.KV}, {@code env.kv}, {@code
 * env.vars}, {@code env.secrets}, {@code env.files}, {@code fetch}): the packed lists the runtime builds {@code env}
 * from, and {@link #call}, the one host function the runtime calls for every operation. Everything
 * goes through the call's {@link CallCapabilities}, which checks the grants.
 *
 * <p>{@link #call} never throws into JavaScript, where a handler could catch it. It answers with a
 * tagged string: {@code "o"} + payload, {@code "t"} + text (a read wanted as text), {@code "n"} (no
 * value), {@code "d"} + message (denied) or {@code "e"} + message (a failure the handler may
 * handle). A failure that must end the call (a limit, a store that broke) goes to {@code stop},
 * which makes it the call's outcome and cancels the context; later operations are refused.
 *
 * <p>Lists travel packed, each item as its length in characters, NUL, then the item (see {@code
 * unpack} in the runtime), so values may hold any character. Bytes travel as ArrayBuffers.
 */
final class JsCapabilities {
  /** Response headers that describe the host's connection, not the response. */
  private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "transfer-encoding", "upgrade",
      "proxy-connection");
  /** Characters a WHATWG URL may keep after its authority that {@link URI} refuses. */
  private static final String URI_UNSAFE = " \"<>\\^`{|}[]";

  private final String route;
  private final CallCapabilities capabilities;
  private final Consumer<IsolaException> stop;
  private boolean stopped;

  JsCapabilities(String route, CallCapabilities capabilities, Consumer<IsolaException> stop) {
    this.route = route;
    this.capabilities = capabilities;
    this.stop = stop;
  }

  /** The route's store names, packed; the first is {@code env.KV}. */
  String stores() {
    return capabilities.route().stores().isEmpty() ? "" : pack(capabilities.route().storeNames());
  }

  /** The granted variables as name, value pairs, packed, sorted by name. */
  String variables() {
    return values(capabilities.route().variables().keySet(), capabilities::variable);
  }

  /**
   * Marks a packed list of names whose values the runtime reads one by one, as the guest reads
   * them ({@code ("var", name)}, {@code ("secret", name)}): how an audited call sees which
   * variables and secrets a handler actually reads.
   */
  static final String AUDITED = "\u0001";

  /** The secrets the guest may read in plain text as name, value pairs, packed, sorted by name. */
  String readableSecrets() {
    return values(capabilities.route().readableSecrets(), capabilities::readSecret);
  }

  /**
   * {@code names} and their values from {@code read}, packed as pairs sorted by name; "" for none.
   * In an audited call the values are left empty and the list marked {@link #AUDITED}: the runtime
   * asks for each as the guest reads it.
   */
  private String values(java.util.Collection<String> names, java.util.function.UnaryOperator<String> read) {
    if (names.isEmpty()) {
      return "";
    }
    List<String> pairs = new ArrayList<>();
    boolean audited = capabilities.audit() != null;
    for (String name : names.stream().sorted().toList()) {
      pairs.add(name);
      pairs.add(audited ? "" : read.apply(name));
    }
    return audited ? AUDITED + pack(pairs) : pack(pairs);
  }

  /** Whether the route may read files, so that env gets {@code files}. */
  boolean hasFiles() {
    return !capabilities.route().mounts().isEmpty();
  }

  /**
   * One operation of the runtime: {@code ("get", store, key, sink, asText)}, {@code ("put", store,
   * key, ArrayBuffer[, "ttl" or "at", seconds])}, {@code ("delete", store, key)}, {@code ("list", store, prefix, limit)},
   * {@code ("increment", store, key, delta as decimal text)}, {@code ("compareAndSet", store, key,
   * ArrayBuffer or null, ArrayBuffer or null)},
   * {@code ("file", path, sink, asText)} or {@code ("fetch", method, url, flat headers, ArrayBuffer
   * or null, sink)}, or {@code ("env", binding)} for an ungranted {@code env.KV}, {@code env.kv},
   * {@code env.vars}, {@code env.secrets} or {@code env.files}, which is always denied. A sink is a
   * function that,
   * given a length, returns a new ArrayBuffer for the host to fill.
   */
  Object call(Value[] args) {
    if (stopped) {
      return "x";
    }
    String op = args[0].asString();
    try {
      return switch (op) {
        case "get" -> get(args[1].asString(), args[2].asString(), args[3], asText(args, 4));
        case "put" -> put(args[1].asString(), args[2].asString(), bytes(args[3]),
            args.length > 5 ? ttl(args[2].asString(), args[4].asString(), args[5].asDouble()) : null);
        case "delete" -> delete(args[1].asString(), args[2].asString());
        case "increment" -> increment(args[1].asString(), args[2].asString(), args[3].asString());
        case "compareAndSet" -> compareAndSet(args[1].asString(), args[2].asString(),
            args[3].isNull() ? null : bytes(args[3]), args[4].isNull() ? null : bytes(args[4]));
        case "list" -> list(args[1].asString(), args[2].asString(), args[3].asInt());
        case "file" -> file(args[1].asString(), args[2], asText(args, 3));
        case "fetch" -> fetch(args);
        case "component" -> component(args);
        case "invoke" -> invoke(args);
        case "var" -> "o" + capabilities.variable(args[1].asString());
        case "secret" -> "o" + capabilities.readSecret(args[1].asString());
        case "env" -> throw capabilities.deniedBinding(args[1].asString());
        default -> throw new IllegalArgumentException("unknown operation \"" + op + "\"");
      };
    } catch (CapabilityDeniedException e) {
      return "d" + e.getMessage();
    } catch (GuestError | OutboundHttpException | StoreFullError e) {
      return "e" + e.getMessage();
    } catch (PolyglotException e) {
      throw e; // from the guest's sink: its own error, or the context being cancelled
    } catch (IsolaException e) {
      return stop(e);
    } catch (RuntimeException e) {
      return stop(new IsolaException("route \"" + route + "\": the host failed during the handler's " + op + ": " + e, e));
    }
  }

  /**
   * An application capability's operation: {@code ("invoke", capability, operation, sink, JSON
   * array of the arguments, list of ArrayBuffers)}, where each bytes argument is null in the array
   * and the next buffer of the list. Answers {@code "o"} + the result's JSON, {@code "o"} alone for
   * no result, {@code "n"} for null, or bytes filled into the sink and {@code "o"}.
   */
  private String invoke(Value[] args) {
    String capability = args[1].asString();
    String operation = args[2].asString();
    Object parsed;
    try {
      parsed = dev.isola.internal.json.Json.parse(args[4].asString());
    } catch (IllegalArgumentException e) {
      throw new GuestError(capability + "." + operation + ": the arguments are not JSON (" + e.getMessage() + ")");
    }
    if (!(parsed instanceof List<?> list)) {
      throw new GuestError(capability + "." + operation + ": the arguments are not a list");
    }
    List<Object> raw = new ArrayList<>(list);
    Optional<dev.isola.capability.Operation> op = capabilities.route().registry().operation(capability, operation);
    if (op.isPresent()) {
      Value buffers = args[5];
      long next = 0;
      for (int i = 0; i < raw.size() && i < op.get().parameters().size(); i++) {
        if (op.get().parameters().get(i) == dev.isola.capability.Operation.Type.BYTES && next < buffers.getArraySize()) {
          raw.set(i, bytes(buffers.getArrayElement(next++)));
        }
      }
    }
    Object result = capabilities.invoke(capability, operation, raw);
    if (result == null) {
      return op.isPresent() && op.get().result() == dev.isola.capability.Operation.Type.VOID ? "o" : "n";
    }
    if (result instanceof byte[] bytes) {
      JsHandler.fill(args[3].execute(bytes.length), ByteBuffer.wrap(bytes));
      return "o";
    }
    return "o" + dev.isola.internal.json.Json.write(result);
  }

  /**
   * The application capabilities the route was granted, packed as name, then its operations as
   * {@code name\0parameter letters\0result letter\0...} (see {@code extBinding} in the runtime).
   */
  static String extensions(dev.isola.internal.capability.RouteCapabilities route) {
    if (route.extensions().isEmpty() && route.calls().isEmpty()) {
      return "";
    }
    List<String> items = new ArrayList<>();
    for (String component : route.calls()) { // an empty description: env.NAME.fetch of a component
      items.add(component);
      items.add("");
    }
    route.extensions().forEach((name, granted) -> {
      items.add(name);
      StringBuilder ops = new StringBuilder();
      for (dev.isola.capability.Operation op : granted.capability().operations()) {
        ops.append(op.name()).append('\0');
        op.parameters().forEach(t -> ops.append(t.code()));
        ops.append('\0').append(op.result().code()).append('\0');
      }
      items.add(ops.toString());
    });
    return pack(items);
  }

  private String stop(IsolaException e) {
    stopped = true;
    stop.accept(e);
    return "x";
  }

  private String get(String store, String key, Value sink, boolean asText) {
    return read(keyValue(key, () -> capabilities.kvGet(store, key)), sink, asText);
  }

  private String file(String path, Value sink, boolean asText) {
    return read(capabilities.readFile(path), sink, asText);
  }

  /** Whether the runtime wants text (the optional last argument of a read). */
  private static boolean asText(Value[] args, int index) {
    return args.length > index && args[index].isBoolean() && args[index].asBoolean();
  }

  /**
   * A read's answer: {@code "n"} if absent; {@code "t"} + the text if text is wanted and the bytes
   * are valid UTF-8 without a byte order mark (so exactly what TextDecoder would make of them);
   * otherwise the bytes filled into the guest's sink and {@code "o"}.
   */
  private static String read(Optional<byte[]> value, Value sink, boolean asText) {
    if (value.isEmpty()) {
      return "n";
    }
    byte[] bytes = value.get();
    if (asText && !(bytes.length >= 3 && bytes[0] == (byte) 0xEF && bytes[1] == (byte) 0xBB && bytes[2] == (byte) 0xBF)) {
      try {
        return "t" + java.nio.charset.StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes));
      } catch (java.nio.charset.CharacterCodingException notUtf8) {
        // the guest's TextDecoder decides what to make of them
      }
    }
    JsHandler.fill(sink.execute(bytes.length), ByteBuffer.wrap(bytes));
    return "o";
  }

  private String put(String store, String key, byte[] value, java.time.@org.jspecify.annotations.Nullable Duration ttl) {
    keyValue(key, () -> {
      capabilities.kvPut(store, key, value, ttl);
      return null;
    });
    return "o";
  }

  /**
   * The time to live of a put: {@code "ttl"} and seconds from now, or {@code "at"} and epoch
   * seconds (the runtime has checked both are finite and in range).
   */
  static java.time.Duration ttl(String key, String kind, double seconds) {
    long millis = (long) Math.ceil(seconds * 1000);
    if (kind.equals("ttl")) {
      return java.time.Duration.ofMillis(millis);
    }
    long now = System.currentTimeMillis();
    if (millis <= now) {
      throw new GuestError("put option expiration " + formatSeconds(seconds) + " for key " + quote(key)
          + " is not in the future (now is " + formatSeconds(now / 1000.0) + " seconds since 1970):"
          + " pass a later time in epoch seconds, or expirationTtl in seconds from now");
    }
    java.time.Duration ttl = java.time.Duration.ofMillis(millis - now);
    if (ttl.compareTo(KeyValueStore.MAX_TTL) > 0) {
      throw new GuestError("put option expiration " + formatSeconds(seconds) + " for key " + quote(key)
          + " is more than 100 years from now: pass an earlier time, or no expiration for a value that stays");
    }
    return ttl;
  }

  private static String formatSeconds(double seconds) {
    return seconds == Math.rint(seconds) ? Long.toString((long) seconds) : Double.toString(seconds);
  }

  private String delete(String store, String key) {
    keyValue(key, () -> capabilities.kvDelete(store, key));
    return "o";
  }

  /** Answers the sum as decimal text: the runtime checks that it is a safe integer. */
  private String increment(String store, String key, String delta) {
    long d;
    try {
      d = Long.parseLong(delta);
    } catch (NumberFormatException e) {
      throw new GuestError("increment delta " + quote(delta) + " is not an integer");
    }
    return "o" + keyValue(key, () -> capabilities.kvIncrement(store, key, d));
  }

  /** Answers "o1" if the value was set, "o0" if it was not the one expected. */
  private String compareAndSet(String store, String key, byte @org.jspecify.annotations.Nullable [] expected,
      byte @org.jspecify.annotations.Nullable [] value) {
    return keyValue(key, () -> capabilities.kvCompareAndSet(store, key, expected, value)) ? "o1" : "o0";
  }

  private String list(String store, String prefix, int limit) {
    return "o" + pack(keyValue(prefix, () -> capabilities.kvList(store, prefix, limit)));
  }

  /** Runs a store operation; the store's own refusal of a key is the guest's to handle. */
  private static <T> T keyValue(String key, Supplier<T> operation) {
    try {
      return operation.get();
    } catch (IllegalArgumentException e) {
      // Not the store's message: it quotes the key with the call's prefix, which the guest must not see.
      throw new GuestError("key-value key " + quote(key) + " is not allowed: a key is well-formed Unicode without"
          + " NUL, at most " + KeyValueStore.MAX_KEY_BYTES + " bytes in UTF-8");
    }
  }

  private String fetch(Value[] args) {
    URI uri = uri(args[2].asString());
    return answer(uri, capabilities.fetch(httpCall(args[1].asString(), uri, args[3], args[4])), args[5]);
  }

  /** {@code ("component", name, method, url, flat headers, ArrayBuffer or null, sink)}: env.NAME.fetch. */
  private String component(Value[] args) {
    URI uri = uri(args[3].asString());
    return answer(uri, capabilities.callComponent(args[1].asString(), httpCall(args[2].asString(), uri, args[4], args[5])),
        args[6]);
  }

  private HttpCall httpCall(String method, URI uri, Value headers, Value body) {
    try {
      return new HttpCall(method, uri, headers(headers.asString()), bytes(body));
    } catch (IllegalArgumentException e) {
      throw new OutboundHttpException("invalid request: " + e.getMessage());
    }
  }

  /** The packed answer to a fetch: status, redirected, final URL, then header names and values; the body into the sink. */
  private static String answer(URI uri, HttpResult result, Value sink) {
    JsHandler.fill(sink.execute(result.body().length), ByteBuffer.wrap(result.body()));
    List<String> out = new ArrayList<>();
    out.add(Integer.toString(result.status()));
    out.add(result.finalUri().equals(uri) ? "0" : "1");
    out.add(result.finalUri().toString());
    result.headers().forEach((name, values) -> {
      String lower = name.toLowerCase(Locale.ROOT);
      if (lower.startsWith(":") || HOP_BY_HOP.contains(lower)) {
        return; // HTTP/2 pseudo-headers, and the host's connection
      }
      for (String value : values) {
        if (value.indexOf('\0') < 0 && value.indexOf('\r') < 0 && value.indexOf('\n') < 0) {
          out.add(lower);
          out.add(value);
        }
      }
    });
    return "o" + pack(out);
  }

  /** The URL as a {@link URI}, without its fragment, with what WHATWG URLs keep but URI refuses escaped. */
  static URI uri(String url) {
    int hash = url.indexOf('#');
    String target = hash < 0 ? url : url.substring(0, hash);
    try {
      return new URI(target);
    } catch (URISyntaxException e) {
      try {
        return new URI(escapeAfterAuthority(target));
      } catch (URISyntaxException again) {
        throw new OutboundHttpException("invalid URL " + target + ": " + again.getReason());
      }
    }
  }

  private static String escapeAfterAuthority(String url) {
    int scheme = url.indexOf("://");
    int start = scheme < 0 ? 0 : scheme + 3;
    int end = start;
    while (end < url.length() && url.charAt(end) != '/' && url.charAt(end) != '?') {
      end++;
    }
    StringBuilder b = new StringBuilder(url.length() + 16).append(url, 0, end);
    for (int i = end; i < url.length(); i++) {
      char c = url.charAt(i);
      boolean strayPercent = c == '%' && !(i + 2 < url.length() && isHex(url.charAt(i + 1)) && isHex(url.charAt(i + 2)));
      if (strayPercent || URI_UNSAFE.indexOf(c) >= 0 || c < 0x20 || c == 0x7f) {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  private static boolean isHex(char c) {
    return Character.digit(c, 16) >= 0 && c < 128;
  }

  /** The runtime's header list, {@code name\0value\0...}, as names to values. */
  private static Map<String, List<String>> headers(String flat) {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    int start = 0;
    while (start < flat.length()) {
      int nameEnd = flat.indexOf('\0', start);
      int valueEnd = nameEnd < 0 ? -1 : flat.indexOf('\0', nameEnd + 1);
      if (valueEnd < 0) {
        throw new IllegalArgumentException("malformed header list");
      }
      headers.computeIfAbsent(flat.substring(start, nameEnd), n -> new ArrayList<>())
          .add(flat.substring(nameEnd + 1, valueEnd));
      start = valueEnd + 1;
    }
    return headers;
  }

  /**
   * The bytes of a guest ArrayBuffer; none for null. A detached buffer (the guest's {@code
   * transfer()}, maybe from a later argument's {@code toJSON}) has none either, as in JavaScript:
   * reading it, even 0 bytes, would throw.
   */
  private static byte[] bytes(Value buffer) {
    if (buffer.isNull()) {
      return new byte[0];
    }
    byte[] bytes = new byte[Math.toIntExact(buffer.getBufferSize())];
    if (bytes.length > 0) {
      buffer.readBuffer(0, bytes, 0, bytes.length);
    }
    return bytes;
  }

  static String pack(List<String> items) {
    StringBuilder b = new StringBuilder();
    for (String item : items) {
      b.append(item.length()).append('\0').append(item);
    }
    return b.toString();
  }

  private static String quote(String key) {
    return "\"" + (key.length() > 60 ? key.substring(0, 60) + "…" : key) + "\"";
  }
}
