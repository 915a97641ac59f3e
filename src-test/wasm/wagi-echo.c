/* WAGI fixture: answers with the request body, byte for byte.
 * Content-Type: CONTENT_TYPE (application/octet-stream if unset or empty),
 * X-Method: REQUEST_METHOD, X-Length: the number of bytes read from stdin. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  size_t cap = 65536, len = 0, got;
  char *body = malloc(cap);
  if (!body) return 1;
  while ((got = fread(body + len, 1, cap - len, stdin)) > 0) {
    len += got;
    if (len == cap) {
      char *bigger = realloc(body, cap *= 2);
      if (!bigger) return 1;
      body = bigger;
    }
  }
  if (ferror(stdin)) return 2;

  const char *type = getenv("CONTENT_TYPE");
  const char *method = getenv("REQUEST_METHOD");
  printf("Content-Type: %s\n", type && *type ? type : "application/octet-stream");
  printf("X-Method: %s\n", method ? method : "");
  printf("X-Length: %zu\n\n", len);
  fwrite(body, 1, len, stdout);
  free(body);
  return 0;
}
