package dev.isola.capability;

import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One operation of a {@link Capability}: its name, the types of its parameters and the type of its
 * result. Guests' bindings are derived from it, and every argument is checked against it before the
 * capability sees it.
 *
 * @param name the operation's name, a JavaScript identifier without {@code _} or {@code $} ({@code
 *     invoice}, {@code getBalance})
 * @param parameters the parameters' types, in order; never {@link Type#VOID}
 * @param result the result's type; {@link Type#VOID} for none
 */
public record Operation(String name, List<Type> parameters, Type result) {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z][a-zA-Z0-9]{0,63}");

  /** What an argument or a result may be: copied values, never host objects. */
  public enum Type {
    /** A {@link String}; JavaScript strings. */
    STRING('S'),
    /** A {@code byte[]}; JavaScript ArrayBuffers (a TypedArray or DataView is copied); base64 in Wasm JSON. */
    BYTES('B'),
    /**
     * A {@link Long}; JavaScript numbers that are safe integers (±(2^53 - 1)). A result beyond them
     * fails the operation (logged) rather than reach JavaScript rounded.
     */
    INTEGER('I'),
    /** A {@link Double}; finite JavaScript numbers. */
    NUMBER('N'),
    /** A {@link Boolean}. */
    BOOLEAN('Z'),
    /**
     * A JSON-like value: {@link java.util.Map} with string keys, {@link List}, {@link String},
     * {@link Long}, {@link Double}, {@link Boolean} or null; in JavaScript whatever {@code
     * JSON.stringify} takes. Numbers inside it reach JavaScript as numbers: a long beyond ±(2^53−1)
     * loses precision there (pass such values as strings, or as an {@link #INTEGER} result, which
     * refuses them).
     */
    JSON('J'),
    /** No result (results only); JavaScript {@code undefined}. */
    VOID('V');

    private final char code;

    Type(char code) {
      this.code = code;
    }

    /** The one-letter code the bindings use. */
    public char code() {
      return code;
    }
  }

  /**
   * @throws IllegalArgumentException if the name is not an identifier as above, or a parameter is
   *     {@link Type#VOID}
   */
  public Operation {
    Objects.requireNonNull(name, "name");
    parameters = List.copyOf(parameters);
    Objects.requireNonNull(result, "result");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("operation name \"" + name + "\" must be letters and digits, starting with a"
          + " letter, at most 64 (no '_', which separates capability and operation in Extism host functions)");
    }
    Capabilities.checkNotProtocol("operation name", name);
    if (parameters.contains(Type.VOID)) {
      throw new IllegalArgumentException("operation " + name + ": VOID is a result type, not a parameter type");
    }
    if (parameters.size() > 16) {
      throw new IllegalArgumentException("operation " + name + " has " + parameters.size() + " parameters; at most 16");
    }
  }

  /** An operation taking {@code parameters} and answering {@code result}. */
  public static Operation of(String name, Type result, Type... parameters) {
    return new Operation(name, List.of(parameters), result);
  }
}
