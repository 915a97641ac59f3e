package dev.isola.capability;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/** Rules shared by capabilities' names. */
final class Capabilities {
  private static final Pattern NAME = Pattern.compile("[a-z][a-zA-Z0-9]{0,31}");
  /** Names Isola's own bindings use in env and in isola:host. */
  static final Set<String> RESERVED = Set.of("kv", "vars", "secrets", "files", "http", "call", "fetch", "log");
  /**
   * Names a JavaScript object answers to by protocol (promises, JSON, conversion to text and numbers,
   * Object.prototype): a binding or method of such a name would be called by the language itself.
   */
  static final Set<String> PROTOCOL = Set.of("then", "toJSON", "toString", "valueOf", "toLocaleString", "constructor",
      "hasOwnProperty", "isPrototypeOf", "propertyIsEnumerable");

  /** @throws IllegalArgumentException if {@code name} is one of {@link #PROTOCOL} */
  static String checkNotProtocol(String what, String name) {
    if (PROTOCOL.contains(name)) {
      throw new IllegalArgumentException(what + " \"" + name + "\" is a name JavaScript calls by itself (promises,"
          + " JSON, conversions: " + String.join(", ", new java.util.TreeSet<>(PROTOCOL)) + "): choose another");
    }
    return name;
  }

  private Capabilities() {}

  static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("capability name \"" + name + "\" must be letters and digits, starting with"
          + " a lower-case letter, at most 32, e.g. \"billing\"");
    }
    checkNotProtocol("capability name", name);
    if (RESERVED.contains(name)) {
      throw new IllegalArgumentException("capability name \"" + name + "\" is one of Isola's own bindings ("
          + String.join(", ", new java.util.TreeSet<>(RESERVED)) + "): choose another, e.g. \"billing\"");
    }
    return name;
  }
}
