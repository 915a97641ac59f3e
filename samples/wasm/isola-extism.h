/*
 * isola-extism.h: write Isola handlers in C as Extism plug-ins.
 *
 * An Extism plug-in is a WebAssembly module that exports functions taking no
 * arguments and returning an int32_t: 0 for success, anything else for failure
 * (with a message set through extism_error_set). It talks to the host through
 * the functions of the import module "extism:host/env" declared below.
 *
 * Data crosses the boundary through Extism memory, which the host manages
 * apart from the plug-in's own linear memory. It is addressed by 64-bit
 * offsets (extism_handle); 0 means "none". The plug-in allocates a block with
 * extism_alloc, fills it with extism_store_u8/u64, and passes the offset to
 * the host; values the host hands back are read with extism_load_u8/u64.
 * The static inline helpers after the declarations do that copying.
 *
 * How Isola uses it:
 *   input            the request body
 *   output           the response body
 *   vars (read)      request.method, request.path, request.query, request.id,
 *                    request.route, request.tail, request.param.<name>,
 *                    request.header.<lower-case-name>
 *   vars (written)   response.status (decimal text, e.g. "404"),
 *                    response.header.<Name>
 *   config           the key/values configured on the route's handler
 *
 * Build a plug-in (no WASI, no _start) with:
 *   clang --target=wasm32-wasi -O2 -nostartfiles -Wl,--no-entry \
 *         -Wl,--strip-all -o plugin.wasm plugin.c
 * Only memcpy and strlen come from libc; they import nothing from the host.
 */
#ifndef ISOLA_EXTISM_H
#define ISOLA_EXTISM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* An offset in Extism memory; 0 means none. */
typedef uint64_t extism_handle;

/* Exports a function under the given name: ISOLA_EXPORT("greet") int32_t greet(void). */
#define ISOLA_EXPORT(name) __attribute__((export_name(name)))

#define ISOLA_EXTISM_IMPORT(name) \
  __attribute__((import_module("extism:host/env"), import_name(name)))

/* ---- Extism memory ------------------------------------------------------ */

/* Allocates n bytes; returns the block's offset, or 0 if the host refuses. */
ISOLA_EXTISM_IMPORT("alloc") extism_handle extism_alloc(uint64_t n);
/* Frees a block from extism_alloc (or one the host returned). */
ISOLA_EXTISM_IMPORT("free") void extism_free(extism_handle block);
/* The length of a block, 0 if the offset is not the start of a block. */
ISOLA_EXTISM_IMPORT("length") uint64_t extism_length(extism_handle block);
/* Reads or writes one byte (passed as i32: wasm has no 8-bit values). */
ISOLA_EXTISM_IMPORT("load_u8") uint32_t extism_load_u8(extism_handle at);
ISOLA_EXTISM_IMPORT("store_u8") void extism_store_u8(extism_handle at, uint32_t byte);
/* Reads or writes 8 bytes, little-endian. */
ISOLA_EXTISM_IMPORT("load_u64") uint64_t extism_load_u64(extism_handle at);
ISOLA_EXTISM_IMPORT("store_u64") void extism_store_u64(extism_handle at, uint64_t value);

/* ---- Input, output and errors ------------------------------------------- */

/* The input's length in bytes, and its bytes at an index from 0. */
ISOLA_EXTISM_IMPORT("input_length") uint64_t extism_input_length(void);
ISOLA_EXTISM_IMPORT("input_load_u8") uint32_t extism_input_load_u8(uint64_t index);
ISOLA_EXTISM_IMPORT("input_load_u64") uint64_t extism_input_load_u64(uint64_t index);
/* Makes n bytes at a block's offset the call's output. */
ISOLA_EXTISM_IMPORT("output_set") void extism_output_set(extism_handle at, uint64_t n);
/* Sets the call's error message to the text in a block. */
ISOLA_EXTISM_IMPORT("error_set") void extism_error_set(extism_handle message);

/* ---- Config and vars ----------------------------------------------------- */

/* The value of a config key (key and value are blocks); 0 if unset. */
ISOLA_EXTISM_IMPORT("config_get") extism_handle extism_config_get(extism_handle key);
/* The value of a var; 0 if unset. */
ISOLA_EXTISM_IMPORT("var_get") extism_handle extism_var_get(extism_handle key);
/* Sets a var to a copy of a block; a value of 0 removes the var. */
ISOLA_EXTISM_IMPORT("var_set") void extism_var_set(extism_handle key, extism_handle value);

/* ---- Logging: the message is a block of text ------------------------------ */

