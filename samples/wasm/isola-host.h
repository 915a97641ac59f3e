/*
 * Isola's host functions for WebAssembly handlers (WAGI programs and Extism
 * plugins): the key-value stores, variables, read-only files and outbound HTTP
 * origins their route was granted.
 *
 * Strings are (pointer, length) pairs in the module's own memory. Functions
 * that answer with bytes take an output buffer (pointer, capacity) and return
 * the length of the answer; the bytes are copied only when they fit, so call
 * again with a larger buffer when the result is larger than the capacity.
 *
 * Negative results are errors:
 *   ISOLA_ABSENT  (-1)  no such key
 *   ISOLA_DENIED  (-2)  the route was not granted this store or variable
 *                       (the host logs it; if the call then fails, the
 *                       response is 403)
 *   ISOLA_INVALID (-3)  a misuse: key too long (512 bytes), value too large
 *                       (1 MiB), empty key; kv increment: the value is not an
 *                       integer, or the sum overflows
 *   ISOLA_FULL    (-5)  kv put, increment, compare_and_set: the store's quota
 *                       (max_value_size, max_keys or max_bytes) refused it;
 *                       nothing was stored (the host logs it; if the call then
 *                       fails, the response is 507)
 *
 * Keys put from Wasm do not expire: there is no put with a time to live here.
 */
#ifndef ISOLA_HOST_H
#define ISOLA_HOST_H

#include <stdint.h>

#define ISOLA_ABSENT (-1)
#define ISOLA_DENIED (-2)
#define ISOLA_INVALID (-3)
#define ISOLA_FULL (-5)

#define ISOLA_IMPORT(module, name) __attribute__((import_module(module), import_name(name)))

/* Key-value: get answers the value's length (or ISOLA_ABSENT). */
ISOLA_IMPORT("isola:host/kv", "get")
int64_t isola_kv_get(const char *store, uint32_t store_len, const char *key, uint32_t key_len,
                     void *out, uint32_t out_cap);
/* 0 when stored, ISOLA_FULL when the store's quota refused it. */
ISOLA_IMPORT("isola:host/kv", "put")
int32_t isola_kv_put(const char *store, uint32_t store_len, const char *key, uint32_t key_len,
                     const void *value, uint32_t value_len);
/* 1 when the key was there and is now gone, 0 when it was not there. */
ISOLA_IMPORT("isola:host/kv", "delete")
int32_t isola_kv_delete(const char *store, uint32_t store_len, const char *key, uint32_t key_len);
/* 1 or 0. */
ISOLA_IMPORT("isola:host/kv", "exists")
int32_t isola_kv_exists(const char *store, uint32_t store_len, const char *key, uint32_t key_len);
/* The keys starting with prefix, sorted, each followed by a NUL byte (at most 1000). */
ISOLA_IMPORT("isola:host/kv", "list")
int64_t isola_kv_list(const char *store, uint32_t store_len, const char *prefix, uint32_t prefix_len,
                      void *out, uint32_t out_cap);

/* Adds delta to the integer stored under key as ASCII decimal ("-12"; absent is 0), atomically
 * (several calls at once all count), keeping the key's time to live: 0 with the sum in *out,
 * ISOLA_INVALID if the value is not such an integer or the sum overflows (nothing changes),
 * ISOLA_FULL when the store's quota refused it. */
ISOLA_IMPORT("isola:host/kv", "increment")
int32_t isola_kv_increment(const char *store, uint32_t store_len, const char *key, uint32_t key_len,
                           int64_t delta, int64_t *out);
/* A length that stands for no value in isola_kv_compare_and_set. */
#define ISOLA_NO_VALUE UINT32_MAX
/* Stores value under key only if the value is expected, atomically: 1 if it was and is now value,
 * 0 (nothing changed) if it was not. expected_len ISOLA_NO_VALUE expects the key absent; value_len
 * ISOLA_NO_VALUE deletes the key. ISOLA_FULL when the store's quota refused the new value. */
ISOLA_IMPORT("isola:host/kv", "compare_and_set")
int32_t isola_kv_compare_and_set(const char *store, uint32_t store_len, const char *key, uint32_t key_len,
                                 const void *expected, uint32_t expected_len, const void *value,
                                 uint32_t value_len);

/* Variables: answers the value's length. */
ISOLA_IMPORT("isola:host/vars", "get")
int64_t isola_var_get(const char *name, uint32_t name_len, void *out, uint32_t out_cap);

/* Read-only files of a files grant, by guest path (e.g. "/static/app.css"): answers the file's
 * length, or ISOLA_ABSENT. */
ISOLA_IMPORT("isola:host/files", "read")
int64_t isola_file_read(const char *path, uint32_t path_len, void *out, uint32_t out_cap);

/* Outbound HTTP to the origins of the route's grant. request is JSON:
 *   {"url": "https://api.example.com/x", "method": "POST", "headers": {"Accept": "application/json"}}
 * Headers are sent as written; the host adds the header of each secret granted for the URL's origin.
 * Answers the response body's length (copied to out if it fits; isola_http_body copies it again),
 * ISOLA_DENIED for an origin not granted, ISOLA_HTTP_FAILED when the request failed. */
#define ISOLA_HTTP_FAILED (-4)
ISOLA_IMPORT("isola:host/http", "request")
int64_t isola_http_request(const char *request, uint32_t request_len, const void *body, uint32_t body_len,
                           void *out, uint32_t out_cap);
/* The last response's status, 0 if none. */
ISOLA_IMPORT("isola:host/http", "status")
int32_t isola_http_status(void);
/* The last response's body again. */
ISOLA_IMPORT("isola:host/http", "body")
int64_t isola_http_body(void *out, uint32_t out_cap);

/* Application capabilities (host interfaces): the host functions "isola:host/NAME" "op" take the
 * arguments as a JSON array (bytes as base64 strings) and answer the result's JSON length (copied
 * to out if it fits), ISOLA_ABSENT for a null result, ISOLA_DENIED, ISOLA_INVALID (arguments that do
 * not fit the operation) or ISOLA_CALL_FAILED (isola_call_error copies the message). Declare each one
 * you use with ISOLA_CAPABILITY, e.g. ISOLA_CAPABILITY("billing", "invoice", billing_invoice). */
#define ISOLA_CALL_FAILED (-4)
#define ISOLA_CAPABILITY(name, op, function)                                                      \
  ISOLA_IMPORT("isola:host/" name, op)                                                          \
  int64_t function(const char *args, uint32_t args_len, void *out, uint32_t out_cap);
/* The message of the call's last failed capability use (empty if none): its length. */
ISOLA_IMPORT("isola:host/call", "error")
int64_t isola_call_error(void *out, uint32_t out_cap);

#endif
