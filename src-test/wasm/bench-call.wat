;; Benchmark fixture: a component caller, as small as bench-page. An Extism
;; plugin with one page of memory whose call() sends the fixed request
;; {"url":"http://callee.internal/x","method":"GET"} (no body) through
;; isola:host/http request, into a 1 KiB buffer, and outputs the answer's body;
;; it returns 1 (an error) if the call failed, the body did not fit or the
;; status was not 200. alone() does the same minus the call: it puts "ok" in
;; the buffer as if the call had answered it and outputs that, so the
;; difference between the two is what the component call itself costs.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "isola:host/http" "request"
    (func $http_request (param i32 i32 i32 i32 i32 i32) (result i64)))
  (import "isola:host/http" "status" (func $http_status (result i32)))
  (memory (export "memory") 1)
  ;; The request (49 bytes) at 16; the answer's buffer at 256 (1024 bytes).
  (data (i32.const 16) "{\"url\":\"http://callee.internal/x\",\"method\":\"GET\"}")

  ;; Outputs the n bytes at 256; 0, or 1 if the output could not be allocated.
  (func $output (param $n i32) (result i32)
    (local $off i64) (local $i i32)
    (local.set $off (call $alloc (i64.extend_i32_u (local.get $n))))
    (if (i64.eqz (local.get $off)) (then (return (i32.const 1))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (call $store_u8 (i64.add (local.get $off) (i64.extend_i32_u (local.get $i)))
                        (i32.load8_u offset=256 (local.get $i)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (call $output_set (local.get $off) (i64.extend_i32_u (local.get $n)))
    (i32.const 0))

  (func (export "call") (result i32)
    (local $n i64)
    (local.set $n (call $http_request (i32.const 16) (i32.const 49) (i32.const 0) (i32.const 0)
                                      (i32.const 256) (i32.const 1024)))
    ;; Negative (failed, denied) or larger than the buffer: nothing was copied.
    (if (i64.gt_u (local.get $n) (i64.const 1024)) (then (return (i32.const 1))))
    (if (i32.ne (call $http_status) (i32.const 200)) (then (return (i32.const 1))))
    (call $output (i32.wrap_i64 (local.get $n))))

  (func (export "alone") (result i32)
    (i32.store16 offset=256 (i32.const 0) (i32.const 0x6b6f)) ;; "ok", little-endian
    (call $output (i32.const 2))))
