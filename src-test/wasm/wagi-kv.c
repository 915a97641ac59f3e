/* A WAGI program over Isola's key-value host functions. The store and key come
 * from the route (/kv/:store/:key); the method says what to do:
 *   PUT     stores the body, prints "put <rc>"
 *   GET     prints "value=<value>", "absent" or "error <code>"
 *   DELETE  prints "deleted <rc>"
 *   POST    prints the keys under the key as a prefix, one per line ("list <rc>" first)
 * A key starting with "var:" reads the variable named by the rest instead; a
 * query "file=/path" reads that file of a files grant ("file=<bytes>", "absent"
 * or "error <code>"); a query "http=<url>" sends a GET there with header
 * X-Key: {{secrets.TOKEN}} ("status=<code> body=<bytes>" or "error <code>"). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "isola-host.h"

static char buffer[1 << 16];

int main(void) {
  const char *method = getenv("REQUEST_METHOD");
  const char *store = getenv("X_PARAM_STORE");
  const char *key = getenv("X_PARAM_KEY");
  if (!method || !store || !key) {
    printf("Status: 400 Bad Request\nContent-Type: text/plain\n\nroute must be /kv/:store/:key\n");
    return 0;
  }
  printf("Content-Type: text/plain\n\n");
  const char *query = getenv("QUERY_STRING");
  if (query && strncmp(query, "file=", 5) == 0) {
    int64_t n = isola_file_read(query + 5, strlen(query + 5), buffer, sizeof buffer);
    if (n == ISOLA_ABSENT) {
      printf("absent\n");
    } else if (n < 0) {
      printf("error %lld\n", (long long)n);
    } else {
      printf("file=%.*s\n", (int)n, buffer);
    }
    return 0;
  }
  if (query && strncmp(query, "http=", 5) == 0) {
    char request[2048];
    int len = snprintf(request, sizeof request,
                       "{\"url\":\"%s\",\"method\":\"GET\",\"headers\":{\"X-Key\":\"{{secrets.TOKEN}}\"}}", query + 5);
    int64_t n = isola_http_request(request, (uint32_t)len, "", 0, buffer, sizeof buffer);
    if (n < 0) {
      printf("error %lld\n", (long long)n);
    } else {
      printf("status=%d body=%.*s\n", isola_http_status(), (int)n, buffer);
    }
    return 0;
  }
  if (strncmp(key, "var:", 4) == 0) {
    int64_t n = isola_var_get(key + 4, strlen(key + 4), buffer, sizeof buffer);
    if (n < 0) {
      printf("error %lld\n", (long long)n);
    } else {
      printf("var=%.*s\n", (int)n, buffer);
    }
    return 0;
  }
  if (strcmp(method, "PUT") == 0) {
    size_t len = fread(buffer, 1, sizeof buffer, stdin);
    printf("put %d\n", isola_kv_put(store, strlen(store), key, strlen(key), buffer, len));
  } else if (strcmp(method, "DELETE") == 0) {
    printf("deleted %d\n", isola_kv_delete(store, strlen(store), key, strlen(key)));
  } else if (strcmp(method, "POST") == 0) {
    int64_t n = isola_kv_list(store, strlen(store), key, strlen(key), buffer, sizeof buffer);
    printf("list %lld\n", (long long)(n < 0 ? n : 0));
    for (int64_t i = 0; n > 0 && i < n; i += strlen(buffer + i) + 1) {
      printf("%s\n", buffer + i);
    }
  } else {
    int64_t n = isola_kv_get(store, strlen(store), key, strlen(key), buffer, sizeof buffer);
    if (n == ISOLA_ABSENT) {
      printf("absent\n");
    } else if (n < 0) {
      printf("error %lld\n", (long long)n);
    } else {
      fwrite("value=", 1, 6, stdout);
      fwrite(buffer, 1, (size_t)n, stdout);
      fwrite("\n", 1, 1, stdout);
    }
  }
  return 0;
}
