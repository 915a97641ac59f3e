;; Extism fixture with WASI's proc_exit: each export sets an error with
;; error_set, then ends through proc_exit with the status its name says
;; (never returning). The Extism runtime fails such a call with the error's
;; text, whatever the exit status.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $proc_exit (param i32)))
  (memory (export "memory") 1)

  ;; error_set of a new 3-byte block "bad".
  (func $set_error
    (local $e i64)
    (local.set $e (call $alloc (i64.const 3)))
    (call $store_u8 (local.get $e) (i32.const 98))
    (call $store_u8 (i64.add (local.get $e) (i64.const 1)) (i32.const 97))
    (call $store_u8 (i64.add (local.get $e) (i64.const 2)) (i32.const 100))
    (call $error_set (local.get $e)))

  (func (export "error_exit_zero") (result i32)
    (call $set_error)
    (call $proc_exit (i32.const 0))
    (unreachable))

  (func (export "error_exit_three") (result i32)
    (call $set_error)
    (call $proc_exit (i32.const 3))
    (unreachable)))
