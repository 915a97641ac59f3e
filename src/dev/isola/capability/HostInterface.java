package dev.isola.capability;

import dev.isola.internal.capability.GuestError;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An application's own service offered to handlers: a Java interface and its implementation, made a
 * {@link Capability} whose operations are the interface's methods.
 *
 * <pre>{@code
 * interface Billing { String invoice(String customer, long cents); }
 *
 * Isola isola = Isola.newBuilder()
 *     .capability(HostInterface.of("billing", Billing.class, billingService))
 *     .route("POST /checkout", Handler.javascript(Path.of("checkout.js"))
 *         .grants(Grants.hostInterface("billing")))
 *     .build();
 * // checkout.js: const id = await env.billing.invoice("c-1", 500);
 * }</pre>
 *
 * <p>Parameter and result types are copied values only: {@code String}, {@code byte[]}, {@code
 * long}/{@code int}/{@code short} (and boxes), {@code double}/{@code float} (and boxes), {@code
 * boolean}/{@code Boolean}, and {@code Map}, {@code List} or {@code Object} for JSON-like values;
 * results also {@code void}. Guests never see a Java object. A method that throws {@link
 * CapabilityException} fails the guest's use with that message; any other exception is logged and
 * reaches the guest only as "{@code billing.invoice failed}". Each use is counted in metrics ({@code
 * isola.capability.calls}) and, like every capability, denied to routes without the grant.
 *
 * @param <T> the interface
 */
public final class HostInterface<T> implements Capability<NamedGrant, List<NamedGrant>> {
  private final String name;
  private final Class<T> type;
  private final List<Operation> operations;
  private final Map<String, Target> targets;

  private record Target(MethodHandle handle, Class<?>[] parameters) {}

  private HostInterface(String name, Class<T> type, T implementation) {
    this.name = Capabilities.checkName(name);
    this.type = type;
    Map<String, Target> byName = new LinkedHashMap<>();
    List<Operation> ops = new ArrayList<>();
    List<Method> methods = new ArrayList<>();
    java.util.Set<String> names = new java.util.HashSet<>();
    for (Method method : type.getMethods()) {
      if (Modifier.isStatic(method.getModifiers()) || method.getDeclaringClass() == Object.class) {
        continue;
      }
      if (!names.add(method.getName())) {
        throw new IllegalArgumentException("host interface " + name + ": " + type.getName() + "." + method.getName()
            + " is overloaded; give each operation its own name (guests call them by name only)");
      }
      methods.add(method);
    }
    methods.sort(java.util.Comparator.comparing(Method::getName));
    for (Method method : methods) {
      String where = type.getName() + "." + method.getName();
      List<Operation.Type> params = new ArrayList<>();
      for (Class<?> p : method.getParameterTypes()) {
        params.add(typeOf(p, false, where));
      }
      Operation op;
      try {
        op = new Operation(method.getName(), params, typeOf(method.getReturnType(), true, where));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("host interface " + name + ": " + e.getMessage(), e);
      }
      MethodHandle handle;
      try {
        handle = MethodHandles.publicLookup().unreflect(method).bindTo(implementation);
      } catch (IllegalAccessException e) {
        throw new IllegalArgumentException("host interface " + name + ": " + where + " cannot be called by Isola ("
            + e.getMessage() + "): make the interface public and, on the module path, export its package (to all"
            + " modules: Isola calls it through MethodHandles.publicLookup())",
            e);
      }
      byName.put(method.getName(), new Target(handle, method.getParameterTypes()));
      ops.add(op);
    }
    if (ops.isEmpty()) {
      throw new IllegalArgumentException("host interface " + name + ": " + type.getName() + " has no methods to offer");
    }
    this.operations = List.copyOf(ops);
    this.targets = Map.copyOf(byName);
  }

  /**
   * Offers {@code implementation} to handlers granted {@code name}, through the methods of {@code
   * type}.
   *
   * @throws IllegalArgumentException if {@code type} is not a public interface, a method is
   *     overloaded or uses a type that cannot be copied, or {@code name} is not a capability name
   */
  public static <T> HostInterface<T> of(String name, Class<T> type, T implementation) {
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(implementation, "implementation");
    if (!type.isInterface()) {
      throw new IllegalArgumentException("host interface " + name + ": " + type.getName() + " is not an interface:"
          + " offer a Java interface, so that guests reach only its methods");
    }
    return new HostInterface<>(name, type, implementation);
  }

