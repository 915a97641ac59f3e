/* A WAGI program that forwards what its client sends: the request body is the
 * JSON request for isola:host/http request, as is ({"url": ..., "headers": {...}}),
 * so the client chooses the URL and every header. Prints "status=<code>\n" and
 * the response body, or "error <code>". */
#include <stdio.h>

#include "isola-host.h"

static char request[1 << 14];
static char response[1 << 16];

int main(void) {
  size_t len = fread(request, 1, sizeof request, stdin);
  printf("Content-Type: text/plain\n\n");
  int64_t n = isola_http_request(request, (uint32_t)len, "", 0, response, sizeof response);
  if (n < 0) {
    printf("error %lld\n", (long long)n);
  } else {
    printf("status=%d\n%.*s", isola_http_status(), (int)n, response);
  }
  return 0;
}
