package dev.isola.kv;

import dev.isola.IsolaException;

/**
 * A {@code put} would have crossed one of its store's {@link StoreLimits}; nothing was written.
 * Answered with 507 Insufficient Storage by HTTP adapters. The message names the store, the key,
 * the limit and how to raise it.
 */
public final class StoreQuotaExceededException extends IsolaException {
  private static final long serialVersionUID = 1L;

  /** Which limit a write would have crossed. */
  public enum Limit {
    /** {@link StoreLimits#maxValueSize()}. */
    MAX_VALUE_SIZE("max_value_size", "withMaxValueSize", "max-value-size"),
    /** {@link StoreLimits#maxKeys()}. */
    MAX_KEYS("max_keys", "withMaxKeys", "max-keys"),
    /** {@link StoreLimits#maxBytes()}. */
    MAX_BYTES("max_bytes", "withMaxBytes", "max-bytes");

    private final String key;
    private final String method;
    private final String property;

    Limit(String key, String method, String property) {
      this.key = key;
      this.method = method;
      this.property = property;
    }

    /** The name of this limit in a {@code [store.NAME]} table of {@code isola.toml}, e.g. {@code max_keys}. */
    public String key() {
      return key;
    }

    /** Where this limit is raised, for a store named {@code store} (or any store, if null). */
    String howToRaise(String store) {
      String name = store == null ? "NAME" : store;
      return "raise " + key + " in [store." + name + "] of isola.toml, isola.stores." + name + "." + property
          + " in Spring, or StoreLimits." + method + " in Java";
    }
  }

  private final Limit limit;
  private final long allowed;

  StoreQuotaExceededException(Limit limit, String problem, long allowed) {
    super(problem + "; delete keys, let them expire, or " + limit.howToRaise(null));
    this.limit = limit;
    this.allowed = allowed;
  }

  /** A copy of {@code e} whose message starts with {@code context} and names store {@code store}. */
  public StoreQuotaExceededException(String context, String store, StoreQuotaExceededException e) {
    super(context + ": key-value store \"" + store + "\" is full: " + e.problem() + "; delete keys, let them expire,"
        + " or " + e.limit.howToRaise(store), e);
    this.limit = e.limit;
    this.allowed = e.allowed;
  }

  private String problem() {
    String message = getMessage();
    int cut = message.lastIndexOf("; delete keys");
    return cut < 0 ? message : message.substring(0, cut);
  }

  /** The limit the write would have crossed. */
  public Limit limit() {
    return limit;
  }

  /** The value of that limit: bytes for the sizes, a count for {@link Limit#MAX_KEYS}. */
  public long allowed() {
    return allowed;
  }

  @Override
  public int httpStatus() {
    return 507;
  }
}
