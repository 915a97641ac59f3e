package dev.isola.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Exact bytes to a server on 127.0.0.1 and its answers read back by hand, every read bounded by a
 * timeout: for tests of what a client library would never send.
 */
final class RawHttp implements AutoCloseable {
  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  /** One answer: status line, headers by lower-cased name, body as UTF-8. */
  record Reply(String statusLine, Map<String, List<String>> headers, String body) {
    int status() {
      return Integer.parseInt(statusLine.split(" ")[1]);
    }

    Optional<String> header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }
  }

  RawHttp(int port, int timeoutMillis) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(timeoutMillis);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /** Sends {@code request} (ISO-8859-1) and reads one answer. */
  static Reply exchange(int port, String request) throws IOException {
    try (RawHttp raw = new RawHttp(port, 10_000)) {
      raw.send(request);
      return raw.read();
    }
  }

  void send(String bytes) throws IOException {
    out.write(bytes.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  void sendBytes(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** Reads one answer: framed by Content-Length, or, without one, up to the end of the connection. */
  Reply read() throws IOException {
    return read(false);
  }

  /** Reads the head of an answer to HEAD: it has no body, whatever its headers say. */
  Reply readHeadAnswer() throws IOException {
    return read(true);
  }

  private Reply read(boolean headOnly) throws IOException {
    String statusLine = line();
    if (statusLine == null) {
      throw new IOException("the server closed the connection without an answer");
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (String line = line(); line != null && !line.isEmpty(); line = line()) {
      int colon = line.indexOf(':');
      headers.computeIfAbsent(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(line.substring(colon + 1).strip());
    }
    byte[] body;
    List<String> length = headers.get("content-length");
    if (headOnly) {
      body = new byte[0];
    } else if (length != null) {
      body = in.readNBytes(Integer.parseInt(length.get(0)));
    } else if (statusLine.matches("HTTP/1\\.[01] (1..|204|304)( .*)?")) {
      body = new byte[0];
    } else {
      body = in.readAllBytes();
    }
    return new Reply(statusLine, headers, new String(body, StandardCharsets.UTF_8));
  }

  /** Whether the server has closed the connection (read until its end, within the timeout). */
  boolean closedByServer() throws IOException {
    return in.read() < 0;
  }

  private String line() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    int c = in.read();
    if (c < 0) {
      return null;
    }
    for (; c >= 0 && c != '\n'; c = in.read()) {
      if (c != '\r') {
        line.write(c);
      }
    }
    return line.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
