package dev.isola.internal.wasm;

import dev.isola.GuestException;
import dev.isola.Headers;
import dev.isola.LimitExceededException;
import dev.isola.LimitExceededException.Limit;
import dev.isola.Request;
import dev.isola.Response;
import dev.isola.internal.engine.Call;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The CGI side of WAGI (RFC 3875, as WAGI uses it): the request as environment variables, and the
 * program's stdout read back as a response.
 *
 * <p>Variables: {@code GATEWAY_INTERFACE=CGI/1.1}, {@code SERVER_PROTOCOL=HTTP/1.1}, {@code
 * SERVER_SOFTWARE=Isola}, {@code REQUEST_METHOD}, {@code REQUEST_URI} (path and query as sent),
 * {@code SCRIPT_NAME} (empty), {@code PATH_INFO} (the path, percent-decoded), {@code
 * X_RAW_PATH_INFO} (the path as sent), {@code QUERY_STRING} (as sent, without {@code ?}; empty if
 * none), {@code CONTENT_TYPE} and {@code CONTENT_LENGTH} (when the request has them or a body),
 * {@code SERVER_NAME} and {@code SERVER_PORT} (from {@code Host}, else the request's origin, else
 * {@code localhost} and 80), {@code HTTP_<NAME>} for every other header
 * (upper case, each character other than a letter or digit as {@code _}, repeated headers joined
 * with {@code ", "}; {@code Proxy} is never passed, see httpoxy), {@code X_MATCHED_ROUTE}, {@code
 * X_PARAM_<NAME>} for each route parameter (name in upper case), {@code X_PATH_TAIL} (what a
 * {@code /...} route matched, else empty) and {@code X_REQUEST_ID}.
 */
final class Cgi {
  /** The most bytes of header lines a response may start with. */
  static final int MAX_HEADER_BYTES = 64 * 1024;

  private Cgi() {}

  /** The CGI environment of {@code call}, sorted by name. */
  static Map<String, String> environment(Call call) {
    Request request = call.request();
    Map<String, String> env = new TreeMap<>();
    env.put("GATEWAY_INTERFACE", "CGI/1.1");
    env.put("SERVER_PROTOCOL", "HTTP/1.1");
    env.put("SERVER_SOFTWARE", "Isola");
    env.put("REQUEST_METHOD", request.method());
    String query = request.query().orElse("");
    env.put("REQUEST_URI", request.path() + (request.query().isPresent() ? "?" + query : ""));
    env.put("SCRIPT_NAME", "");
    env.put("PATH_INFO", percentDecode(request.path()));
    env.put("X_RAW_PATH_INFO", request.path());
    env.put("QUERY_STRING", query);
    request.headers().first("Content-Type").ifPresent(type -> env.put("CONTENT_TYPE", type));
    if (request.bodyLength() > 0 || request.headers().contains("Content-Length")) {
      env.put("CONTENT_LENGTH", Integer.toString(request.bodyLength()));
    }
    String authority = request.headers().first("Host")
        .or(() -> request.origin().map(origin -> origin.substring(origin.indexOf("://") + 3)))
        .orElse("localhost");
    boolean https = request.origin().map(origin -> origin.startsWith("https:")).orElse(false);
    env.put("SERVER_NAME", hostName(authority));
    env.put("SERVER_PORT", port(authority).orElse(https ? "443" : "80"));
    for (String header : request.headers().names()) {
      String lower = header.toLowerCase(Locale.ROOT);
      if (lower.equals("content-type") || lower.equals("content-length") || lower.equals("proxy")) {
        continue;
      }
      env.merge("HTTP_" + variable(header), String.join(", ", request.headers().all(header)), (a, b) -> a + ", " + b);
    }
    env.put("X_MATCHED_ROUTE", call.route());
    call.params().forEach((name, value) -> env.put("X_PARAM_" + variable(name), value));
    env.put("X_PATH_TAIL", call.tail());
    env.put("X_REQUEST_ID", call.requestId());
    return env;
  }

  /** {@code name} in upper case with every character other than an ASCII letter or digit as {@code _}. */
  static String variable(String name) {
    StringBuilder b = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      b.append(c < 128 && Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
    }
    return b.toString();
  }

