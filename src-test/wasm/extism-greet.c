/* Extism fixture: greet() outputs "Hello, <input>!" (binary safe) and sets
 * response.header.Content-Type. The input is copied host block to host block,
 * in 8-byte steps then byte by byte, without passing through linear memory. */
#include "extism-abi.h"

EXTISM_EXPORT("greet") int32_t greet(void) {
  static const char prefix[] = "Hello, ";
  const uint64_t p = sizeof prefix - 1;
  uint64_t n = extism_input_length();
  uint64_t out = extism_alloc(p + n + 1);
  if (out == 0) {
    x_error_str("alloc failed");
    return 1;
  }
  x_store(out, prefix, p);
  uint64_t i = 0;
  for (; i + 8 <= n; i += 8) extism_store_u64(out + p + i, extism_input_load_u64(i));
  for (; i < n; i++) extism_store_u8(out + p + i, extism_input_load_u8(i));
  extism_store_u8(out + p + n, '!');
  extism_output_set(out, p + n + 1);
  x_var_set_str("response.header.Content-Type", "text/plain; charset=utf-8");
  return 0;
}
