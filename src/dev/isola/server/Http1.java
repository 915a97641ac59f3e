package dev.isola.server;

import dev.isola.internal.http.Tokens;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * HTTP/1.1 request syntax as the dev server reads it (RFC 9112, with the field rules of RFC 9110):
 * the request line and header section ({@link #readHead}), the request-target ({@link
 * #originForm}), the {@code Host} rule ({@link #checkHost}), the body's framing ({@link #framing})
 * and chunked bodies ({@link #readChunked}). Whatever it
 * cannot read unambiguously is a {@link Refusal} naming what is wrong; the connection is closed after
 * answering one, because the rest of the message cannot be found reliably.
 */
final class Http1 {
  /** The most bytes of request line and header fields (and, separately, of trailer fields). */
  static final int MAX_HEAD_BYTES = 64 * 1024;
  /** The most header fields in a request. */
  static final int MAX_FIELDS = 200;
  /** The most bytes of one chunk-size line, extensions included. */
  static final int MAX_CHUNK_LINE = 4096;
  /** Empty lines skipped before a request line (RFC 9112 §2.2). */
  private static final int MAX_LEADING_EMPTY_LINES = 8;

  private Http1() {}

  /** The most body bytes read at once, each taken from the server's {@link Room} before it is read. */
  static final int BODY_PIECE = 64 * 1024;

  /** Room for request bodies in memory, shared by a server's connections. */
  @FunctionalInterface
  interface Room {
    /** Takes {@code bytes} of room, or returns false when there is not that much left. */
    boolean take(int bytes);
  }

  /** A request the server answers with {@code status} and {@code reason} without routing it. */
  static final class Refusal extends Exception {
    private static final long serialVersionUID = 1L;
    private final int status;

    Refusal(int status, String reason) {
      super(reason, null, false, false);
      this.status = status;
    }

    int status() {
      return status;
    }
  }

  /** A header field as sent: name as spelled, value without surrounding whitespace. */
  record Field(String name, String value) {}

  /** A request line and its header fields; the target as sent (see {@link #originForm}). */
  record Head(String method, String target, String version, List<Field> fields) {
    /** Every value of the fields named {@code name} (case-insensitive), in order. */
    List<String> all(String name) {
      List<String> values = new ArrayList<>(1);
      for (Field field : fields) {
        if (field.name().equalsIgnoreCase(name)) {
          values.add(field.value());
        }
      }
      return values;
    }

    Optional<String> first(String name) {
      for (Field field : fields) {
        if (field.name().equalsIgnoreCase(name)) {
          return Optional.of(field.value());
        }
      }
      return Optional.empty();
    }

    boolean http10() {
      return version.equals("HTTP/1.0");
    }

    /** Whether the connection ends after this exchange: HTTP/1.0, or a {@code close} connection option. */
    boolean closes() {
      if (http10()) {
        return true;
      }
      for (String value : all("Connection")) {
        for (String option : value.split(",")) {
          if (option.strip().equalsIgnoreCase("close")) {
            return true;
          }
        }
      }
      return false;
    }

    /** Whether the client waits for {@code 100 Continue} before it sends the body. */
    boolean expectsContinue() {
      return !http10() && first("Expect").map(v -> v.equalsIgnoreCase("100-continue")).orElse(false);
    }
  }

  /**
   * How the body is framed: {@code chunked}, or {@code length} bytes (0 when there is none).
   */
  record Framing(boolean chunked, long length) {
    boolean hasBody() {
      return chunked || length > 0;
    }
  }

  /**
   * Reads a request line and its header section, or returns {@code null} when the connection ends
   * before a request starts.
   *
   * @throws Refusal when the head is malformed or too large
   * @throws IOException when the connection fails or ends inside the head
   */
  static @Nullable Head readHead(InputStream in) throws IOException, Refusal {
    int[] budget = {MAX_HEAD_BYTES};
    String line = readLine(in, budget, true, false);
    for (int empty = 0; line != null && line.isEmpty(); empty++) {
      if (empty == MAX_LEADING_EMPTY_LINES) {
        throw new Refusal(400, "the request starts with empty lines instead of a request line");
      }
      line = readLine(in, budget, true, false);
    }
    if (line == null) {
      return null;
    }
    int first = line.indexOf(' ');
    int second = first < 0 ? -1 : line.indexOf(' ', first + 1);
    if (first <= 0 || second < 0 || line.indexOf(' ', second + 1) >= 0) {
      throw new Refusal(400, "the request line " + quote(line) + " is not \"METHOD target HTTP/1.1\" with single spaces");
    }
    String method = line.substring(0, first);
    String target = line.substring(first + 1, second);
    String version = line.substring(second + 1);
    if (!Tokens.isToken(method)) {
      throw new Refusal(400, "the method " + quote(method) + " is not an HTTP token; use e.g. GET or POST");
    }
    if (!version.matches("HTTP/[0-9]\\.[0-9]")) {
      throw new Refusal(400, "the request line " + quote(line) + " does not end in an HTTP version such as HTTP/1.1");
    }
    if (version.charAt(5) != '1') {
      throw new Refusal(505, "HTTP version " + version + " is not supported: this server speaks HTTP/1.1 (and 1.0)");
    }
    List<Field> fields = readFields(in, budget, "header", false);
    return new Head(method, target, version.equals("HTTP/1.0") ? version : "HTTP/1.1", fields);
  }

  /**
   * The header (or trailer) fields up to the empty line that ends them.
   *
   * @param kind "header" or "trailer", for messages
   * @param crlfOnly whether a line must end in CRLF (see {@link #readChunked})
   */
  private static List<Field> readFields(InputStream in, int[] budget, String kind, boolean crlfOnly)
      throws IOException, Refusal {
    List<Field> fields = new ArrayList<>();
    while (true) {
      String line = readLine(in, budget, false, crlfOnly);
      if (line == null) {
        throw new EOFException("the connection ended inside the " + kind + " fields");
      }
      if (line.isEmpty()) {
        return fields;
      }
      if (line.charAt(0) == ' ' || line.charAt(0) == '\t') {
        throw new Refusal(400, "a " + kind + " line starts with whitespace (obsolete line folding, RFC 9112 §5.2);"
            + " send each field on one line");
      }
      int colon = line.indexOf(':');
      String name = colon < 0 ? line : line.substring(0, colon);
      if (colon <= 0 || !Tokens.isToken(name)) {
        throw new Refusal(400, "the " + kind + " line " + quote(line) + " is not \"Name: value\" with a token name"
            + " and no space before the colon");
      }
      String value = line.substring(colon + 1).strip();
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if ((c < 0x20 && c != '\t') || c == 0x7f) {
          throw new Refusal(400, "the value of " + kind + " field " + name + " holds a control character");
        }
      }
      if (fields.size() == MAX_FIELDS) {
        throw new Refusal(431, "the request has more than " + MAX_FIELDS + " " + kind + " fields");
      }
      fields.add(new Field(name, value));
    }
  }

  /**
   * One line without its ending (CRLF, or a bare LF unless {@code crlfOnly}, RFC 9112 §2.2), as
   * ISO-8859-1; {@code null} at the end of the stream before any byte. {@code budget[0]} is what the
   * head may still use.
   */
  private static @Nullable String readLine(InputStream in, int[] budget, boolean requestLine, boolean crlfOnly)
      throws IOException, Refusal {
    StringBuilder line = new StringBuilder(64);
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (line.isEmpty()) {
          return null;
        }
        throw new EOFException("the connection ended inside a line");
      }
      if (--budget[0] < 0) {
        throw requestLine
            ? new Refusal(414, "the request line is longer than " + MAX_HEAD_BYTES / 1024 + " KiB; shorten the URL")
            : new Refusal(431, "the header fields are larger than " + MAX_HEAD_BYTES / 1024 + " KiB");
      }
      if (b == '\n') {
        int end = line.length();
        if (end > 0 && line.charAt(end - 1) == '\r') {
          return line.substring(0, end - 1);
        }
        if (crlfOnly) {
          throw new Refusal(400, "a line of the chunked body ends in a bare LF; end it with CRLF (RFC 9112 §7.1)");
        }
        return line.toString();
      }
      if (!line.isEmpty() && line.charAt(line.length() - 1) == '\r') {
        throw new Refusal(400, "a line holds a carriage return that does not end it; end lines with CRLF");
      }
      line.append((char) b);
    }
  }

  /**
   * The request-target in origin form (absolute form loses its scheme and authority), checked
   * against RFC 3986: only its characters, and {@code %} only before two hex digits.
   */
  static String originForm(String target) throws Refusal {
    String origin = target;
    String lower = target.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      int authority = target.indexOf("//") + 2;
      int end = authority;
      while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
        end++;
      }
      origin = end == target.length() ? "/" : target.charAt(end) == '?' ? "/" + target.substring(end) : target.substring(end);
    } else if (!target.startsWith("/")) {
      throw new Refusal(400, "the request target " + quote(target) + " must start with '/' (e.g. /hello?x=1)"
          + " or be an absolute http(s) URL");
    }
    for (int i = 0; i < origin.length(); i++) {
      char c = origin.charAt(i);
      if (c == '%') {
        if (i + 2 >= origin.length() || Character.digit(origin.charAt(i + 1), 16) < 0
            || Character.digit(origin.charAt(i + 2), 16) < 0) {
          throw new Refusal(400, "the request target " + quote(target) + " has a '%' at index " + i
              + " that is not followed by two hex digits; write a literal '%' as %25");
        }
      } else if (!(c < 0x80 && (Character.isLetterOrDigit(c) || "-._~!$&'()*+,;=:@/?".indexOf(c) >= 0))) {
        throw new Refusal(400, "the request target " + quote(target) + " has the character "
            + (c >= 0x21 && c < 0x7f ? "'" + c + "'" : String.format("0x%02x", (int) c)) + " at index " + i
            + ", which a URL must percent-encode (e.g. %" + String.format("%02X", (int) c & 0xff) + ")");
      }
    }
    return origin;
  }

  /**
   * The authority of an absolute-form target ({@code http://a.example:8080/x} gives {@code
   * a.example:8080}), checked like a {@code Host} value; {@code null} for origin form. RFC 9112
   * §3.2.2: the server uses it in place of the {@code Host} field.
   */
  static @Nullable String absoluteAuthority(String target) throws Refusal {
    String lower = target.toLowerCase(Locale.ROOT);
    if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
      return null;
    }
    int start = target.indexOf("//") + 2;
    int end = start;
    while (end < target.length() && target.charAt(end) != '/' && target.charAt(end) != '?') {
      end++;
    }
    String authority = target.substring(start, end);
    if (authority.isEmpty() || !isHost(authority)) {
      throw new Refusal(400, "the request target " + quote(target) + " does not name a host and optional port"
          + " after its scheme, e.g. http://localhost:8080/path");
    }
    return authority;
  }

  /**
   * Whether {@code host} is {@code uri-host [":" port]} (RFC 3986 §3.2.2, §3.2.3): an IP literal in
   * brackets (IPv6 characters, or {@code v} hex {@code .} characters), or a reg-name of unreserved
   * and sub-delims characters and {@code %HH} escapes (which covers IPv4), then an optional colon and
   * digits. One pass over the text: a regular expression for it recurses per character and
   * overflows the stack on a long value.
   */
  static boolean isHost(String host) {
    int n = host.length();
    int i = 0;
    if (n > 0 && host.charAt(0) == '[') {
      int close = host.indexOf(']');
      if (close < 0 || !isIpLiteral(host.substring(1, close))) {
        return false;
      }
      i = close + 1;
    } else {
      while (i < n && host.charAt(i) != ':') {
        char c = host.charAt(i);
        if (c == '%') {
          if (i + 2 >= n || !isHex(host.charAt(i + 1)) || !isHex(host.charAt(i + 2))) {
            return false;
          }
          i += 3;
        } else if (isUnreserved(c) || SUB_DELIMS.indexOf(c) >= 0) {
          i++;
        } else {
          return false;
        }
      }
    }
    if (i < n && host.charAt(i++) != ':') {
      return false;
    }
    for (; i < n; i++) {
      if (host.charAt(i) < '0' || host.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static final String SUB_DELIMS = "!$&'()*+,;=";

  /** What is between the brackets of an IP literal: IPv6 characters, or {@code v} 1*HEXDIG "." 1*(...). */
  private static boolean isIpLiteral(String literal) {
    if (literal.isEmpty()) {
      return false;
    }
    if (literal.charAt(0) == 'v' || literal.charAt(0) == 'V') {
      int dot = literal.indexOf('.');
      if (dot < 2 || dot == literal.length() - 1) {
        return false;
      }
      for (int i = 1; i < dot; i++) {
        if (!isHex(literal.charAt(i))) {
          return false;
        }
      }
      for (int i = dot + 1; i < literal.length(); i++) {
        char c = literal.charAt(i);
        if (!(isUnreserved(c) || SUB_DELIMS.indexOf(c) >= 0 || c == ':')) {
          return false;
        }
      }
      return true;
    }
    for (int i = 0; i < literal.length(); i++) {
      char c = literal.charAt(i);
      if (!(isHex(c) || c == ':' || c == '.')) {
        return false;
      }
    }
    return true;
  }

  private static boolean isHex(char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  private static boolean isUnreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0;
  }

  /**
   * The {@code Host} rule of RFC 9112 §3.2: an HTTP/1.1 request has exactly one {@code Host} field
   * (HTTP/1.0 at most one), and its value is {@code uri-host [":" port]} (RFC 3986; it may be empty).
   */
  static void checkHost(Head head) throws Refusal {
    List<String> hosts = head.all("Host");
    if (hosts.size() > 1) {
      throw new Refusal(400, "the request has " + hosts.size() + " Host fields; send exactly one (RFC 9112 §3.2)");
    }
    if (hosts.isEmpty()) {
      if (!head.http10()) {
        throw new Refusal(400, "an HTTP/1.1 request needs a Host field, e.g. \"Host: localhost:8080\" (RFC 9112 §3.2)");
      }
      return;
    }
    String host = hosts.get(0);
    if (!isHost(host)) {
      throw new Refusal(400, "the Host field " + quote(host) + " is not a host name or address with an optional"
          + " port, e.g. \"localhost:8080\" (RFC 9112 §3.2)");
    }
  }

  /**
   * The body's framing (RFC 9112 §6.1–§6.3, RFC 9110 §8.6): {@code Transfer-Encoding: chunked}, or
   * one {@code Content-Length} of digits only, or no body. Refused: both together, more than one
   * {@code Content-Length} (even with equal values), a length that is not 1*DIGIT (such as {@code +5}
   * or {@code 5, 5}), a transfer coding other than a lone {@code chunked} (501; 400 when chunked is
   * not last, as the length cannot then be known), and {@code Transfer-Encoding} in HTTP/1.0.
   */
  static Framing framing(Head head) throws Refusal {
    List<String> lengths = head.all("Content-Length");
    List<String> encodings = head.all("Transfer-Encoding");
    if (!encodings.isEmpty()) {
      if (!lengths.isEmpty()) {
        throw new Refusal(400, "the request has both Transfer-Encoding and Content-Length, so its length is"
            + " ambiguous (RFC 9112 §6.1); send one of them");
      }
      if (head.http10()) {
        throw new Refusal(400, "an HTTP/1.0 request cannot use Transfer-Encoding (RFC 9112 §6.1);"
            + " send Content-Length or use HTTP/1.1");
      }
      List<String> codings = new ArrayList<>();
      for (String value : encodings) {
        for (String coding : value.split(",")) {
          if (!coding.isBlank()) {
            codings.add(coding.strip().toLowerCase(Locale.ROOT));
          }
        }
      }
      if (codings.isEmpty() || !codings.get(codings.size() - 1).equals("chunked")) {
        throw new Refusal(400, "Transfer-Encoding " + quote(String.join(", ", encodings)) + " does not end in chunked,"
            + " so the request's length cannot be known (RFC 9112 §6.3)");
      }
      if (codings.size() > 1) {
        throw new Refusal(501, "Transfer-Encoding " + quote(String.join(", ", encodings)) + " is not supported:"
            + " send the body with chunked alone, or with Content-Length");
      }
      return new Framing(true, -1);
    }
    if (lengths.isEmpty()) {
      return new Framing(false, 0);
    }
    if (lengths.size() > 1) {
      throw new Refusal(400, "the request has " + lengths.size() + " Content-Length fields; send exactly one"
          + " (RFC 9110 §8.6)");
    }
    String length = lengths.get(0);
    if (length.isEmpty() || length.length() > 18 || !length.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new Refusal(400, "Content-Length " + quote(length) + " is not a number of bytes: RFC 9110 §8.6 allows"
          + " digits only, e.g. Content-Length: 5");
    }
    return new Framing(false, Long.parseLong(length));
  }

  /**
   * Reads a chunked body (RFC 9112 §7.1), or returns {@code null} as soon as it is known to be longer
   * than {@code max} bytes (a chunk size says so before its data is read). Chunk extensions are
   * ignored (§7.1.1); trailer fields are read and discarded (§7.1.2), as the body has been handed on
   * by the time they arrive. Its data is read as {@link #readBody} reads it. Every line of the coding, and the data of each chunk, must end in CRLF:
   * the bare LF that a head may end its lines with is not accepted here, as a proxy in front that
   * reads the chunks differently would see another end of the message.
   *
   * @throws Refusal when the chunked coding is malformed
   * @throws IOException when the connection fails or ends inside the body
   */
  static byte @Nullable [] readChunked(InputStream in, long max, Room room) throws IOException, Refusal {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    long total = 0;
    while (true) {
      int[] budget = {MAX_CHUNK_LINE};
      String line;
      try {
        line = readLine(in, budget, false, true);
      } catch (Refusal r) {
        throw r.status() == 431 ? new Refusal(400, "a chunk-size line is longer than " + MAX_CHUNK_LINE + " bytes") : r;
      }
      if (line == null) {
        throw new EOFException("the connection ended inside a chunked body");
      }
      long size = chunkSize(line);
      if (size == 0) {
        readFields(in, new int[] {MAX_HEAD_BYTES}, "trailer", true);
        return body.toByteArray();
      }
      if (size > Math.min(max, Integer.MAX_VALUE - 8) - total) { // a Java array holds at most that much
        return null;
      }
      readBody(in, (int) size, body, room);
      total += size;
      int cr = in.read();
      int lf = cr == '\r' ? in.read() : cr;
      if (lf < 0) {
        throw new EOFException("the connection ended inside a chunked body");
      }
      if (cr != '\r' || lf != '\n') {
        throw new Refusal(400, "a chunk of the body is not followed by CRLF: it is longer than its size line says ("
            + size + " bytes), or ends in a bare LF");
      }
    }
  }

  /**
   * Reads {@code length} bytes of body into {@code body}, {@link #BODY_PIECE} at a time, each taken
   * from {@code room} before it is read: the server's memory for bodies is counted by what has
   * arrived, not by what a client declares.
   *
   * @throws Refusal 503 when {@code room} has no more
   * @throws IOException when the connection fails or ends first
   */
  static void readBody(InputStream in, int length, ByteArrayOutputStream body, Room room)
      throws IOException, Refusal {
    byte[] piece = new byte[Math.min(length, BODY_PIECE)];
    for (int left = length; left > 0; ) {
      int n = Math.min(left, piece.length);
      if (!room.take(n)) {
        throw new Refusal(503, "the server holds as many request bodies in memory as it may; retry shortly");
      }
      if (in.readNBytes(piece, 0, n) < n) {
        throw new EOFException("the connection ended inside the body, " + left + " bytes before its end");
      }
      body.write(piece, 0, n);
      left -= n;
    }
  }

  /**
   * The size of a chunk-size line: hex digits (leading zeros allowed, at most 15 others), then
   * optional extensions ({@code *( BWS ";" ... )}).
   */
  private static long chunkSize(String line) throws Refusal {
    int digits = 0;
    int zeros = 0;
    while (digits < line.length() && Character.digit(line.charAt(digits), 16) >= 0 && line.charAt(digits) < 0x80) {
      if (line.charAt(digits) == '0' && zeros == digits) {
        zeros++;
      }
      digits++;
    }
    if (digits == 0 || digits - zeros > 15) {
      throw new Refusal(400, "the chunk-size line " + quote(line) + (digits == 0 ? " does not start with a hex size"
          : " has a size too large for this server"));
    }
    int rest = digits;
    while (rest < line.length() && (line.charAt(rest) == ' ' || line.charAt(rest) == '\t')) {
      rest++;
    }
    if (rest < line.length() && line.charAt(rest) != ';') {
      throw new Refusal(400, "the chunk-size line " + quote(line) + " has something other than a chunk extension"
          + " (\";name=value\") after its size");
    }
    for (int i = rest; i < line.length(); i++) {
      char c = line.charAt(i);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        throw new Refusal(400, "the chunk-size line holds a control character");
      }
    }
    return digits == zeros ? 0 : Long.parseLong(line.substring(zeros, digits), 16);
  }


  /** {@code text} in quotes, cut to 80 characters, with anything outside printable ASCII escaped. */
  static String quote(String text) {
    String cut = text.length() > 80 ? text.substring(0, 80) + "…" : text;
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      b.append(c >= 0x20 && c < 0x7f || c == '…' ? String.valueOf(c) : String.format("\\x%02x", (int) c));
    }
    return b.append('"').toString();
  }

  /** {@code text} as ISO-8859-1 bytes: what a header line is made of. */
  static byte[] latin1(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }
}
