package dev.isola.internal.json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Isola's own small JSON (RFC 8259): the Extism HTTP request object ({@code {"url": ...,
 * "method": ..., "headers": {...}}}), the headers Isola answers with, and the arguments and results
 * of capability operations. Values are maps (insertion order), lists, strings, longs (integers
 * without fraction or exponent that fit), doubles, booleans and null. Malformed input throws {@link
 * IllegalArgumentException} naming the position; nesting is bounded.
 */
public final class Json {
  private static final int MAX_DEPTH = 32;

  private final String text;
  private int at;

  private Json(String text) {
    this.text = text;
  }

  /** Parses a JSON object into maps, lists, strings, doubles, booleans and nulls. */
  public static Map<String, Object> parseObject(String text) {
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
  public static dev.isola.internal.capability.http.HttpCall httpCall(String json, byte[] body) {
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
    return new dev.isola.internal.capability.http.HttpCall(method, uri, headers, body);
  }

  /** Parses one JSON value of any kind. */
  public static @org.jspecify.annotations.Nullable Object parse(String text) {
    Json json = new Json(text);
    Object value = json.value(0);
    json.space();
    if (json.at != text.length()) {
      throw json.error("unexpected text after the value");
    }
    return value;
  }

  /**
   * {@code value} (maps with string keys, lists, strings, numbers, booleans, null) as JSON text.
   *
   * @throws IllegalArgumentException for anything else, a number that is not finite, or nesting
   *     deeper than 32
   */
  public static String write(@org.jspecify.annotations.Nullable Object value) {
    StringBuilder b = new StringBuilder();
    write(b, value, 0);
    return b.toString();
  }

  private static void write(StringBuilder b, @org.jspecify.annotations.Nullable Object value, int depth) {
    if (depth > MAX_DEPTH) {
      throw new IllegalArgumentException("nested deeper than " + MAX_DEPTH);
    }
    switch (value) {
      case null -> b.append("null");
      case String s -> b.append(quote(s));
      case Boolean bool -> b.append(bool);
      case Long n -> b.append(n);
      case Integer n -> b.append(n);
      case Short n -> b.append(n);
      case Byte n -> b.append(n);
      case Double d -> {
        if (!Double.isFinite(d)) {
          throw new IllegalArgumentException("the number " + d + " has no JSON form");
        }
        b.append(d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue()) : d.toString());
      }
      case Float f -> write(b, f.doubleValue(), depth);
      case Map<?, ?> map -> {
        b.append('{');
        boolean first = true;
        for (Map.Entry<?, ?> e : map.entrySet()) {
          if (!(e.getKey() instanceof String key)) {
            throw new IllegalArgumentException("a map key " + e.getKey() + " is not a string");
          }
          b.append(first ? "" : ",").append(quote(key)).append(':');
          write(b, e.getValue(), depth + 1);
          first = false;
        }
        b.append('}');
      }
      case List<?> list -> {
        b.append('[');
        for (int i = 0; i < list.size(); i++) {
          b.append(i == 0 ? "" : ",");
          write(b, list.get(i), depth + 1);
        }
        b.append(']');
      }
      default -> throw new IllegalArgumentException("a " + value.getClass().getName() + " has no JSON form: use"
          + " strings, numbers, booleans, null, lists and maps with string keys");
    }
  }

  /** {@code value} as a JSON string literal. */
  public static String quote(String value) {
    StringBuilder b = new StringBuilder("\"");
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        default -> {
          if (c < 0x20 || c == '\u2028' || c == '\u2029') {
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
        String number = text.substring(start, at);
        try {
          if (number.indexOf('.') < 0 && number.indexOf('e') < 0 && number.indexOf('E') < 0) {
            try {
              return Long.valueOf(number);
            } catch (NumberFormatException tooLarge) {
              // a double, below
            }
          }
          Double d = Double.valueOf(number);
          if (d.isInfinite()) { // JSON numbers are finite: 1e999 must not become Infinity
            at = start;
            throw error("the number " + (number.length() > 40 ? number.substring(0, 40) + "…" : number)
                + " is beyond a double's range (about ±1.8e308)");
          }
          return d;
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
