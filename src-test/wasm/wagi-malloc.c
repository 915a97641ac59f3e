/* Allocates 1 MiB blocks (touching each, and keeping them all reachable so the
 * compiler cannot drop them) until malloc fails, then exits with status 2, as
 * a C program would when it runs out of memory. Under a memory limit the
 * failed memory.grow behind malloc's NULL makes this a memory-limit error, not
 * a plain exit. */
#include <stdlib.h>
#include <string.h>

static void *volatile head;

int main(void) {
  for (;;) {
    void **block = malloc(1 << 20);
    if (block == NULL) {
      return 2;
    }
    memset(block, 1, 1 << 20);
    *block = head;
    head = block;
  }
}
