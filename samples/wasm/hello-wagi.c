/*
 * hello-wagi.c: an Isola handler written as a WAGI program, for the route
 * GET /wasm/hello/:name.
 *
 * WAGI is CGI over WASI: main() runs once per request. The request arrives as
 * environment variables (REQUEST_METHOD, QUERY_STRING, ..., and X_PARAM_<NAME>
 * for each route parameter) with the body on stdin. The response goes to
 * stdout: header lines, a blank line, then the body.
 */
#include <stdio.h>
#include <stdlib.h>

/* The value of an environment variable, or fallback if it is unset or empty. */
static const char *env_or(const char *name, const char *fallback) {
  const char *value = getenv(name);
  return value && *value ? value : fallback;
}

int main(void) {
  const char *name = env_or("X_PARAM_NAME", "world");
  const char *method = env_or("REQUEST_METHOD", "GET");
  const char *query = env_or("QUERY_STRING", "(none)");

  /* Read the body, if any; this handler only counts its bytes. */
  char buf[4096];
  size_t body = 0, n;
  while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) body += n;

  /* Headers, a blank line, then the body. Without a Status line the
   * response is 200 OK. */
  printf("Content-Type: text/plain; charset=utf-8\n\n");
  printf("Hello, %s!\n", name);
  printf("method: %s\n", method);
  printf("query: %s\n", query);
  printf("body: %zu bytes\n", body);
  return 0;
}
