/* An Extism plugin that forwards what its caller sends: the input is the JSON
 * request for http_request, as is ({"url": ..., "headers": {...}}), so the
 * client chooses the URL and every header. Outputs "status=<code>\n" and the
 * response body. */
#include <stdint.h>

#include "extism-abi.h"

EXTISM_EXPORT("handle")
int32_t handle(void) {
  uint64_t input_len = extism_input_length();
  uint64_t req = extism_alloc(input_len);
  for (uint64_t i = 0; i < input_len; i++) {
    extism_store_u8(req + i, extism_input_load_u8(i));
  }
  uint64_t body = extism_http_request(req, 0);
  int32_t status = extism_http_status_code();
  char prefix[32] = "status=";
  int p = 7;
  char digits[12];
  int d = 0;
  int32_t s = status < 0 ? 0 : status;
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
