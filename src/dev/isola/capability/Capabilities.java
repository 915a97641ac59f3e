package dev.isola.capability;

import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/** Rules shared by capabilities' names. */
final class Capabilities {
  private static final Pattern NAME = Pattern.compile("[a-z][a-zA-Z0-9]{0,31}");
  /** Names Isola's own bindings use in env and in isola:host. */
  static final Set<String> RESERVED = Set.of("kv", "vars", "secrets", "files", "http", "call", "fetch", "log");

  private Capabilities() {}

  static String checkName(String name) {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("capability name \"" + name + "\" must be letters and digits, starting with"
          + " a lower-case letter, at most 32, e.g. \"billing\"");
    }
    if (RESERVED.contains(name)) {
      throw new IllegalArgumentException("capability name \"" + name + "\" is one of Isola's own bindings ("
          + String.join(", ", new java.util.TreeSet<>(RESERVED)) + "): choose another, e.g. \"billing\"");
    }
    return name;
  }
}
