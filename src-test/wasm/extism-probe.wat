;; A fuzzing probe for the host functions (Extism kernel and WASI), exported as
;; the Extism plugin function "probe". The input is a sequence of 24-byte
;; records, each three little-endian u64: an operation number, then arguments
;; a and b. Each record calls one host function with a and b (WASI functions
;; take i32 pieces: the low and high halves). An argument equal to
;; 0xffffffffffffffff stands for the result of the previous operation, so a
;; record can use the offset an earlier "alloc" returned. Operations, by number:
;;
;;    0 alloc
;;    1 free
;;    2 length
;;    3 length_unsafe
;;    4 load_u8
;;    5 load_u64
;;    6 store_u8
;;    7 store_u64
;;    8 input_load_u8
;;    9 input_load_u64
;;   10 output_set
;;   11 error_set
;;   12 config_get
;;   13 var_get
;;   14 var_set
;;   15 log_info
;;   16 error_get
;;   17 memory_bytes
;;   18 alloc_and_output
;;   19 fd_write
;;   20 fd_read
;;   21 random_get
;;   22 environ_get
;;   23 args_get
;;   24 clock_time_get
;;   25 path_open
;; Any operation number is taken modulo the count. Returns 0.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "length_unsafe" (func $length_unsafe (param i64) (result i64)))
  (import "extism:host/env" "load_u8" (func $load_u8 (param i64) (result i32)))
  (import "extism:host/env" "load_u64" (func $load_u64 (param i64) (result i64)))
  (import "extism:host/env" "store_u8" (func $store_u8 (param i64 i32)))
  (import "extism:host/env" "store_u64" (func $store_u64 (param i64 i64)))
  (import "extism:host/env" "input_length" (func $input_length (result i64)))
  (import "extism:host/env" "input_load_u8" (func $input_load_u8 (param i64) (result i32)))
  (import "extism:host/env" "input_load_u64" (func $input_load_u64 (param i64) (result i64)))
  (import "extism:host/env" "output_set" (func $output_set (param i64 i64)))
  (import "extism:host/env" "error_set" (func $error_set (param i64)))
  (import "extism:host/env" "error_get" (func $error_get (result i64)))
  (import "extism:host/env" "config_get" (func $config_get (param i64) (result i64)))
  (import "extism:host/env" "var_get" (func $var_get (param i64) (result i64)))
  (import "extism:host/env" "var_set" (func $var_set (param i64 i64)))
  (import "extism:host/env" "log_info" (func $log_info (param i64)))
  (import "extism:host/env" "memory_bytes" (func $memory_bytes (result i64)))
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_read" (func $fd_read (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "environ_get" (func $environ_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_get" (func $args_get (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "clock_time_get" (func $clock_time_get (param i32 i64 i32) (result i32)))
  (import "wasi_snapshot_preview1" "path_open"
    (func $path_open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (memory (export "memory") 1 2)
  (global $last (mut i64) (i64.const 0))

  ;; The argument, or the previous result for the 0xffffffffffffffff marker.
  (func $arg (param $v i64) (result i64)
    (if (result i64) (i64.eq (local.get $v) (i64.const -1))
      (then (global.get $last))
      (else (local.get $v))))

  (func (export "probe") (result i32)
    (local $at i64) (local $op i32) (local $a i64) (local $b i64)
    (block $done
      (loop $next
        (br_if $done (i64.gt_u (i64.add (local.get $at) (i64.const 24)) (call $input_length)))
        (local.set $op (i32.wrap_i64 (i64.rem_u (call $input_load_u64 (local.get $at)) (i64.const 26))))
        (local.set $a (call $arg (call $input_load_u64 (i64.add (local.get $at) (i64.const 8)))))
        (local.set $b (call $arg (call $input_load_u64 (i64.add (local.get $at) (i64.const 16)))))
        (local.set $at (i64.add (local.get $at) (i64.const 24)))
        (block $op25
        (block $op24
        (block $op23
        (block $op22
        (block $op21
        (block $op20
        (block $op19
        (block $op18
        (block $op17
        (block $op16
        (block $op15
        (block $op14
        (block $op13
        (block $op12
        (block $op11
        (block $op10
        (block $op9
        (block $op8
        (block $op7
        (block $op6
        (block $op5
        (block $op4
        (block $op3
        (block $op2
        (block $op1
        (block $op0
          (br_table $op0 $op1 $op2 $op3 $op4 $op5 $op6 $op7 $op8 $op9 $op10 $op11 $op12 $op13 $op14 $op15 $op16 $op17 $op18 $op19 $op20 $op21 $op22 $op23 $op24 $op25 $op25 (local.get $op)))
        ;; 0 alloc
        (global.set $last (call $alloc (local.get $a)))
        (br $next))
        ;; 1 free
        (call $free (local.get $a))
        (br $next))
        ;; 2 length
        (global.set $last (call $length (local.get $a)))
        (br $next))
        ;; 3 length_unsafe
        (global.set $last (call $length_unsafe (local.get $a)))
        (br $next))
        ;; 4 load_u8
        (global.set $last (i64.extend_i32_u (call $load_u8 (local.get $a))))
        (br $next))
        ;; 5 load_u64
        (global.set $last (call $load_u64 (local.get $a)))
        (br $next))
        ;; 6 store_u8
        (call $store_u8 (local.get $a) (i32.wrap_i64 (local.get $b)))
        (br $next))
        ;; 7 store_u64
        (call $store_u64 (local.get $a) (local.get $b))
        (br $next))
        ;; 8 input_load_u8
        (global.set $last (i64.extend_i32_u (call $input_load_u8 (local.get $a))))
        (br $next))
        ;; 9 input_load_u64
        (global.set $last (call $input_load_u64 (local.get $a)))
        (br $next))
        ;; 10 output_set
        (call $output_set (local.get $a) (local.get $b))
        (br $next))
        ;; 11 error_set
        (call $error_set (local.get $a))
        (br $next))
        ;; 12 config_get
        (global.set $last (call $config_get (local.get $a)))
        (br $next))
        ;; 13 var_get
        (global.set $last (call $var_get (local.get $a)))
        (br $next))
        ;; 14 var_set
        (call $var_set (local.get $a) (local.get $b))
        (br $next))
        ;; 15 log_info
        (call $log_info (local.get $a))
        (br $next))
        ;; 16 error_get
        (global.set $last (call $error_get))
        (br $next))
        ;; 17 memory_bytes
        (global.set $last (call $memory_bytes))
        (br $next))
        ;; 18 alloc_and_output
        (global.set $last (call $alloc (local.get $a))) (call $output_set (global.get $last) (local.get $a))
        (br $next))
        ;; 19 fd_write
        (global.set $last (i64.extend_i32_u (call $fd_write (i32.wrap_i64 (local.get $a)) (i32.wrap_i64 (local.get $b)) (i32.wrap_i64 (i64.shr_u (local.get $a) (i64.const 32))) (i32.wrap_i64 (i64.shr_u (local.get $b) (i64.const 32))))))
        (br $next))
        ;; 20 fd_read
        (global.set $last (i64.extend_i32_u (call $fd_read (i32.wrap_i64 (local.get $a)) (i32.wrap_i64 (local.get $b)) (i32.wrap_i64 (i64.shr_u (local.get $a) (i64.const 32))) (i32.wrap_i64 (i64.shr_u (local.get $b) (i64.const 32))))))
        (br $next))
        ;; 21 random_get
        (global.set $last (i64.extend_i32_u (call $random_get (i32.wrap_i64 (local.get $a)) (i32.wrap_i64 (local.get $b)))))
        (br $next))
        ;; 22 environ_get
        (global.set $last (i64.extend_i32_u (call $environ_get (i32.wrap_i64 (local.get $a)) (i32.wrap_i64 (local.get $b)))))
        (br $next))
        ;; 23 args_get
        (global.set $last (i64.extend_i32_u (call $args_get (i32.wrap_i64 (local.get $a)) (i32.wrap_i64 (local.get $b)))))
        (br $next))
        ;; 24 clock_time_get
        (global.set $last (i64.extend_i32_u (call $clock_time_get (i32.wrap_i64 (local.get $a)) (local.get $b) (i32.wrap_i64 (i64.shr_u (local.get $a) (i64.const 32))))))
        (br $next))
        ;; 25 path_open
        (global.set $last (i64.extend_i32_u (call $path_open (i32.wrap_i64 (local.get $a)) (i32.const 0) (i32.wrap_i64 (local.get $b)) (i32.wrap_i64 (i64.shr_u (local.get $b) (i64.const 32))) (i32.const 0) (i64.const -1) (i64.const -1) (i32.const 0) (i32.wrap_i64 (i64.shr_u (local.get $a) (i64.const 32))))))
        (br $next)
      ))
    (i32.const 0)))
