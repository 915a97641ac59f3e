/*
 * A WAGI handler with state: counts visits per page in the key-value store
 * "visits" and greets with the variable GREETING, both granted to its route in
 * isola.toml. Every request still runs in a fresh instance; only the store
 * remembers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isola-host.h"

#define STORE "visits"

int main(void) {
  const char *page = getenv("X_PARAM_PAGE");
  char count[32] = "0";
  int64_t n = isola_kv_get(STORE, strlen(STORE), page, strlen(page), count, sizeof count - 1);
  if (n >= 0 && n < (int64_t)sizeof count) {
    count[n] = '\0';
  } else if (n != ISOLA_ABSENT) {
    printf("Status: 500 Internal Server Error\nContent-Type: text/plain\n\nkey-value error %lld\n", (long long)n);
    return 0;
  }
  long visits = strtol(count, NULL, 10) + 1;
  snprintf(count, sizeof count, "%ld", visits);
  isola_kv_put(STORE, strlen(STORE), page, strlen(page), count, strlen(count));

  char greeting[128];
  int64_t g = isola_var_get("GREETING", 8, greeting, sizeof greeting - 1);
  greeting[g > 0 && g < (int64_t)sizeof greeting ? g : 0] = '\0';

  printf("Content-Type: text/plain; charset=utf-8\n\n%s Page %s has had %ld visits.\n", greeting, page, visits);
  return 0;
}
