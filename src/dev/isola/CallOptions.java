package dev.isola;

import dev.isola.internal.capability.http.OriginAllowList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * How the embedder narrows one call's grants, e.g. to one tenant: {@code isola.handle(request,
 * CallOptions.newBuilder().keyPrefix("tenant-42/").build())}. Options only ever take away: a call
 * can never reach more than its route was granted. The components a narrowed call calls on this
 * node are narrowed the same way (their keys live under the same prefix); a call to a component on
 * another node, which could not be narrowed there, fails instead.
 */
public final class CallOptions {
  private static final CallOptions NONE = new CallOptions("", null, null, java.util.Map.of());

  private final String keyPrefix;
  private final List<String> outboundHttp;
  private final java.time.Duration timeout;
  private final java.util.Map<String, Object> narrowings;

  private CallOptions(String keyPrefix, List<String> outboundHttp, java.time.Duration timeout,
      java.util.Map<String, Object> narrowings) {
    this.keyPrefix = keyPrefix;
    this.outboundHttp = outboundHttp;
    this.timeout = timeout;
    this.narrowings = java.util.Map.copyOf(narrowings);
  }

  /**
   * What the embedder passed to narrow capability {@code capability} for this call ({@link
   * dev.isola.capability.Capability#narrow}), if anything.
   */
  public Optional<Object> narrowing(String capability) {
    return Optional.ofNullable(narrowings.get(capability));
  }

  /** The names of the capabilities narrowed with {@link Builder#narrow}, if any. */
  public java.util.Set<String> narrowedCapabilities() {
    return narrowings.keySet();
  }

  /** The embedder's own time budget for the call, if set: the sooner of it and the route's timeout wins. */
  public Optional<java.time.Duration> timeout() {
    return Optional.ofNullable(timeout);
  }

  /** No narrowing: the route's grants as they are. */
  public static CallOptions none() {
    return NONE;
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  /** The prefix every key-value key of the call is stored under; empty for none. */
  public String keyPrefix() {
    return keyPrefix;
  }

  /** The origins the call is narrowed to, if it is: a request must be allowed by these and by the route's grant. */
  public Optional<List<String>> outboundHttp() {
    return Optional.ofNullable(outboundHttp);
  }

  @Override
  public String toString() {
    return "CallOptions{keyPrefix=\"" + keyPrefix + "\"" + (outboundHttp == null ? "" : ", outboundHttp=" + outboundHttp)
        + "}";
  }

  /** Builds {@link CallOptions}; not thread-safe. */
  public static final class Builder {
    private String keyPrefix = "";
    private List<String> outboundHttp;
    private java.time.Duration timeout;
    private final java.util.Map<String, Object> narrowings = new java.util.HashMap<>();

    private Builder() {}

    /**
     * Narrows the call's use of the application capability {@code capability} (a {@link
     * dev.isola.capability.Capability} registered with {@link Isola.Builder#capability}): the
     * capability's {@code narrow} gets {@code narrowing} and answers what this call may do, never
     * more than the route was granted. {@code handle} throws {@link IllegalArgumentException} for a
     * name the {@code Isola} does not register; a value the capability refuses (a host interface
     * takes none) fails the call when the guest first uses the capability.
     */
    public Builder narrow(String capability, Object narrowing) {
      narrowings.put(Objects.requireNonNull(capability, "capability"), Objects.requireNonNull(narrowing, "narrowing"));
      return this;
    }

    /**
     * Ends the call after {@code timeout} if that is sooner than its route's timeout, e.g. the time
     * left of the embedder's own request deadline.
     *
     * @throws IllegalArgumentException if not positive
     */
    public Builder timeout(java.time.Duration timeout) {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("timeout " + timeout + " must be positive");
      }
      this.timeout = timeout;
      return this;
    }

    /**
     * Stores the call's key-value keys under {@code prefix}: the guest reads and lists only keys
     * under it, without seeing the prefix. End it with a separator ({@code "tenant-4/"}), or the
     * keys of {@code "tenant-42"} would be under it too; it counts toward the 512-byte key limit.
     */
    public Builder keyPrefix(String prefix) {
      Objects.requireNonNull(prefix, "prefix");
      if (prefix.indexOf('\0') >= 0) {
        throw new IllegalArgumentException("key prefix must not contain NUL");
      }
      this.keyPrefix = prefix;
      return this;
    }

    /**
     * Lets the call reach only these origins, of those its route was granted (a request must pass
     * both lists).
     *
     * @throws IllegalArgumentException if an origin is malformed, naming it
     */
    public Builder outboundHttp(String... origins) {
      List<String> list = List.of(origins);
      OriginAllowList.of(list);
      this.outboundHttp = list;
      return this;
    }

    public CallOptions build() {
      return new CallOptions(keyPrefix, outboundHttp, timeout, narrowings);
    }
  }
}