  private static String hostName(String host) {
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      return end < 0 ? host : host.substring(0, end + 1);
    }
    int colon = host.indexOf(':');
    return colon < 0 ? host : host.substring(0, colon);
  }

  private static java.util.Optional<String> port(String authority) {
    int colon = authority.lastIndexOf(':');
    String port = colon < 0 || authority.indexOf(']', colon) >= 0 ? "" : authority.substring(colon + 1);
    return !port.isEmpty() && port.chars().allMatch(c -> c >= '0' && c <= '9')
        ? java.util.Optional.of(port) : java.util.Optional.empty();
  }

  /**
   * Decodes %XX escapes as UTF-8 (the router has already refused malformed ones); characters sent
   * unescaped, even outside ASCII, stay as they are.
   */
  private static String percentDecode(String path) {
    if (path.indexOf('%') < 0) {
      return path;
    }
    byte[] raw = path.getBytes(StandardCharsets.UTF_8);
    byte[] out = new byte[raw.length];
    int n = 0;
    for (int i = 0; i < raw.length; i++) {
      if (raw[i] == '%' && i + 2 < raw.length && hex(raw[i + 1]) >= 0 && hex(raw[i + 2]) >= 0) {
        out[n++] = (byte) (hex(raw[i + 1]) * 16 + hex(raw[i + 2]));
        i += 2;
      } else {
        out[n++] = raw[i];
      }
    }
    return new String(out, 0, n, StandardCharsets.UTF_8);
  }

  private static int hex(byte b) {
    return Character.digit(b, 16);
  }

  /**
   * Reads a CGI response: header lines ({@code Name: value}, ending in LF or CRLF), a blank line,
   * the body. {@code Status: 404 Not Found} sets the status, which must be a final one (200 to 599);
   * a {@code Location} without a {@code Status} answers 302; otherwise 200.
   *
   * @param out the program's stdout; only the first {@code size} bytes count
   * @throws GuestException (502) when the output is not a CGI response, naming what is wrong
   * @throws LimitExceededException when the body is larger than {@code maxBody}
   */
  static Response parse(String route, String program, byte[] out, int size, long maxBody) {
    String prefix = program + " did not answer with a CGI response: ";
    if (size == 0) {
      throw malformed(route, prefix + "it wrote nothing to stdout; print headers such as"
          + " \"Content-Type: text/plain\", a blank line, then the body");
    }
    Response.Builder response = Response.newBuilder();
    Headers.Builder headers = Headers.newBuilder();
    int status = -1;
    boolean location = false;
    int pos = 0;
    int lineNumber = 0;
    while (true) {
      int end = indexOf(out, (byte) '\n', pos, Math.min(size, MAX_HEADER_BYTES));
      if (end < 0) {
        throw malformed(route, prefix + (size > MAX_HEADER_BYTES && pos < MAX_HEADER_BYTES
            ? "its header lines run past " + MAX_HEADER_BYTES / 1024 + " KiB without a blank line"
            : "its output has no blank line after the header lines (it starts with " + excerpt(out, size) + ")"));
      }
      lineNumber++;
      int lineEnd = end > pos && out[end - 1] == '\r' ? end - 1 : end;
      String line = new String(out, pos, lineEnd - pos, StandardCharsets.ISO_8859_1);
      pos = end + 1;
      if (line.isEmpty()) {
        if (lineNumber == 1) {
          throw malformed(route, prefix + "it starts with a blank line, so it has no header lines; print at least"
              + " \"Content-Type: ...\" before the blank line");
        }
        break;
      }
      int colon = line.indexOf(':');
      if (colon <= 0) {
        throw malformed(route, prefix + "header line " + lineNumber + " (" + quote(line)
            + ") is not \"Name: value\"");
      }
      String name = line.substring(0, colon);
      String value = line.substring(colon + 1).strip();
      try {
        if (name.equalsIgnoreCase("Status")) {
          status = status(value);
          response.status(status); // refuses what is not a final status (Response.Builder.status)
        } else {
          location |= name.equalsIgnoreCase("Location");
          headers.add(name, value);
        }
      } catch (IllegalArgumentException e) {
        throw malformed(route, prefix + "header line " + lineNumber + " (" + quote(line) + "): " + e.getMessage());
      }
    }
    int bodyLength = size - pos;
    if (bodyLength > maxBody) {
      throw new LimitExceededException(route, Limit.RESPONSE_BODY, program + " answered with a body of "
          + bodyLength + " bytes, more than max_response_body " + maxBody + " bytes; send less or raise maxResponseBody");
    }
    return response.status(status > 0 ? status : location ? 302 : 200)
        .headers(headers.build())
        .body(Arrays.copyOfRange(out, pos, size))
        .build();
  }

  private static int status(String value) {
    int space = value.indexOf(' ');
    String code = space < 0 ? value : value.substring(0, space);
    if (code.length() != 3 || !code.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("Status must start with a three-digit code, e.g. \"Status: 404 Not Found\"");
    }
    return Integer.parseInt(code);
  }

  private static int indexOf(byte[] bytes, byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static String excerpt(byte[] out, int size) {
    return quote(new String(out, 0, Math.min(size, 60), StandardCharsets.ISO_8859_1));
  }

  private static String quote(String text) {
    String cut = text.length() > 60 ? text.substring(0, 60) + "…" : text;
    StringBuilder b = new StringBuilder("\"");
    cut.chars().forEach(c -> b.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c) : String.format("\\x%02x", c)));
    return b.append('"').toString();
  }

  private static GuestException malformed(String route, String message) {
    return new GuestException(route, message, "", 502);
  }
}
