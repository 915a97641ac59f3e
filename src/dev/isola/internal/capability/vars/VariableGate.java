package dev.isola.internal.capability.vars;

import dev.isola.internal.capability.CallCapabilities;

/** Variables for one call, behind {@link CallCapabilities}: a granted variable's value, else a denial. */
public final class VariableGate {
  private VariableGate() {}


  public static String read(CallCapabilities call, String name) {
    String value = call.route().variables().get(name);
    if (value == null && call.audit() != null) {
      value = call.audit().ungrantedVariable(name);
    }
    if (value == null) {
      String shown = CallCapabilities.escaped(name);
      throw call.deny("the variable \"" + shown + "\"", "the handler read variable \"" + shown + "\"",
          "variables = [\"" + shown + "\"]", "Grants.variables(\"" + shown + "\")");
    }
    if (call.audit() != null) {
      call.audit().variable(name);
    }
    return value;
  }
}
