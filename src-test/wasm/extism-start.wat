;; Extism plugin with a start function: start adds 1 to a global that starts at
;; 0, and count adds 1 more and outputs the global's last digit. Expect "2" on
;; every call: the start runs once per instance, inside the call (such a module
;; is never instantiated ahead of its call).
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (memory (export "memory") 1)
  (global $counter (mut i32) (i32.const 0))
  (func $start
    (global.set $counter (i32.add (global.get $counter) (i32.const 1))))
  (start $start)
  (func (export "count") (result i32)
    (local $off i64)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (local.set $off (call $alloc (i64.const 1)))
    (call $store_u8 (local.get $off)
      (i32.add (i32.const 48) (i32.rem_u (global.get $counter) (i32.const 10))))
    (call $output_set (local.get $off) (i64.const 1))
    (i32.const 0)))
