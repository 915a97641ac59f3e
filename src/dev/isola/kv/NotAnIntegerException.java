package dev.isola.kv;

/**
 * {@link KeyValueStore#increment} refused: the value stored under the key is not a signed 64-bit
 * decimal integer in ASCII, or adding the delta would overflow one. Nothing was changed. The message
 * quotes the key and says what is stored; {@link #reason} says the same without the key.
 */
public final class NotAnIntegerException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String reason;

  NotAnIntegerException(String key, String reason) {
    super("cannot increment key " + Keys.quote(key) + ": it " + reason);
    this.reason = reason;
  }

  /**
   * Why, without the key: for example {@code holds "abc" (3 bytes), not a signed 64-bit decimal
   * integer; put a number such as "0" first, or use another key}.
   */
  public String reason() {
    return reason;
  }
}
