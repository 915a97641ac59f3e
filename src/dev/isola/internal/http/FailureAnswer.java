package dev.isola.internal.http;

import dev.isola.CapabilityDeniedException;
import dev.isola.DataSize;
import dev.isola.GuestException;
import dev.isola.IsolaException;
import dev.isola.LimitExceededException;
import dev.isola.OverloadedException;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;
import org.slf4j.Logger;

/**
 * The short plain-text answer an adapter writes itself: for a failed call, a body too large, a
 * request that cannot be mapped. The text names the request id and never the exception's message or
 * guest stack (those go to the log, see {@link #log}).
 *
 * @param status the HTTP status
 * @param text the body, e.g. {@code "504 Gateway Timeout: the handler ran past its timeout (request id 7f); see the server log\n"}
 * @param retryAfterSeconds the {@code Retry-After} value to send, for 503
 * @param closeConnection whether to ask the client to close the connection (the rest of the body was not read)
 */
public record FailureAnswer(int status, String text, OptionalLong retryAfterSeconds, boolean closeConnection) {
  /** The content type of {@link #text()}. */
  public static final String CONTENT_TYPE = "text/plain; charset=utf-8";

  /** The answer to a call that ended with {@code e}: its {@link IsolaException#httpStatus()}. */
  public static FailureAnswer of(IsolaException e, String requestId) {
    int status = e.httpStatus();
    OptionalLong retryAfter = status == 503
        ? OptionalLong.of(e instanceof OverloadedException o ? Math.max(1, o.retryAfter().toSeconds()) : 1)
        : OptionalLong.empty();
    return new FailureAnswer(status, text(status, what(e) + " (request id " + requestId + "); see the server log"),
        retryAfter, false);
  }

  /** 413 for a body past the route's {@code maxRequestBody}; the connection is closed after it. */
  public static FailureAnswer tooLarge(DataSize max, String requestId) {
    return new FailureAnswer(413, text(413, "the request body is larger than this route's max_request_body of "
        + max + " (request id " + requestId + "); send less"), OptionalLong.empty(), true);
  }

  /** 400 for a request that cannot become an Isola request; {@code reason} is Isola's own validation message. */
  public static FailureAnswer badRequest(String reason, String requestId) {
    return new FailureAnswer(400, text(400, "the request cannot be mapped: " + reason + " (request id " + requestId
        + ")"), OptionalLong.empty(), false);
  }

  /**
   * An answer to a request whose HTTP message itself is refused (malformed, ambiguous framing, an
   * unsupported version): {@code status} (400, 408, 414, 431, 501 or 505) and {@code reason}, a
   * sentence naming what is wrong and what to send instead. The connection is closed after it, since
   * the rest of the message cannot be read reliably.
   */
  public static FailureAnswer refused(int status, String reason, String requestId) {
    return new FailureAnswer(status, text(status, reason + " (request id " + requestId + ")"), OptionalLong.empty(),
        true);
  }

  /** 503 with {@code Retry-After: 1} for a request the server has no room to queue. */
  public static FailureAnswer serverBusy(String requestId) {
    return new FailureAnswer(503, text(503, "the server is busy, retry shortly (request id " + requestId + ")"),
        OptionalLong.of(1), false);
  }

  /** 500 for a failure outside the handler. */
  public static FailureAnswer serverFailed(String requestId) {
    return new FailureAnswer(500, text(500, "the server failed (request id " + requestId + "); see the server log"),
        OptionalLong.empty(), false);
  }

  /** {@link #text()} as UTF-8. */
  public byte[] body() {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Logs a failed call at WARN with the request id: the message and guest stack for the guest's own
   * failures and crossed limits (Java frames are noise there), the full exception otherwise.
   */
  public static void log(Logger log, String method, String target, String requestId, IsolaException e) {
    int status = e.httpStatus();
    if (e instanceof GuestException || e instanceof LimitExceededException) {
      // The messages of Isola's exceptions start with the route; a guest's own stack is not in the Java one.
      String guestStack = e instanceof GuestException g ? g.guestStack().map(s -> "\nguest stack:\n" + s).orElse("") : "";
      log.warn("{} {} -> {} (request id {}): {}{}", method, target, status, requestId, e.getMessage(), guestStack);
    } else {
      log.warn("{} {} -> {} (request id {}): {}", method, target, status, requestId, e.getMessage(), e);
    }
  }

  /** A few words on what went wrong, safe to show a client: no message, no guest internals. */
  private static String what(IsolaException e) {
    return switch (e) {
      case LimitExceededException l -> switch (l.limit()) {
        case TIMEOUT -> "the handler ran past its timeout";
        case MEMORY -> "the handler ran past its memory limit";
        case REQUEST_BODY -> "the request body is too large";
        case RESPONSE_BODY -> "the handler's response was too large";
      };
      case GuestException g -> "the handler failed";
      case OverloadedException o -> "the route is busy, retry shortly";
      case CapabilityDeniedException c -> "the handler was denied a capability";
      default -> "the call failed";
    };
  }

  private static String text(int status, String detail) {
    String reason = ResponseRules.reasonPhrase(status);
    return status + " " + (reason.isEmpty() ? "Error" : reason) + ": " + detail + "\n";
  }


}
