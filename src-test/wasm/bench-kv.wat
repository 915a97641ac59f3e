;; Benchmark fixture: key-value gets from a guest. An Extism plugin whose
;; handle() reads a decimal count N from its input, calls isola:host/kv get
;; N times for key "bench" in store "main" (64-byte buffer), and outputs "ok";
;; it returns 1 (an error) if a get answers a negative code (absent, denied,
;; invalid). The KV benchmark times N = 0 and N = 1000, so the difference is
;; the cost of the gets alone.
(module
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "isola:host/kv" "get"
    (func $kv_get (param i32 i32 i32 i32 i32 i32) (result i64)))
  (memory (export "memory") 1)
  ;; "main" at 16, "bench" at 32, the value buffer at 64 (64 bytes).
  (data (i32.const 16) "main")
  (data (i32.const 32) "bench")

  (func $count (result i64)
    (local $i i64) (local $len i64) (local $n i64) (local $digit i32)
    (local.set $len (call $input_length))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $len)))
        (local.set $digit (i32.sub (call $input_load_u8 (local.get $i)) (i32.const 48)))
        (br_if $done (i32.gt_u (local.get $digit) (i32.const 9)))
        (local.set $n (i64.add (i64.mul (local.get $n) (i64.const 10))
                               (i64.extend_i32_u (local.get $digit))))
        (local.set $i (i64.add (local.get $i) (i64.const 1)))
        (br $next)))
    (local.get $n))

  (func (export "handle") (result i32)
    (local $n i64) (local $off i64)
    (local.set $n (call $count))
    (block $done
      (loop $get
        (br_if $done (i64.eqz (local.get $n)))
        (if (i64.lt_s (call $kv_get (i32.const 16) (i32.const 4) (i32.const 32) (i32.const 5)
                                    (i32.const 64) (i32.const 64))
                      (i64.const 0))
          (then (return (i32.const 1))))
        (local.set $n (i64.sub (local.get $n) (i64.const 1)))
        (br $get)))
    (local.set $off (call $alloc (i64.const 2)))
    (if (i64.eqz (local.get $off)) (then (return (i32.const 1))))
    (call $store_u8 (local.get $off) (i32.const 111))
    (call $store_u8 (i64.add (local.get $off) (i64.const 1)) (i32.const 107))
    (call $output_set (local.get $off) (i64.const 2))
    (i32.const 0)))
