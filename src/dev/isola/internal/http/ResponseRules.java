package dev.isola.internal.http;

import java.util.Locale;
import java.util.Set;

/** What an adapter writes of a handler's {@link dev.isola.Response} and what the server owns. */
public final class ResponseRules {
  /** Response headers the server itself manages; a handler's values for them are dropped. */
  private static final Set<String> SERVER_OWNED = Set.of(
      "connection", "content-length", "keep-alive", "proxy-connection", "te", "trailer",
      "transfer-encoding", "upgrade", "date", RequestIds.HEADER.toLowerCase(Locale.ROOT));

  private ResponseRules() {}

  /** Whether a handler's response header {@code name} is dropped: hop-by-hop, framing, date, request id. */
  public static boolean isServerOwned(String name) {
    return SERVER_OWNED.contains(name.toLowerCase(Locale.ROOT));
  }

  /** The reason phrase of {@code status} (RFC 9110 §15), e.g. "Not Found"; empty for codes it does not name. */
  public static String reasonPhrase(int status) {
    return switch (status) {
      case 200 -> "OK";
      case 201 -> "Created";
      case 202 -> "Accepted";
      case 203 -> "Non-Authoritative Information";
      case 204 -> "No Content";
      case 205 -> "Reset Content";
      case 206 -> "Partial Content";
      case 300 -> "Multiple Choices";
      case 301 -> "Moved Permanently";
      case 302 -> "Found";
      case 303 -> "See Other";
      case 304 -> "Not Modified";
      case 307 -> "Temporary Redirect";
      case 308 -> "Permanent Redirect";
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 406 -> "Not Acceptable";
      case 408 -> "Request Timeout";
      case 409 -> "Conflict";
      case 410 -> "Gone";
      case 411 -> "Length Required";
      case 412 -> "Precondition Failed";
      case 413 -> "Content Too Large";
      case 414 -> "URI Too Long";
      case 415 -> "Unsupported Media Type";
      case 416 -> "Range Not Satisfiable";
      case 417 -> "Expectation Failed";
      case 418 -> "I'm a teapot";
      case 421 -> "Misdirected Request";
      case 422 -> "Unprocessable Content";
      case 426 -> "Upgrade Required";
      case 428 -> "Precondition Required";
      case 429 -> "Too Many Requests";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 501 -> "Not Implemented";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      case 504 -> "Gateway Timeout";
      case 505 -> "HTTP Version Not Supported";
      default -> "";
    };
  }

  /** Whether an answer to {@code method} with {@code status} and a body of {@code length} bytes has none. */
  public static boolean hasNoBody(String method, int status, int length) {
    return method.equalsIgnoreCase("HEAD") || status < 200 || status == 204 || status == 304 || length == 0;
  }
}
