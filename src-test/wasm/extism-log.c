/* Extism fixture: handle() logs one line at each level (info, warn, error,
 * debug, in that order) and outputs "logged". */
#include "extism-abi.h"

static void log_with(void (*fn)(uint64_t), const char *msg) {
  uint64_t off = x_put_str(msg);
  fn(off);
  extism_free(off);
}

EXTISM_EXPORT("handle") int32_t handle(void) {
  log_with(extism_log_info, "info line");
  log_with(extism_log_warn, "warn line");
  log_with(extism_log_error, "error line");
  log_with(extism_log_debug, "debug line");
  x_output_str("logged");
  return 0;
}
