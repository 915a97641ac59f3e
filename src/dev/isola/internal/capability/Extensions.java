package dev.isola.internal.capability;

import dev.isola.Grant;
import dev.isola.HandlerLoadException;
import dev.isola.capability.Capability;
import dev.isola.capability.NamedGrant;
import dev.isola.capability.Operation;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The application capabilities an {@code Isola} was given ({@code Isola.Builder.capability}), by
 * name: checked once when registered, resolved per route at build time, and the one place that
 * converts guests' arguments and results to and from an {@link Operation}'s types, for every
 * binding (JavaScript and Wasm).
 */
public final class Extensions {
  /** None registered. */
  public static final Extensions NONE = new Extensions(Map.of());

  private final Map<String, Capability<?, ?>> byName;

  private Extensions(Map<String, Capability<?, ?>> byName) {
    this.byName = byName;
  }

  /**
   * The registry of {@code capabilities}, in order.
   *
   * @throws IllegalArgumentException if two share a name or one's description is unusable
   */
  public static Extensions of(List<Capability<?, ?>> capabilities) {
    Map<String, Capability<?, ?>> byName = new LinkedHashMap<>();
    for (Capability<?, ?> c : capabilities) {
      String name = new NamedGrant(c.name()).capability(); // checks the name
      if (byName.putIfAbsent(name, c) != null) {
        throw new IllegalArgumentException("two capabilities are named \"" + name + "\" (" + byName.get(name) + " and "
            + c + "): rename one");
      }
      List<Operation> ops = c.operations();
      if (ops == null || ops.isEmpty()) {
        throw new IllegalArgumentException("capability " + name + " offers no operations");
      }
      if (ops.stream().map(Operation::name).distinct().count() != ops.size()) {
        throw new IllegalArgumentException("capability " + name + " has two operations of the same name");
      }
      if (c.grantType() == null) {
        throw new IllegalArgumentException("capability " + name + " has no grant type");
      }
    }
    return new Extensions(Map.copyOf(byName));
  }

  public boolean isEmpty() {
    return byName.isEmpty();
  }

  public Set<String> names() {
    return byName.keySet();
  }

  public Optional<Capability<?, ?>> get(String name) {
    return Optional.ofNullable(byName.get(name));
  }

  /** The operation {@code name} of capability {@code capability}, if both exist. */
  public Optional<Operation> operation(String capability, String name) {
    Capability<?, ?> c = byName.get(capability);
    return c == null ? Optional.empty() : c.operations().stream().filter(o -> o.name().equals(name)).findFirst();
  }

  /** What one route's grants of one capability resolved to. */
  public record Granted(Capability<?, ?> capability, Object state) {}

