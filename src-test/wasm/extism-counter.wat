;; Extism fixture: count() increments a global that starts at 0 and outputs its
;; decimal digits (alloc, store_u8, output_set). A fresh instance per call
;; outputs "1" every time.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (global $counter (mut i32) (i32.const 0))

  (func (export "count") (result i32)
    (local $v i32) (local $len i32) (local $off i64) (local $i i64)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    ;; count the digits
    (local.set $v (global.get $counter))
    (loop $count
      (local.set $len (i32.add (local.get $len) (i32.const 1)))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $count (local.get $v)))
    (local.set $off (call $alloc (i64.extend_i32_u (local.get $len))))
    (if (i64.eqz (local.get $off)) (then (return (i32.const 1))))
    ;; store them from the last one back
    (local.set $v (global.get $counter))
    (local.set $i (i64.extend_i32_u (local.get $len)))
    (loop $digit
      (local.set $i (i64.sub (local.get $i) (i64.const 1)))
      (call $store_u8 (i64.add (local.get $off) (local.get $i))
        (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $digit (i64.ne (local.get $i) (i64.const 0))))
    (call $output_set (local.get $off) (i64.extend_i32_u (local.get $len)))
    (i32.const 0)))
