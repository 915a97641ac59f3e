/* WAGI fixture: prints every environment entry, one K=V a line, sorted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

static int by_string(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void) {
  size_t n = 0;
  while (environ && environ[n]) n++;
  char **sorted = malloc((n + 1) * sizeof *sorted);
  if (!sorted) return 1;
  memcpy(sorted, environ, n * sizeof *sorted);
  qsort(sorted, n, sizeof *sorted, by_string);
  fputs("Content-Type: text/plain\n\n", stdout);
  for (size_t i = 0; i < n; i++) printf("%s\n", sorted[i]);
  free(sorted);
  return 0;
}
