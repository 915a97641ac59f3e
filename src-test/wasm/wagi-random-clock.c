/* WAGI fixture: 16 random bytes (getentropy) in hex and the wall clock
 * seconds (clock_gettime CLOCK_REALTIME): "random=<32 hex>\ntime=<secs>\n".
 * Exits 1 if either call fails. */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

int main(void) {
  unsigned char bytes[16];
  struct timespec now;
  if (getentropy(bytes, sizeof bytes) != 0) return 1;
  if (clock_gettime(CLOCK_REALTIME, &now) != 0) return 1;
  fputs("Content-Type: text/plain\n\nrandom=", stdout);
  for (size_t i = 0; i < sizeof bytes; i++) printf("%02x", bytes[i]);
  printf("\ntime=%lld\n", (long long)now.tv_sec);
  return 0;
}
