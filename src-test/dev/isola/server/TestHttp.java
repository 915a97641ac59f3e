package dev.isola.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A tiny HTTP client for the server tests, on {@link HttpURLConnection} (module java.base: the tests
 * compile inside module {@code dev.isola}, which does not read {@code java.net.http}).
 */
final class TestHttp {
  private TestHttp() {}

  /** One answer: status, headers by lower-cased name, body as UTF-8. */
  record Reply(int status, Map<String, List<String>> headers, String body) {
    Optional<String> header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }
  }

  /** A request; {@code body} is sent with Content-Length, or chunked when {@code chunked}. */
  static Reply call(String method, URI uri, Map<String, String> headers, byte[] body, boolean chunked)
      throws IOException {
    HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
    try {
      connection.setConnectTimeout(5000);
      connection.setReadTimeout(30_000);
      connection.setRequestMethod(method);
      headers.forEach(connection::setRequestProperty);
      if (body.length > 0 || chunked) {
        connection.setDoOutput(true);
        if (chunked) {
          connection.setChunkedStreamingMode(512);
        } else {
          connection.setFixedLengthStreamingMode(body.length);
        }
        try (OutputStream out = connection.getOutputStream()) {
          out.write(body);
        }
      }
      int status = connection.getResponseCode();
      Map<String, List<String>> replyHeaders = new LinkedHashMap<>();
      connection.getHeaderFields().forEach((name, values) -> {
        if (name != null) {
          replyHeaders.put(name.toLowerCase(Locale.ROOT), values);
        }
      });
      InputStream in = status >= 400 ? connection.getErrorStream() : connection.getInputStream();
      String text = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return new Reply(status, replyHeaders, text);
    } finally {
      connection.disconnect();
    }
  }

  static Reply get(URI uri) throws IOException {
    return call("GET", uri, Map.of(), new byte[0], false);
  }

  static Reply post(URI uri, Map<String, String> headers, String body) throws IOException {
    return call("POST", uri, headers, body.getBytes(StandardCharsets.UTF_8), false);
  }
}
