/* A WAGI program over Isola's atomic key-value host functions, on /atomic/:store/:key. The query
 * says what to do (values are plain text; "-" stands for no value):
 *   inc=<delta>           isola_kv_increment; prints "inc <rc> <sum>"
 *   inc=<delta>&out=bad   the same with an output pointer outside memory: a trap
 *   cas=<expected>&set=<value>
 *                         isola_kv_compare_and_set; prints "cas <rc>"
 *   loop=<n>              counts n times with a get / compare_and_set loop; prints "loop <rc>"
 *                         (the last result code: 1 when all counted) */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isola-host.h"

static char current[64];
static char next[64];

/* The value of query parameter name, copied to out (at most cap - 1 bytes), or NULL. */
static const char *param(const char *query, const char *name, char *out, size_t cap) {
  size_t n = strlen(name);
  for (const char *p = query; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
    if (strncmp(p, name, n) == 0 && p[n] == '=') {
      const char *v = p + n + 1;
      size_t len = strcspn(v, "&");
      if (len >= cap) len = cap - 1;
      memcpy(out, v, len);
      out[len] = 0;
      return out;
    }
  }
  return NULL;
}

int main(void) {
  const char *store = getenv("X_PARAM_STORE");
  const char *key = getenv("X_PARAM_KEY");
  const char *query = getenv("QUERY_STRING");
  if (!store || !key || !query) {
    printf("Status: 400 Bad Request\nContent-Type: text/plain\n\nroute must be /atomic/:store/:key?...\n");
    return 0;
  }
  printf("Content-Type: text/plain\n\n");
  char a[256], b[256];
  if (param(query, "inc", a, sizeof a)) {
    int64_t sum = 0;
    int64_t *out = param(query, "out", b, sizeof b) ? (int64_t *)(uintptr_t)0xfffffffcu : &sum;
    int32_t rc = isola_kv_increment(store, strlen(store), key, strlen(key), strtoll(a, NULL, 10), out);
    printf("inc %d %lld\n", rc, (long long)sum);
  } else if (param(query, "cas", a, sizeof a) && param(query, "set", b, sizeof b)) {
    int none_a = strcmp(a, "-") == 0, none_b = strcmp(b, "-") == 0;
    int32_t rc = isola_kv_compare_and_set(store, strlen(store), key, strlen(key), a,
                                          none_a ? ISOLA_NO_VALUE : strlen(a), b, none_b ? ISOLA_NO_VALUE : strlen(b));
    printf("cas %d\n", rc);
  } else if (param(query, "loop", a, sizeof a)) {
    int32_t rc = 1;
    for (long i = 0, n = atol(a); i < n && rc >= 0; i++) {
      do {
        int64_t len = isola_kv_get(store, strlen(store), key, strlen(key), current, sizeof current - 1);
        if (len < ISOLA_ABSENT || len >= (int64_t)sizeof current) {
          rc = len < 0 ? (int32_t)len : ISOLA_INVALID;
          break;
        }
        long long count = len == ISOLA_ABSENT ? 0 : (current[len] = 0, atoll(current));
        int next_len = snprintf(next, sizeof next, "%lld", count + 1);
        rc = isola_kv_compare_and_set(store, strlen(store), key, strlen(key), current,
                                      len == ISOLA_ABSENT ? ISOLA_NO_VALUE : (uint32_t)len, next, (uint32_t)next_len);
      } while (rc == 0);
    }
    printf("loop %d\n", rc);
  } else {
    printf("unknown query %s\n", query);
  }
  return 0;
}
