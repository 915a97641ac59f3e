/*
 * greet-extism.c: an Isola handler written as an Extism plug-in.
 *
 * The export "greet" reads a name from the request body and answers
 *   {"greeting":"Hello, <name>!"}   (Content-Type: application/json)
 * With an empty body it answers the route's configured "greeting" instead
 * (or "Hello, world!" if none is configured). A name longer than 100 bytes is
 * refused with an error message.
 */
#include "isola-extism.h"

#define MAX_NAME 100

/* Appends n bytes of src to dst as the inside of a JSON string; returns the
 * end. dst needs room for 6 * n bytes. */
static char *json_escape(char *dst, const char *src, size_t n) {
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)src[i];
    if (c == '"' || c == '\\') {
      *dst++ = '\\';
      *dst++ = (char)c;
    } else if (c < 0x20) {
      memcpy(dst, "\\u00", 4);
      dst[4] = hex[c >> 4];
      dst[5] = hex[c & 15];
      dst += 6;
    } else {
      *dst++ = (char)c;
    }
  }
  return dst;
}

static char *append(char *dst, const char *s, size_t n) {
  memcpy(dst, s, n);
  return dst + n;
}

ISOLA_EXPORT("greet") int32_t greet(void) {
  char name[MAX_NAME];
  uint64_t name_len = isola_input(name, sizeof name);
  if (name_len > MAX_NAME) {
    isola_error("name is longer than 100 bytes");
    return 1;
  }

  /* The greeting text, before JSON escaping. */
  char greeting[256];
  size_t len;
  if (name_len > 0) {
    char *end = append(greeting, "Hello, ", 7);
    end = append(end, name, (size_t)name_len);
    *end++ = '!';
    len = (size_t)(end - greeting);
  } else {
    int64_t configured = isola_config_get("greeting", greeting, sizeof greeting);
    if (configured < 0) {
      memcpy(greeting, "Hello, world!", 14);
    } else if (configured >= (int64_t)sizeof greeting) {
      isola_error("the configured greeting is longer than 255 bytes");
      return 1;
    }
    len = strlen(greeting);
  }

  char json[32 + 6 * sizeof greeting];
  char *end = append(json, "{\"greeting\":\"", 13);
  end = json_escape(end, greeting, len);
  end = append(end, "\"}", 2);

  isola_var_set("response.header.Content-Type", "application/json");
  isola_output(json, (size_t)(end - json));
  return 0;
}
