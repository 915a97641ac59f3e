;; Extism fixture: each export () -> i32 misuses an application capability's host functions
;; (isola:host/billing.invoice and .scale, isola:host/call.error, extism:host/user billing_invoice).
;; The host must answer with an error code, an error or a trap, never crash, read or write past the
;; module's memory, or hand a value the operation's types do not allow to the implementation.
;; Exports that return normally output the i64 their last host call answered, 8 bytes little-endian.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "isola:host/billing" "invoice" (func $invoice (param i32 i32 i32 i32) (result i64)))
  (import "isola:host/billing" "scale" (func $scale (param i32 i32 i32 i32) (result i64)))
  (import "isola:host/call" "error" (func $error (param i32 i32) (result i64)))
  (import "extism:host/user" "billing_invoice" (func $user_invoice (param i64) (result i64)))
  ;; 17 pages: 1 MiB of arguments fit.
  (memory (export "memory") 17)
  (data (i32.const 16) "[\"c-1\",5]")
  (data (i32.const 64) "[\"\ff\",5]")
  (data (i32.const 128) "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]")
  (data (i32.const 256) "[1e999]")
  (data (i32.const 272) "[-1e400]")

  (func $emit (param $v i64) (result i32)
    (local $off i64)
    (local.set $off (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $off) (local.get $v))
    (call $output_set (local.get $off) (i64.const 8))
    (i32.const 0))

  ;; arguments running past the end of memory.
  (func (export "args_oob") (result i32)
    (call $emit (call $invoice (i32.const 1114100) (i32.const 100) (i32.const 0) (i32.const 0))))

  ;; arguments 4 GiB - 1 long.
  (func (export "args_huge") (result i32)
    (call $emit (call $invoice (i32.const 16) (i32.const -1) (i32.const 0) (i32.const 0))))

  ;; arguments at address 2^32 - 1.
  (func (export "args_neg_ptr") (result i32)
    (call $emit (call $invoice (i32.const -1) (i32.const 1) (i32.const 0) (i32.const 0))))

  ;; a result to be written 6 bytes before the end of memory, claiming 4 GiB - 1 of room.
  (func (export "out_oob") (result i32)
    (call $emit (call $invoice (i32.const 16) (i32.const 9) (i32.const 1114106) (i32.const -1))))

  ;; a valid call whose result does not fit in 2 bytes: its length, nothing written.
  (func (export "out_small") (result i32)
    (call $emit (call $invoice (i32.const 16) (i32.const 9) (i32.const 512) (i32.const 2))))

  ;; call.error before any call: 0 (empty).
  (func (export "error_first") (result i32)
    (call $emit (call $error (i32.const 512) (i32.const 64))))

  ;; call.error into memory's last 6 bytes, claiming 4 GiB - 1, after a failed call.
  (func (export "error_oob") (result i32)
    (drop (call $invoice (i32.const 64) (i32.const 2) (i32.const 0) (i32.const 0)))
    (call $emit (call $error (i32.const 1114106) (i32.const -1))))

  ;; arguments nested 40 deep: -3.
  (func (export "deep") (result i32)
    (call $emit (call $invoice (i32.const 128) (i32.const 80) (i32.const 0) (i32.const 0))))

  ;; a JSON array whose string is not UTF-8 ("\ff"): -3, never a string with U+FFFD in it.
  (func (export "not_utf8") (result i32)
    (call $emit (call $invoice (i32.const 64) (i32.const 7) (i32.const 0) (i32.const 0))))

  ;; scale(1e999) and scale(-1e400), numbers beyond a double: -3 both; the second answered.
  (func (export "infinity") (result i32)
    (drop (call $scale (i32.const 256) (i32.const 7) (i32.const 512) (i32.const 64)))
    (call $emit (call $scale (i32.const 272) (i32.const 8) (i32.const 512) (i32.const 64))))

  ;; 1 MiB of arguments (zeros: not JSON), again and again until the call's time is up.
  (func (export "args_loop") (result i32)
    (loop $more
      (drop (call $invoice (i32.const 4096) (i32.const 1048576) (i32.const 0) (i32.const 0)))
      (br $more))
    (unreachable))

  ;; extism:host/user with an offset that is no block.
  (func (export "user_garbage") (result i32)
    (call $emit (call $user_invoice (i64.const 0x7fffffffffffff00))))

  ;; extism:host/user with a freed block.
  (func (export "user_freed") (result i32)
    (local $off i64)
    (local.set $off (call $alloc (i64.const 8)))
    (call $free (local.get $off))
    (call $emit (call $user_invoice (local.get $off))))

  ;; extism:host/user given its own result block (a JSON string, not an array) back.
  (func (export "user_reuse") (result i32)
    (local $off i64)
    (local.set $off (call $alloc (i64.const 8)))
    (call $store_u64 (local.get $off) (i64.const 0x5d352c226122205b)) ;; [ "a",5]
    (call $emit (call $user_invoice (call $user_invoice (local.get $off))))))
