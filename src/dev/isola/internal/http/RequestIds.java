package dev.isola.internal.http;

import dev.isola.Request;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/** The {@code X-Request-Id} of a request: the client's when it is plain, else a new random one. */
public final class RequestIds {
  /** The header that carries the id in both directions. */
  public static final String HEADER = "X-Request-Id";

  private RequestIds() {}

  /** {@code sent} when it is a plain id ({@link Request#isPlainRequestId}), else 16 new hex digits. */
  public static String keepOrCreate(@Nullable String sent) {
    if (sent != null && Request.isPlainRequestId(sent)) {
      return sent;
    }
    return String.format("%016x", ThreadLocalRandom.current().nextLong());
  }
}
