/* An Extism plugin using Isola's own host functions (isola-host.h) next to the
 * Extism ones: stores its input under "from-extism" in the store "main", reads
 * it back and outputs "stored=<value>", or "error <code>" when the store is not
 * granted. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "extism-abi.h"
#include "isola-host.h"

static char value[4096];
static char out[4200];

EXTISM_EXPORT("handle")
int32_t handle(void) {
  uint64_t n = extism_input_length();
  if (n > sizeof value) {
    n = sizeof value;
  }
  for (uint64_t i = 0; i < n; i++) {
    value[i] = (char)extism_input_load_u8(i);
  }
  int32_t put = isola_kv_put("main", 4, "from-extism", 11, value, (uint32_t)n);
  int len;
  if (put != 0) {
    len = snprintf(out, sizeof out, "error %d", put);
  } else {
    int64_t got = isola_kv_get("main", 4, "from-extism", 11, value, sizeof value);
    len = snprintf(out, sizeof out, "stored=%.*s", (int)(got < 0 ? 0 : got), value);
  }
  uint64_t block = extism_alloc((uint64_t)len);
  for (int i = 0; i < len; i++) {
    extism_store_u8(block + (uint64_t)i, (uint8_t)out[i]);
  }
  extism_output_set(block, (uint64_t)len);
  return 0;
}
