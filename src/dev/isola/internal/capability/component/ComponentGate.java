package dev.isola.internal.capability.component;

import dev.isola.internal.capability.CallCapabilities;
import dev.isola.internal.capability.http.HttpCall;
import dev.isola.internal.capability.http.HttpResult;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Component calls for one call, behind {@link CallCapabilities}: only to components the route was
 * granted ({@code calls = ["inventory"]}), each carrying the call's time left, request id, trace and
 * depth (see {@link Components}).
 */
public final class ComponentGate {
  /** The host suffix that names a component in a URL: {@code http://inventory.internal/items}. */
  public static final String HOST_SUFFIX = ".internal";

  private ComponentGate() {}

  /**
   * The component {@code call}'s URL names ({@code http://NAME.internal/...}) if {@code NAME} is a
   * component this Isola knows, else null (then the URL is an ordinary outbound request).
   */
  public static @Nullable String componentOf(CallCapabilities gate, HttpCall call) {
    String host = call.uri().getHost();
    if (host == null || !host.toLowerCase(Locale.ROOT).endsWith(HOST_SUFFIX)) {
      return null;
    }
    String name = host.substring(0, host.length() - HOST_SUFFIX.length()).toLowerCase(Locale.ROOT);
    return gate.route().components().knows(name) ? name : null;
  }

  /** Calls component {@code name} if the route was granted it (see {@link Components#call}). */
  public static HttpResult call(CallCapabilities gate, String name, HttpCall call) {
    if (!gate.route().calls().contains(name)) {
      String what = gate.route().components().knows(name) ? "calls to component " + name
          : "calls to component " + name + " (which this Isola neither serves nor reaches remotely)";
      throw gate.deny(what, "the handler called component " + name, "calls = [\"" + name + "\"]",
          "Grants.calls(\"" + name + "\")");
    }
    if (gate.audit() != null) {
      gate.audit().called(name);
    }
    return gate.route().components().call(name, call, gate.componentHop());
  }
}