  private static Operation.Type typeOf(Class<?> c, boolean result, String where) {
    if (c == String.class) {
      return Operation.Type.STRING;
    } else if (c == byte[].class) {
      return Operation.Type.BYTES;
    } else if (c == long.class || c == Long.class || c == int.class || c == Integer.class || c == short.class
        || c == Short.class) {
      return Operation.Type.INTEGER;
    } else if (c == double.class || c == Double.class || c == float.class || c == Float.class) {
      return Operation.Type.NUMBER;
    } else if (c == boolean.class || c == Boolean.class) {
      return Operation.Type.BOOLEAN;
    } else if (c == Map.class || c == List.class || c == Object.class) {
      return Operation.Type.JSON;
    } else if (result && c == void.class) {
      return Operation.Type.VOID;
    }
    throw new IllegalArgumentException(where + " uses " + c.getName() + ", which a guest cannot pass or receive:"
        + " use String, byte[], long, int, double, boolean, Map, List or Object (JSON-like values)");
  }

  /** The interface offered. */
  public Class<T> type() {
    return type;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Class<NamedGrant> grantType() {
    return NamedGrant.class;
  }

  @Override
  public List<Operation> operations() {
    return operations;
  }

  @Override
  public List<NamedGrant> resolve(String route, List<NamedGrant> grants) {
    return List.copyOf(grants);
  }

  @Override
  public @Nullable Object invoke(Invocation<List<NamedGrant>> invocation) throws Exception {
    Target target = targets.get(invocation.operation().name());
    List<@Nullable Object> args = invocation.arguments();
    Object[] converted = new Object[args.size()];
    for (int i = 0; i < converted.length; i++) {
      converted[i] = convert(args.get(i), target.parameters()[i], invocation.operation().name(), i);
    }
    try {
      Object result = target.handle().invokeWithArguments(converted);
      return result instanceof Integer || result instanceof Short ? (Object) ((Number) result).longValue()
          : result instanceof Float f ? (Object) f.doubleValue() : result;
    } catch (Exception e) {
      throw e;
    } catch (Throwable t) {
      if (t instanceof Error error) {
        throw error;
      }
      throw new IllegalStateException(t);
    }
  }

  /**
   * A checked argument as the Java parameter takes it.
   *
   * @throws GuestError.Invalid if it does not fit the parameter (an int, a Map, ...): the guest's
   *     misuse, answered as arguments that do not fit the operation's types are
   */
  private @Nullable Object convert(@Nullable Object value, Class<?> parameter, String operation, int index) {
    if (value instanceof Long n) {
      if (parameter == int.class || parameter == Integer.class) {
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
          throw new GuestError.Invalid(name + "." + operation + ": argument " + (index + 1) + " (" + n
              + ") is out of the range of an int");
        }
        return n.intValue();
      }
      if (parameter == short.class || parameter == Short.class) {
        if (n < Short.MIN_VALUE || n > Short.MAX_VALUE) {
          throw new GuestError.Invalid(name + "." + operation + ": argument " + (index + 1) + " (" + n
              + ") is out of the range of a short");
        }
        return n.shortValue();
      }
    }
    if (value instanceof Double d && (parameter == float.class || parameter == Float.class)) {
      if (Math.abs(d) > Float.MAX_VALUE) { // as a float it would be Infinity
        throw new GuestError.Invalid(name + "." + operation + ": argument " + (index + 1) + " (" + d
            + ") is out of the range of a float");
      }
      return d.floatValue();
    }
    if (value == null && parameter.isPrimitive()) {
      throw new GuestError.Invalid(name + "." + operation + ": argument " + (index + 1) + " must not be null");
    }
    if (value != null && parameter != Object.class && !parameter.isPrimitive() && !parameter.isInstance(value)) {
      throw new GuestError.Invalid(name + "." + operation + ": argument " + (index + 1) + " must be a "
          + (parameter == Map.class ? "JSON object" : parameter == List.class ? "JSON array" : parameter.getSimpleName()));
    }
    return value;
  }

  @Override
  public String toString() {
    return "HostInterface[" + name + ": " + type.getName() + "]";
  }
}
