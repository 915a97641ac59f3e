/*
 * extism-abi.h: the Extism host functions (module "extism:host/env") as the
 * Isola test fixtures use them, plus a few small helpers.
 *
 * Every "offset" here is an Extism memory offset: an address in memory the
 * host manages, not a pointer into the plugin's linear memory. 0 means none.
 * Wasm has no 8-bit values, so the u8 functions take and return i32.
 */
#ifndef ISOLA_FIXTURE_EXTISM_ABI_H
#define ISOLA_FIXTURE_EXTISM_ABI_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define EXTISM_IMPORT(name) \
  __attribute__((import_module("extism:host/env"), import_name(name)))
#define EXTISM_EXPORT(name) __attribute__((export_name(name)))

/* Memory. */
EXTISM_IMPORT("alloc") uint64_t extism_alloc(uint64_t n);
EXTISM_IMPORT("free") void extism_free(uint64_t off);
EXTISM_IMPORT("length") uint64_t extism_length(uint64_t off);
EXTISM_IMPORT("load_u8") uint32_t extism_load_u8(uint64_t off);
EXTISM_IMPORT("store_u8") void extism_store_u8(uint64_t off, uint32_t byte);
EXTISM_IMPORT("load_u64") uint64_t extism_load_u64(uint64_t off);
EXTISM_IMPORT("store_u64") void extism_store_u64(uint64_t off, uint64_t v);

/* Input, output, error. */
EXTISM_IMPORT("input_length") uint64_t extism_input_length(void);
EXTISM_IMPORT("input_load_u8") uint32_t extism_input_load_u8(uint64_t i);
EXTISM_IMPORT("input_load_u64") uint64_t extism_input_load_u64(uint64_t i);
EXTISM_IMPORT("output_set") void extism_output_set(uint64_t off, uint64_t n);
EXTISM_IMPORT("error_set") void extism_error_set(uint64_t off);

/* Config and vars. */
EXTISM_IMPORT("config_get") uint64_t extism_config_get(uint64_t key);
EXTISM_IMPORT("var_get") uint64_t extism_var_get(uint64_t key);
EXTISM_IMPORT("var_set") void extism_var_set(uint64_t key, uint64_t value);

/* Logging. */
EXTISM_IMPORT("log_info") void extism_log_info(uint64_t off);
EXTISM_IMPORT("log_debug") void extism_log_debug(uint64_t off);
EXTISM_IMPORT("log_warn") void extism_log_warn(uint64_t off);
EXTISM_IMPORT("log_error") void extism_log_error(uint64_t off);

/* HTTP. */
EXTISM_IMPORT("http_request") uint64_t extism_http_request(uint64_t req, uint64_t body);
EXTISM_IMPORT("http_status_code") int32_t extism_http_status_code(void);

/* Copies n bytes from src into Extism memory at off. */
static inline void x_store(uint64_t off, const void *src, size_t n) {
  const unsigned char *p = src;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v;
    memcpy(&v, p + i, 8);
    extism_store_u64(off + i, v);
  }
  for (; i < n; i++) extism_store_u8(off + i, p[i]);
}

/* A new Extism block holding a copy of n bytes. */
static inline uint64_t x_put(const void *src, size_t n) {
  uint64_t off = extism_alloc(n);
  if (off != 0) x_store(off, src, n);
  return off;
}

static inline uint64_t x_put_str(const char *s) { return x_put(s, strlen(s)); }

/*
 * Copies the block at off into dst as a NUL-terminated string, truncated to
 * cap - 1 bytes. Returns the block's full length (0 for off == 0).
 */
static inline uint64_t x_get_str(uint64_t off, char *dst, size_t cap) {
  uint64_t len = off ? extism_length(off) : 0;
  size_t n = len < cap - 1 ? (size_t)len : cap - 1;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t v = extism_load_u64(off + i);
    memcpy(dst + i, &v, 8);
  }
  for (; i < n; i++) dst[i] = (char)extism_load_u8(off + i);
  dst[n] = '\0';
  return len;
}

/* The value of var key as a string in dst; returns 0 if the var is unset. */
static inline int x_var_str(const char *key, char *dst, size_t cap) {
  uint64_t k = x_put_str(key);
  uint64_t v = extism_var_get(k);
  extism_free(k);
  x_get_str(v, dst, cap);
  if (v) extism_free(v);
  return v != 0;
}

/* The value of config key as a string in dst; returns 0 if it is unset. */
static inline int x_config_str(const char *key, char *dst, size_t cap) {
  uint64_t k = x_put_str(key);
  uint64_t v = extism_config_get(k);
  extism_free(k);
  x_get_str(v, dst, cap);
  if (v) extism_free(v);
  return v != 0;
}

static inline void x_var_set_str(const char *key, const char *value) {
  uint64_t k = x_put_str(key);
  uint64_t v = x_put_str(value);
  extism_var_set(k, v);
  extism_free(k);
  extism_free(v);
}

static inline void x_output(const void *src, size_t n) {
  extism_output_set(x_put(src, n), n);
}

static inline void x_output_str(const char *s) { x_output(s, strlen(s)); }

static inline void x_error_str(const char *msg) { extism_error_set(x_put_str(msg)); }

#endif
