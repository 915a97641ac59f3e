package dev.isola;

/**
 * One capability granted to a route (with {@link Handler#grants(Grant...)}) or to every route (with
 * {@link Isola.Builder#defaultGrants(Grant...)}). A route with no grant can compute and answer,
 * nothing else. Create grants with {@link Grants}; names are checked against what the {@link Isola}
 * declares when it is built. An application capability ({@link dev.isola.capability.Capability})
 * defines its own grant type, or uses {@link dev.isola.capability.NamedGrant}.
 */
public interface Grant {
  /**
   * The name of the capability this grants: {@code kv}, {@code http}, {@code vars}, {@code secrets}
   * or {@code files} for Isola's own, else an application capability's {@link
   * dev.isola.capability.Capability#name()}.
   */
  String capability();

  /** How the grant is written in {@code isola.toml}, for messages. */
  String toToml();
}
