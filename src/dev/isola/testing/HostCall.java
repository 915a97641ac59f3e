package dev.isola.testing;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One call a guest made on a host interface faked with {@link IsolaExtension#hostInterface}.
 *
 * @param hostInterface the host interface's name
 * @param operation the method called
 * @param arguments the arguments as the fake received them
 */
public record HostCall(String hostInterface, String operation, List<@Nullable Object> arguments) {
  public HostCall {
    arguments = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(arguments));
  }
}
