/* WAGI fixture: writes a valid response, then exits with the status given
 * as the query string (QUERY_STRING=3 exits 3; unset or empty exits 0). */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  const char *q = getenv("QUERY_STRING");
  int code = q ? atoi(q) : 0;
  printf("Content-Type: text/plain\n\nexiting with %d\n", code);
  exit(code);
}
