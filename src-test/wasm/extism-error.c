/* Extism fixture: fail() sets an error message and returns 1;
 * fail_silently() returns 7 without setting one. */
#include "extism-abi.h"

EXTISM_EXPORT("fail") int32_t fail(void) {
  x_error_str("something broke in the plugin");
  return 1;
}

EXTISM_EXPORT("fail_silently") int32_t fail_silently(void) { return 7; }
