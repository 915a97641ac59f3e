package dev.isola.testing;

import dev.isola.internal.capability.http.HttpTransport;
import dev.isola.internal.capability.http.OutboundHttpException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Outbound HTTP recorded once and replayed as a test: a file of the responses a handler's requests
 * got. When the file does not exist, requests reach the network (through every capability check, as
 * in production) and each response is written to it when the test ends; when it exists, requests are
 * answered from it in order, and one it has no answer for fails like a refused connection.
 *
 * <p>The file is text, one block per exchange, meant to be read and edited:
 *
 * <pre>
 * === GET https://api.example.com/users/1
 * status: 200
 * header: content-type: application/json
 * body: eyJpZCI6MX0=
 * </pre>
 *
 * <p>Only responses are stored, never the request's headers, so the secret headers the host adds
 * stay out of the file (a service that echoes them back in its body would still put them there).
 */
final class HttpCassette implements HttpTransport {
  /** One recorded exchange. */
  record Entry(String method, String url, int status, Map<String, List<String>> headers, byte[] body) {}

  private final Path file;
  private final boolean recording;
  private final @Nullable HttpTransport network;
  private final List<Entry> entries;
  private final boolean[] used;

  private HttpCassette(Path file, boolean recording, @Nullable HttpTransport network, List<Entry> entries) {
    this.file = file;
    this.recording = recording;
    this.network = network;
    this.entries = entries;
    this.used = new boolean[entries.size()];
  }

  /** Replays {@code file} if it exists, else records into it. */
  static HttpCassette open(Path file) {
    if (Files.exists(file)) {
      return new HttpCassette(file, false, null, read(file));
    }
    return new HttpCassette(file, true, HttpTransport.network(), new ArrayList<>());
  }

  boolean recording() {
    return recording;
  }

  @Override
  public synchronized Exchange exchange(Hop hop) {
    String method = hop.call().method().toUpperCase(Locale.ROOT);
    String url = hop.call().uri().toString();
    if (recording) {
      Exchange exchange = network.exchange(hop);
      entries.add(new Entry(method, url, exchange.status(), exchange.headers().map(), exchange.body()));
      return exchange;
    }
    for (int i = 0; i < entries.size(); i++) {
      Entry entry = entries.get(i);
      if (!used[i] && entry.method().equals(method) && entry.url().equals(url)) {
        used[i] = true;
        return new Exchange(entry.status(), HttpHeaders.of(entry.headers(), (name, value) -> true), entry.body());
      }
    }
    throw new OutboundHttpException("connection refused: " + hop.origin() + " (the HTTP cassette " + file.getFileName()
        + " has no unused response for " + method + " " + url + "; delete the file to record again)");
  }

  /** Writes what was recorded; nothing when replaying. */
  @Override
  public synchronized void close() {
    if (network != null) {
      network.close();
    }
    if (!recording) {
      return;
    }
    StringBuilder text = new StringBuilder("# Isola HTTP cassette: responses recorded by IsolaExtension.httpCassette;"
        + " delete this file to record again.\n");
    for (Entry entry : entries) {
      text.append("=== ").append(entry.method()).append(' ').append(entry.url()).append('\n');
      text.append("status: ").append(entry.status()).append('\n');
      entry.headers().forEach((name, values) -> {
        if (!name.startsWith(":")) {
          values.forEach(value -> text.append("header: ").append(name).append(": ").append(value).append('\n'));
        }
      });
      text.append("body: ").append(Base64.getEncoder().encodeToString(entry.body())).append('\n');
    }
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      Files.writeString(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("the HTTP cassette " + file + " cannot be written: " + e.getMessage(), e);
    }
  }

  static List<Entry> read(Path file) {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("the HTTP cassette " + file + " cannot be read: " + e.getMessage(), e);
    }
    List<Entry> entries = new ArrayList<>();
    String method = null;
    String url = null;
    int status = 0;
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int n = 0; n < lines.size(); n++) {
      String line = lines.get(n);
      String where = file + ":" + (n + 1) + ": ";
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("=== ")) {
        String[] parts = line.substring(4).split(" ", 2);
        if (parts.length != 2) {
          throw new IllegalArgumentException(where + "write \"=== METHOD URL\"");
        }
        method = parts[0].toUpperCase(Locale.ROOT);
        url = parts[1];
        status = 0;
        headers = new LinkedHashMap<>();
      } else if (method == null) {
        throw new IllegalArgumentException(where + "an exchange starts with \"=== METHOD URL\"");
      } else if (line.startsWith("status: ")) {
        try {
          status = Integer.parseInt(line.substring(8).strip());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException(where + "the status must be a number, e.g. \"status: 200\"");
        }
      } else if (line.startsWith("header: ") && line.indexOf(':', 8) > 8) {
        int colon = line.indexOf(':', 8);
        headers.computeIfAbsent(line.substring(8, colon).strip(), k -> new ArrayList<>())
            .add(line.substring(colon + 1).strip());
      } else if (line.startsWith("body: ")) {
        byte[] body;
        try {
          body = Base64.getDecoder().decode(line.substring(6).strip());
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(where + "the body must be Base64");
        }
        if (status < 100 || status > 599) {
          throw new IllegalArgumentException(where + "the exchange for " + method + " " + url + " has no status line");
        }
        entries.add(new Entry(method, url, status, headers, body));
        method = null;
      } else {
        throw new IllegalArgumentException(where + "expected \"status: \", \"header: name: value\" or \"body: \"");
      }
    }
    return entries;
  }
}