  /**
   * The route's grants of registered capabilities, resolved by each capability.
   *
   * @throws HandlerLoadException naming the route, if a grant names a capability not registered or
   *     of another grant type, or a capability refuses its grants
   */
  public Map<String, Granted> resolve(String route, List<Grant> grants) {
    Map<String, List<Grant>> byCapability = new LinkedHashMap<>();
    for (Grant grant : grants) {
      if (grant.capability() == null) {
        throw new HandlerLoadException("route \"" + route + "\" is granted a " + grant.getClass().getName()
            + " whose capability() is null: it must name the capability it grants");
      }
      Capability<?, ?> c = byName.get(grant.capability());
      if (c == null) {
        throw new HandlerLoadException("route \"" + route + "\" is granted " + grant.toToml() + ", but this Isola has no"
            + " capability named \"" + grant.capability() + "\"" + (byName.isEmpty() ? "" : " (it has "
            + String.join(", ", new java.util.TreeSet<>(byName.keySet())) + ")") + ": register it with"
            + " Isola.Builder.capability(HostInterface.of(\"" + grant.capability() + "\", ...))");
      }
      if (!c.grantType().isInstance(grant)) {
        throw new HandlerLoadException("route \"" + route + "\" is granted capability " + c.name() + " with a "
            + grant.getClass().getSimpleName() + ", but it takes a " + c.grantType().getSimpleName());
      }
      List<Grant> list = byCapability.computeIfAbsent(c.name(), n -> new ArrayList<>());
      if (!list.contains(grant)) {
        list.add(grant);
      }
    }
    Map<String, Granted> resolved = new LinkedHashMap<>();
    byCapability.forEach((name, list) -> resolved.put(name, resolve(route, byName.get(name), list)));
    return resolved;
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Granted resolve(String route, Capability c, List<Grant> grants) {
    Object state;
    try {
      state = c.resolve(route, List.copyOf(grants));
    } catch (IllegalArgumentException e) {
      throw new HandlerLoadException("route \"" + route + "\": capability " + c.name() + " refuses its grant: "
          + e.getMessage(), e);
    }
    if (state == null) {
      throw new HandlerLoadException("route \"" + route + "\": capability " + c.name() + " resolved its grant to null");
    }
    return new Granted(c, state);
  }

  /** How a route is granted {@code capability}, for denial messages: isola.toml and Java. */
  String[] grantHint(String capability) {
    Capability<?, ?> c = byName.get(capability);
    if (c == null || c.grantType() == NamedGrant.class) {
      return new String[] {"host_interfaces = [\"" + capability + "\"]", "Grants.hostInterface(\"" + capability + "\")"};
    }
    String type = c.grantType().getSimpleName();
    return new String[] {"a " + type + " for it (it cannot be written in isola.toml)", "a " + type};
  }

  // ---- values ----

  /**
   * The guest's arguments as the operation's types: strings, {@code byte[]} (from a {@code byte[]}
   * a binding read, or base64 text), longs, doubles, booleans and JSON-like values.
   *
   * @throws GuestError naming the argument, if one does not fit
   */
  public static List<@Nullable Object> arguments(String capability, Operation op, List<?> raw) {
    String where = capability + "." + op.name();
    if (raw.size() != op.parameters().size()) {
      throw new GuestError.Invalid(where + " takes " + op.parameters().size() + " argument" + (op.parameters().size() == 1 ? ""
          : "s") + ", got " + raw.size());
    }
    List<@Nullable Object> out = new ArrayList<>(raw.size());
    for (int i = 0; i < raw.size(); i++) {
      Object v = raw.get(i);
      Operation.Type type = op.parameters().get(i);
      Object converted = switch (type) {
        case STRING -> v instanceof String ? v : null;
        case BYTES -> v instanceof byte[] ? v : v instanceof String s ? base64(s) : null;
        case INTEGER -> v instanceof Long ? v
            : v instanceof Double d && d == Math.rint(d) && Math.abs(d) <= MAX_SAFE ? (Object) d.longValue()
            : null;
        case NUMBER -> v instanceof Double ? v : v instanceof Long l ? (Object) l.doubleValue() : null;
        case BOOLEAN -> v instanceof Boolean ? v : null;
        case JSON -> v == null ? JSON_NULL : v;
        case VOID -> null;
      };
      if (converted == null) {
        throw new GuestError.Invalid(where + ": argument " + (i + 1) + " must be " + describe(type) + ", got "
            + (v == null ? "null" : v instanceof String ? "a string" : v instanceof Boolean ? "a boolean"
            : v instanceof Number ? "a number" : v instanceof List ? "an array" : "an object"));
      }
      out.add(converted == JSON_NULL ? null : converted);
    }
    return out;
  }

  private static final Object JSON_NULL = new Object();
  /** 2^53 - 1: the largest integer every binding (JavaScript's numbers) holds exactly. */
  private static final double MAX_SAFE = 9007199254740991.0;

  private static byte[] base64(String text) {
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String describe(Operation.Type type) {
    return switch (type) {
      case STRING -> "a string";
      case BYTES -> "bytes (an ArrayBuffer or typed array; base64 text from Wasm)";
      case INTEGER -> "an integer (a safe integer number)";
      case NUMBER -> "a finite number";
      case BOOLEAN -> "a boolean";
      case JSON, VOID -> "a JSON value";
    };
  }

  /**
   * Checks a capability's result against its operation's type.
   *
   * @throws IllegalStateException naming the mismatch (a host bug, logged, never shown to the guest)
   */
  public static @Nullable Object result(String capability, Operation op, @Nullable Object result) {
    if (result == null || op.result() == Operation.Type.JSON) {
      if (result != null) {
        dev.isola.internal.json.Json.write(result); // throws IllegalArgumentException for what has no JSON form
      }
      return op.result() == Operation.Type.VOID ? null : result;
    }
    boolean fits = switch (op.result()) {
      case STRING -> result instanceof String;
      case BYTES -> result instanceof byte[];
      case INTEGER -> result instanceof Long;
      case NUMBER -> result instanceof Double d && Double.isFinite(d);
      case BOOLEAN -> result instanceof Boolean;
      case VOID -> true;
      case JSON -> true;
    };
    if (!fits) {
      throw new IllegalStateException(capability + "." + op.name() + " returned a " + result.getClass().getName()
          + " where its operation declares " + op.result());
    }
    if (result instanceof Long n && Math.abs((double) n) > MAX_SAFE) { // JavaScript would round it
      throw new IllegalStateException(capability + "." + op.name() + " returned " + n + ", beyond the safe integers"
          + " (±" + (long) MAX_SAFE + ") its INTEGER result allows: return a String or JSON for larger numbers");
    }
    return op.result() == Operation.Type.VOID ? null : result;
  }

  /** A result as JSON text for Wasm guests: bytes as a base64 string. */
  public static String json(@Nullable Object result) {
    return dev.isola.internal.json.Json.write(result instanceof byte[] b ? Base64.getEncoder().encodeToString(b) : result);
  }
}
