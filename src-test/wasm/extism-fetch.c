/* An Extism plugin calling http_request: the input is the URL. It outputs
 * "status=<code>\n" followed by the response body, and fails (error_set) if
 * http_request answers with no body and status 0. */
#include <stdint.h>
#include <string.h>

#include "extism-abi.h"

static char request[4096];

EXTISM_EXPORT("handle")
int32_t handle(void) {
  uint64_t input_len = extism_input_length();
  if (input_len > 3000) {
    return 1;
  }
  char url[3001];
  for (uint64_t i = 0; i < input_len; i++) {
    url[i] = (char)extism_input_load_u8(i);
  }
  url[input_len] = 0;
  int n = 0;
  const char *head = "{\"url\":\"";
  memcpy(request, head, strlen(head));
  n += strlen(head);
  memcpy(request + n, url, input_len);
  n += input_len;
  const char *tail = "\",\"method\":\"GET\",\"headers\":{\"X-Key\":\"{{secrets.TOKEN}}\"}}";
  memcpy(request + n, tail, strlen(tail));
  n += strlen(tail);
  uint64_t req = extism_alloc(n);
  for (int i = 0; i < n; i++) {
    extism_store_u8(req + i, (uint8_t)request[i]);
  }
  uint64_t body = extism_http_request(req, 0);
  int32_t status = extism_http_status_code();
  char prefix[32];
  int p = 0;
  memcpy(prefix, "status=", 7);
  p = 7;
  char digits[12];
  int d = 0;
  int32_t s = status;
  do {
    digits[d++] = (char)('0' + s % 10);
    s /= 10;
  } while (s > 0 && d < 11);
  while (d > 0) {
    prefix[p++] = digits[--d];
  }
  prefix[p++] = '\n';
  uint64_t body_len = body == 0 ? 0 : extism_length(body);
  uint64_t out = extism_alloc(p + body_len);
  for (int i = 0; i < p; i++) {
    extism_store_u8(out + i, (uint8_t)prefix[i]);
  }
  for (uint64_t i = 0; i < body_len; i++) {
    extism_store_u8(out + p + i, extism_load_u8(body + i));
  }
  extism_output_set(out, p + body_len);
  return 0;
}
