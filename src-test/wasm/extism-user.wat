;; Extism fixture: calls application capabilities as Extism host functions (extism:host/user),
;; passing the plugin's input block (a JSON array of arguments) on and outputting the result block.
;; invoice -> billing_invoice, count -> counter_add, none -> billing_invoice with no arguments (0).
(module
  (import "extism:host/env" "input_offset" (func $input_offset (result i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/user" "billing_invoice" (func $invoice (param i64) (result i64)))
  (import "extism:host/user" "counter_add" (func $add (param i64) (result i64)))
  (memory (export "memory") 1)

  (func $out (param $r i64) (result i32)
    (if (i64.ne (local.get $r) (i64.const 0))
      (then (call $output_set (local.get $r) (call $length (local.get $r)))))
    (i32.const 0))

  (func (export "invoice") (result i32)
    (call $out (call $invoice (call $input_offset))))

  (func (export "count") (result i32)
    (call $out (call $add (call $input_offset))))

  (func (export "none") (result i32)
    (call $out (call $invoice (i64.const 0)))))
