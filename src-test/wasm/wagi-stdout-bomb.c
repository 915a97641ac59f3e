/* WAGI fixture: valid headers, then 100 MiB of 'x' in 64 KiB writes.
 * Stops early if a write fails; exits 0 either way. */
#include <stdio.h>
#include <string.h>

static char chunk[64 * 1024];

int main(void) {
  memset(chunk, 'x', sizeof chunk);
  fputs("Content-Type: text/plain\n\n", stdout);
  for (int i = 0; i < 100 * 16; i++)
    if (fwrite(chunk, 1, sizeof chunk, stdout) != sizeof chunk) break;
  return 0;
}
