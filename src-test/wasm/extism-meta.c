/* Extism fixture: handle() outputs what it sees of the request, one line each:
 *   method=, path=, query=, param.id=, header.x-test=, config.greeting=
 * (an unset var prints as empty, an unset config as "(none)"). If the input is
 * exactly "teapot" it also sets response.status=418, response.header.X-Teapot=yes. */
#include "extism-abi.h"

static char out[8192];
static size_t used;

static void add(const char *s) {
  size_t n = strlen(s);
  if (n > sizeof out - used) n = sizeof out - used;
  memcpy(out + used, s, n);
  used += n;
}

static void add_var(const char *label, const char *key) {
  char value[1024];
  x_var_str(key, value, sizeof value);
  add(label);
  add("=");
  add(value);
  add("\n");
}

static int input_is(const char *s) {
  uint64_t n = strlen(s);
  if (extism_input_length() != n) return 0;
  for (uint64_t i = 0; i < n; i++)
    if (extism_input_load_u8(i) != (unsigned char)s[i]) return 0;
  return 1;
}

EXTISM_EXPORT("handle") int32_t handle(void) {
  char greeting[1024];
  used = 0;
  add_var("method", "request.method");
  add_var("path", "request.path");
  add_var("query", "request.query");
  add_var("param.id", "request.param.id");
  add_var("header.x-test", "request.header.x-test");
  add("config.greeting=");
  add(x_config_str("greeting", greeting, sizeof greeting) ? greeting : "(none)");
  add("\n");
  if (input_is("teapot")) {
    x_var_set_str("response.status", "418");
    x_var_set_str("response.header.X-Teapot", "yes");
  }
  x_output(out, used);
  return 0;
}
