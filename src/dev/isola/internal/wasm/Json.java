package dev.isola.internal.wasm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Just enough JSON for the Extism HTTP request object ({@code {"url": ..., "method": ...,
 * "headers": {...}}}) and the headers Isola answers with: objects, arrays, strings, numbers, true,
 * false, null. Malformed input throws {@link IllegalArgumentException} naming the position.
 */
final class Json {
  private static final int MAX_DEPTH = 32;

  private final String text;
  private int at;

  private Json(String text) {
    this.text = text;
  }

  /** Parses a JSON object into maps, lists, strings, doubles, booleans and nulls. */
  static Map<String, Object> parseObject(String text) {
    Json json = new Json(text);
    json.space();
    if (json.peek() != '{') {
      throw json.error("expected an object");
    }
    @SuppressWarnings("unchecked")
    Map<String, Object> object = (Map<String, Object>) json.value(0);
    json.space();
    if (json.at != text.length()) {
      throw json.error("unexpected text after the object");
    }
    return object;
  }

  /**
   * The outbound request a guest describes as {@code {"url": ..., "method": ..., "headers": {...}}}
   * (the Extism shape, used by Isola's own Wasm host function too), with {@code body}.
   *
   * @throws IllegalArgumentException naming what is wrong, fit for the guest
   */
  static dev.isola.internal.capability.HttpCall httpCall(String json, byte[] body) {
    Map<String, Object> request = parseObject(json);
    if (!(request.get("url") instanceof String url)) {
      throw new IllegalArgumentException("the request needs a \"url\" string");
    }
    String method = request.get("method") instanceof String m ? m : "GET";
    Map<String, List<String>> headers = new LinkedHashMap<>();
    if (request.get("headers") instanceof Map<?, ?> map) {
      map.forEach((k, v) -> {
        if (v instanceof String value) {
          headers.put(String.valueOf(k), List.of(value));
        }
      });
    }
    java.net.URI uri;
    try {
      uri = java.net.URI.create(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("url \"" + (url.length() > 80 ? url.substring(0, 80) + "…" : url)
          + "\" is not a URL");
    }
    return new dev.isola.internal.capability.HttpCall(method, uri, headers, body);
  }

  /** {@code value} as a JSON string literal. */
  static String quote(String value) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  private Object value(int depth) {
    if (depth > MAX_DEPTH) {
      throw error("nested deeper than " + MAX_DEPTH);
    }
    space();
    char c = peek();
    switch (c) {
      case '{' -> {
        at++;
        Map<String, Object> object = new LinkedHashMap<>();
        space();
        if (peek() == '}') {
          at++;
          return object;
        }
        while (true) {
          space();
          if (peek() != '"') {
            throw error("expected a key");
          }
          String key = string();
          space();
          expect(':');
          object.put(key, value(depth + 1));
          space();
          if (peek() == ',') {
            at++;
          } else {
            expect('}');
            return object;
          }
        }
      }
      case '[' -> {
        at++;
        List<Object> array = new ArrayList<>();
        space();
        if (peek() == ']') {
          at++;
          return array;
        }
        while (true) {
          array.add(value(depth + 1));
          space();
          if (peek() == ',') {
            at++;
          } else {
            expect(']');
            return array;
          }
        }
      }
      case '"' -> {
        return string();
      }
      default -> {
        for (String word : new String[] {"true", "false", "null"}) {
          if (text.startsWith(word, at)) {
            at += word.length();
            return word.equals("null") ? null : Boolean.valueOf(word);
          }
        }
        int start = at;
        while (at < text.length() && "+-0123456789.eE".indexOf(text.charAt(at)) >= 0) {
          at++;
        }
        try {
          return Double.valueOf(text.substring(start, at));
        } catch (NumberFormatException e) {
          at = start;
          throw error("expected a value");
        }
      }
    }
  }

  private String string() {
    expect('"');
    StringBuilder b = new StringBuilder();
    while (true) {
      if (at >= text.length()) {
        throw error("unterminated string");
      }
      char c = text.charAt(at++);
      if (c == '"') {
        return b.toString();
      }
      if (c != '\\') {
        b.append(c);
        continue;
      }
      char e = at < text.length() ? text.charAt(at++) : '?';
      switch (e) {
        case '"', '\\', '/' -> b.append(e);
        case 'b' -> b.append('\b');
        case 'f' -> b.append('\f');
        case 'n' -> b.append('\n');
        case 'r' -> b.append('\r');
        case 't' -> b.append('\t');
        case 'u' -> {
          if (at + 4 > text.length()) {
            throw error("short \\u escape");
          }
          try {
            b.append((char) Integer.parseInt(text.substring(at, at + 4), 16));
          } catch (NumberFormatException x) {
            throw error("bad \\u escape");
          }
          at += 4;
        }
        default -> throw error("bad escape \\" + e);
      }
    }
  }

  private void space() {
    while (at < text.length() && " \t\r\n".indexOf(text.charAt(at)) >= 0) {
      at++;
    }
  }

  private char peek() {
    return at < text.length() ? text.charAt(at) : '\0';
  }

  private void expect(char c) {
    if (peek() != c) {
      throw error("expected '" + c + "'");
    }
    at++;
  }

  private IllegalArgumentException error(String what) {
    return new IllegalArgumentException("malformed JSON at character " + at + ": " + what);
  }
}
