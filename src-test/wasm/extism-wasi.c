/* Extism fixture built as a WASI reactor (imports wasi_snapshot_preview1 and
 * exports _initialize): handle() prints a line to stdout and one to stderr,
 * then outputs "ok". */
#include <stdio.h>

#include "extism-abi.h"

EXTISM_EXPORT("handle") int32_t handle(void) {
  printf("hello from wasi stdout\n");
  fflush(stdout);
  fprintf(stderr, "hello from wasi stderr\n");
  x_output_str("ok");
  return 0;
}
