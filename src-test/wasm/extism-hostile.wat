;; Extism fixture: each export () -> i32 misuses one host function. The host
;; must answer with an error (a trap) or a harmless value, never crash or
;; expose other memory.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "load_u64" (func $load_u64 (param i64) (result i64)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "var_set" (func $var_set (param i64 i64)))
  (memory (export "memory") 1)

  ;; load_u64 far beyond anything allocated.
  (func (export "load_oob") (result i32)
    (drop (call $load_u64 (i64.const 0x7fffffffffffff00)))
    (i32.const 0))

  ;; store_u8 at an offset that was never allocated.
  (func (export "store_oob") (result i32)
    (call $store_u8 (i64.const 12345678) (i32.const 65))
    (i32.const 0))

  ;; load_u8 from a block after freeing it.
  (func (export "load_freed") (result i32)
    (local $off i64)
    (local.set $off (call $alloc (i64.const 16)))
    (call $free (local.get $off))
    (drop (call $load_u8 (local.get $off)))
    (i32.const 0))

  ;; output_set claiming 1000 bytes of an 8-byte block.
  (func (export "output_oob") (result i32)
    (call $output_set (call $alloc (i64.const 8)) (i64.const 1000))
    (i32.const 0))

  ;; input_load_u64 at input_length(): just past the end of the input. The
  ;; Extism kernel answers 0 there; returns 0 if it did, 1 otherwise.
  (func (export "input_oob") (result i32)
    (i64.ne (call $input_load_u64 (call $input_length)) (i64.const 0)))

  ;; alloc 1 TiB. Returns 0 if alloc answered 0 (the Extism way to say no),
  ;; 1 if it claimed to succeed.
  (func (export "alloc_huge") (result i32)
    (i64.ne (call $alloc (i64.shl (i64.const 1) (i64.const 40))) (i64.const 0)))

  ;; alloc 1 MiB blocks forever, writing the last byte of each. Returns 1 when
  ;; alloc answers 0; the host may trap first.
  (func (export "alloc_loop") (result i32)
    (local $off i64)
    (loop $more
      (local.set $off (call $alloc (i64.const 1048576)))
      (if (i64.eqz (local.get $off)) (then (return (i32.const 1))))
      (call $store_u8 (i64.add (local.get $off) (i64.const 1048575)) (i32.const 1))
      (br $more))
    (unreachable))

  ;; length of an offset that is no block: Extism answers 0. Returns 0 if it
  ;; did, 1 otherwise.
  (func (export "length_bad") (result i32)
    (i64.ne (call $length (i64.const 999999)) (i64.const 0)))

  ;; var_set with a key offset that is no block (the value is a real block).
  (func (export "var_bad") (result i32)
    (local $value i64)
    (local.set $value (call $alloc (i64.const 1)))
    (call $store_u8 (local.get $value) (i32.const 120))
    (call $var_set (i64.const 999999) (local.get $value))
    (i32.const 0))

  ;; spins forever.
  (func (export "loop") (result i32)
    (loop $forever
      (br $forever))
    (unreachable))

  ;; output_set with length -1 (2^64 - 1 unsigned).
  (func (export "negative_len") (result i32)
    (call $output_set (call $alloc (i64.const 8)) (i64.const -1))
    (i32.const 0)))
