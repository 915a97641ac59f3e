/* Extism fixture: handle() asks the host for GET https://example.com through
 * http_request (Isola should refuse); if the call returns, it outputs
 * "status=<http_status_code()>". */
#include "extism-abi.h"

EXTISM_EXPORT("handle") int32_t handle(void) {
  uint64_t req = x_put_str("{\"url\":\"https://example.com\",\"method\":\"GET\"}");
  uint64_t body = extism_http_request(req, 0);
  int32_t status = extism_http_status_code();
  if (body) extism_free(body);
  extism_free(req);

  char text[32] = "status=";
  char digits[12];
  size_t n = 0, len = 7;
  uint32_t v = status < 0 ? (uint32_t)-(int64_t)status : (uint32_t)status;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  if (status < 0) text[len++] = '-';
  while (n) text[len++] = digits[--n];
  x_output(text, len);
  return 0;
}
