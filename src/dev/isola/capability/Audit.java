package dev.isola.capability;

/**
 * Whether an {@code Isola} records what each route's guests use, for {@link
 * dev.isola.Isola.Builder#audit}; off unless asked. The record is read with {@link
 * dev.isola.Isola#audit()} as an {@link AuditReport}: per route, the grants the handler needed, the
 * grants it never used, and what it asked for and was denied.
 */
public enum Audit {
  /**
   * Records every use and every denial; enforcement is unchanged (deny by default): what a route
   * was not granted stays denied (HTTP 403 when the guest does not handle the denial). Safe for any
   * environment; costs a little bookkeeping per capability use.
   */
  RECORD,

  /**
   * <b>For development only.</b> Records like {@link #RECORD}, and lets some uses the route was not
   * granted through, each logged as a warning and listed as a denial in the report, so one run of a
   * handler shows everything it needs. Only what an {@code Isola} declares itself and a grant could
   * have given is let through:
   *
   * <ul>
   *   <li>key-value stores registered with the {@code Isola} ({@code Builder.store}), under the
   *       call's key prefix as ever;
   *   <li>variables declared with the {@code Isola} ({@code Builder.variable});
   *   <li>application capabilities registered with it whose grant is their name ({@link NamedGrant},
   *       e.g. a {@link HostInterface});
   *   <li>outbound HTTP to origins named by a DNS name: never an IP address or {@code localhost},
   *       and {@code AddressPolicy} still refuses names that resolve to loopback, private or
   *       link-local addresses; the call's own narrowing still applies; secret headers are still
   *       sent only to the origins their grants name.
   * </ul>
   *
   * <p>Never let through: reading a secret's plain value, files outside the route's mounts, stores
   * or variables the {@code Isola} does not declare. Building an {@code Isola} in this mode logs a
   * warning. There is no manifest key for it: only code or the command line ({@code isola serve
   * --audit=permissive}) turn it on.
   */
  PERMISSIVE
}
