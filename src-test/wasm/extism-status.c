/* Extism fixture: status() sets var response.status to its input (at most 63
 * bytes, as text) and outputs "status sent". */
#include "extism-abi.h"

EXTISM_EXPORT("status") int32_t status(void) {
  char text[64];
  uint64_t n = extism_input_length();
  if (n >= sizeof text) n = sizeof text - 1;
  for (uint64_t i = 0; i < n; i++) text[i] = (char)extism_input_load_u8(i);
  text[n] = '\0';
  x_var_set_str("response.status", text);
  x_output_str("status sent");
  return 0;
}
