package dev.isola.capability;

import dev.isola.Grant;

/**
 * A grant that is only a capability's name: how routes are granted a {@link HostInterface}, and the
 * grant type of any capability without settings of its own. Made by {@link
 * dev.isola.Grants#hostInterface(String)}; in {@code isola.toml}, {@code host_interfaces = ["NAME"]}.
 *
 * @param capability the capability's {@link Capability#name()}
 */
public record NamedGrant(String capability) implements Grant {
  /** @throws IllegalArgumentException if {@code capability} is not a capability name */
  public NamedGrant {
    Capabilities.checkName(capability);
  }

  @Override
  public String toToml() {
    return "host_interfaces = [\"" + capability + "\"]";
  }
}