ISOLA_EXTISM_IMPORT("log_info") void extism_log_info(extism_handle message);
ISOLA_EXTISM_IMPORT("log_debug") void extism_log_debug(extism_handle message);
ISOLA_EXTISM_IMPORT("log_warn") void extism_log_warn(extism_handle message);
ISOLA_EXTISM_IMPORT("log_error") void extism_log_error(extism_handle message);

/* ---- HTTP (Isola grants no network: a call fails) ------------------------ */

/* request: a block of JSON {"url":..., "method":..., "headers":{...}};
 * body: a block or 0. Returns the response body's block. */
ISOLA_EXTISM_IMPORT("http_request")
extism_handle extism_http_request(extism_handle request, extism_handle body);
/* The status code of the last http_request. */
ISOLA_EXTISM_IMPORT("http_status_code") int32_t extism_http_status_code(void);

/* ---- Helpers ------------------------------------------------------------- */

/* Copies n bytes from linear memory into Extism memory at dst. */
static inline void isola_store(extism_handle dst, const void *src, size_t n) {
  const unsigned char *p = src;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word;
    memcpy(&word, p + i, 8);
    extism_store_u64(dst + i, word);
  }
  for (; i < n; i++) extism_store_u8(dst + i, p[i]);
}

/* Copies n bytes from Extism memory at src into linear memory. */
static inline void isola_load(extism_handle src, void *dst, size_t n) {
  unsigned char *p = dst;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word = extism_load_u64(src + i);
    memcpy(p + i, &word, 8);
  }
  for (; i < n; i++) p[i] = (unsigned char)extism_load_u8(src + i);
}

/* A new block holding a copy of n bytes (0 if the host refuses, or n is 0). */
static inline extism_handle isola_alloc_bytes(const void *src, size_t n) {
  extism_handle block = n ? extism_alloc(n) : 0;
  if (block) isola_store(block, src, n);
  return block;
}

/* A new block holding a copy of a string, without its NUL. */
static inline extism_handle isola_alloc_str(const char *s) {
  return isola_alloc_bytes(s, strlen(s));
}

/*
 * Copies the input into dst, at most cap bytes. Returns the input's full
 * length: more than cap means it was cut.
 */
static inline uint64_t isola_input(void *dst, size_t cap) {
  uint64_t len = extism_input_length();
  size_t n = len < cap ? (size_t)len : cap;
  unsigned char *p = dst;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t word = extism_input_load_u64(i);
    memcpy(p + i, &word, 8);
  }
  for (; i < n; i++) p[i] = (unsigned char)extism_input_load_u8(i);
  return len;
}

/* Sets the output to a copy of n bytes. */
static inline void isola_output(const void *src, size_t n) {
  extism_output_set(isola_alloc_bytes(src, n), n);
}

static inline void isola_output_str(const char *s) { isola_output(s, strlen(s)); }

/* Sets the error message; return non-zero from the export after it. */
static inline void isola_error(const char *message) {
  extism_error_set(isola_alloc_str(message));
}

/* Logs a line at info level. */
static inline void isola_log(const char *message) {
  extism_handle block = isola_alloc_str(message);
  extism_log_info(block);
  extism_free(block);
}

/* Reads a block into dst as a NUL-terminated string cut to cap - 1 bytes,
 * frees it, and returns its full length. */
static inline int64_t isola_take_str(extism_handle block, char *dst, size_t cap) {
  uint64_t len = extism_length(block);
  size_t n = len < cap - 1 ? (size_t)len : cap - 1;
  isola_load(block, dst, n);
  dst[n] = '\0';
  extism_free(block);
  return (int64_t)len;
}

/*
 * Reads var key into dst (cap > 0) as a NUL-terminated string. Returns the
 * value's full length (cap or more means it was cut), or -1 if it is unset.
 */
static inline int64_t isola_var_get(const char *key, char *dst, size_t cap) {
  extism_handle k = isola_alloc_str(key);
  extism_handle v = extism_var_get(k);
  extism_free(k);
  if (!v) {
    dst[0] = '\0';
    return -1;
  }
  return isola_take_str(v, dst, cap);
}

/* Reads config key into dst, like isola_var_get. */
static inline int64_t isola_config_get(const char *key, char *dst, size_t cap) {
  extism_handle k = isola_alloc_str(key);
  extism_handle v = extism_config_get(k);
  extism_free(k);
  if (!v) {
    dst[0] = '\0';
    return -1;
  }
  return isola_take_str(v, dst, cap);
}

/* Sets var key to a string, e.g. isola_var_set("response.status", "201").
 * An empty value removes the var (Extism has no empty blocks). */
static inline void isola_var_set(const char *key, const char *value) {
  extism_handle k = isola_alloc_str(key);
  extism_handle v = isola_alloc_str(value);
  extism_var_set(k, v);
  extism_free(k);
  extism_free(v);
}

#endif /* ISOLA_EXTISM_H */
