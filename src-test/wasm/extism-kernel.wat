;; Extism fixture: one export per rule of the Extism kernel and runtime that a
;; plugin can observe, each written with nothing but extism:host/env calls. Most
;; answer with a few bytes of output that say what the host answered; the rest
;; end the call in the way under test. Byte strings come from the data segment
;; below and are copied into Extism blocks with $put.
(module
  (import "extism:host/env" "alloc" (func $alloc (param i64) (result i64)))
  (import "extism:host/env" "free" (func $free (param i64)))
  (import "extism:host/env" "length" (func $length (param i64) (result i64)))
  (import "extism:host/env" "length_unsafe" (func $length_unsafe (param i64) (result i64)))
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
  (import "extism:host/env" "log_trace" (func $log_trace (param i64)))
  (import "extism:host/env" "log_debug" (func $log_debug (param i64)))
  (import "extism:host/env" "log_info" (func $log_info (param i64)))
  (import "extism:host/env" "log_error" (func $log_error (param i64)))
  (import "extism:host/env" "get_log_level" (func $get_log_level (result i32)))
  (memory (export "memory") 1)
  ;; 0: "Hello, World!" (13)   16: "abcdefgh" (8)   32: "bad" (3)   40: "nope" (4)
  ;; 48: "greeting" (8)        64: "k" (1)          72: "v1" (2)    80: 0xff (1)
  ;; 88: "ok" (2). 1024 and up: scratch for answers.
  (data (i32.const 0) "Hello, World!")
  (data (i32.const 16) "abcdefgh")
  (data (i32.const 32) "bad")
  (data (i32.const 40) "nope")
  (data (i32.const 48) "greeting")
  (data (i32.const 64) "k")
  (data (i32.const 72) "v1")
  (data (i32.const 80) "\ff")
  (data (i32.const 88) "ok")

  ;; A new Extism block holding linear memory [ptr, ptr + len).
  (func $put (param $ptr i32) (param $len i32) (result i64)
    (local $off i64) (local $i i32)
    (local.set $off (call $alloc (i64.extend_i32_u (local.get $len))))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $len)))
        (call $store_u8 (i64.add (local.get $off) (i64.extend_i32_u (local.get $i)))
          (i32.load8_u (i32.add (local.get $ptr) (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $off))

  ;; Sets the output to a copy of linear memory [ptr, ptr + len).
  (func $answer (param $ptr i32) (param $len i32)
    (call $output_set (call $put (local.get $ptr) (local.get $len)) (i64.extend_i32_u (local.get $len))))

  ;; ---- output ----

  ;; output_set first, bytes after: Extism reads the output once the call is
  ;; over, so the body is "ABCDEFGH".
  (func (export "output_then_write") (result i32)
    (local $p i64)
    (local.set $p (call $alloc (i64.const 8)))
    (call $output_set (local.get $p) (i64.const 8))
    (call $store_u64 (local.get $p) (i64.const 0x4847464544434241))
    (i32.const 0))

  ;; output_set, then free the block: the body is what the block held when it
  ;; was freed ("abcdefgh").
  (func (export "output_then_free") (result i32)
    (local $p i64)
    (local.set $p (call $put (i32.const 16) (i32.const 8)))
    (call $output_set (local.get $p) (i64.const 8))
    (call $free (local.get $p))
    (i32.const 0))

  ;; output_set of a range inside a block: "World".
  (func (export "output_sub_range") (result i32)
    (call $output_set (i64.add (call $put (i32.const 0) (i32.const 13)) (i64.const 7)) (i64.const 5))
    (i32.const 0))

  ;; output_set(0, 0) after a real output_set: the kernel ignores it, the body
  ;; stays "abc".
  (func (export "output_zero_zero") (result i32)
    (call $output_set (call $put (i32.const 16) (i32.const 8)) (i64.const 3))
    (call $output_set (i64.const 0) (i64.const 0))
    (i32.const 0))

  ;; output_set(block, 0) after a real output_set: an empty body.
  (func (export "output_empty") (result i32)
    (local $p i64)
    (local.set $p (call $put (i32.const 16) (i32.const 8)))
    (call $output_set (local.get $p) (i64.const 8))
    (call $output_set (local.get $p) (i64.const 0))
    (i32.const 0))

  ;; output_set of a range that starts in one block and ends past it, into
  ;; the next one: outside any single block, which Isola refuses.
  (func (export "output_across_blocks") (result i32)
    (local $p i64)
    (local.set $p (call $alloc (i64.const 8)))
    (drop (call $alloc (i64.const 8)))
    (call $output_set (local.get $p) (i64.const 24))
    (i32.const 0))

  ;; ---- input ----

  ;; 27 bytes: input_load_u64 at 0, at input_length - 8 and at 2^64 - 1, then
  ;; input_load_u8 at input_length, at 2^64 - 1 and at 0. Past the input the
  ;; kernel answers 0, and a u64 read is 0 unless all 8 bytes are in the input.
  (func (export "input_reads") (result i32)
    (local $p i64)
    (local.set $p (call $alloc (i64.const 27)))
    (call $store_u64 (local.get $p) (call $input_load_u64 (i64.const 0)))
    (call $store_u64 (i64.add (local.get $p) (i64.const 8))
      (call $input_load_u64 (i64.sub (call $input_length) (i64.const 8))))
    (call $store_u64 (i64.add (local.get $p) (i64.const 16)) (call $input_load_u64 (i64.const -1)))
    (call $store_u8 (i64.add (local.get $p) (i64.const 24)) (call $input_load_u8 (call $input_length)))
    (call $store_u8 (i64.add (local.get $p) (i64.const 25)) (call $input_load_u8 (i64.const -1)))
    (call $store_u8 (i64.add (local.get $p) (i64.const 26)) (call $input_load_u8 (i64.const 0)))
    (call $output_set (local.get $p) (i64.const 27))
    (i32.const 0))

  ;; Copies the input 8 bytes at a time, the last chunk included even when it
  ;; is partial, and answers input_length bytes of the copy: whole chunks come
  ;; through, a partial last one reads as zeros, as on the kernel.
  (func (export "input_chunks") (result i32)
    (local $n i64) (local $p i64) (local $i i64)
    (local.set $n (call $input_length))
    (local.set $p (call $alloc (i64.and (i64.add (local.get $n) (i64.const 7)) (i64.const -8))))
    (block $done
      (loop $next
        (br_if $done (i64.ge_u (local.get $i) (local.get $n)))
        (call $store_u64 (i64.add (local.get $p) (local.get $i)) (call $input_load_u64 (local.get $i)))
        (local.set $i (i64.add (local.get $i) (i64.const 8)))
        (br $next)))
    (call $output_set (local.get $p) (local.get $n))
    (i32.const 0))

  ;; ---- error ----

  ;; error_set, then return 0: the runtime fails the call with "bad".
  (func (export "error_return_zero") (result i32)
    (call $error_set (call $put (i32.const 32) (i32.const 3)))
    (call $answer (i32.const 88) (i32.const 2))
    (i32.const 0))

  ;; error_set, then free the block, then return 1: the error's length is 0
  ;; now, so there is no error message, only the return code.
  (func (export "error_freed") (result i32)
    (local $e i64)
    (local.set $e (call $put (i32.const 32) (i32.const 3)))
    (call $error_set (local.get $e))
    (call $free (local.get $e))
    (i32.const 1))

  ;; error_set of an offset never handed out after a real one: ignored, so the
  ;; error is still "bad".
  (func (export "error_set_ignored") (result i32)
    (call $error_set (call $put (i32.const 32) (i32.const 3)))
    (call $error_set (i64.const 0x7fffffffffff))
    (i32.const 1))

  ;; Two bytes: 1 if error_get answers the very offset error_set was given,
  ;; then 1 if it answers 0 after error_set(0). The call succeeds ("ok" is not
  ;; the body: the two bytes are).
  (func (export "error_get_offset") (result i32)
    (local $e i64)
    (local.set $e (call $put (i32.const 32) (i32.const 3)))
    (call $error_set (local.get $e))
    (i32.store8 (i32.const 1024) (i64.eq (call $error_get) (local.get $e)))
    (call $error_set (i64.const 0))
    (i32.store8 (i32.const 1025) (i64.eqz (call $error_get)))
    (call $answer (i32.const 1024) (i32.const 2))
    (i32.const 0))

  ;; ---- memory ----

  ;; Six bytes, each 1 if the kernel answered as Extism does: alloc(0) is 0,
  ;; length(0) is 0, free(0) and a double free are harmless, a freed block's
  ;; length and length_unsafe are 0, an interior offset's length is 0.
  (func (export "memory_rules") (result i32)
    (local $p i64)
    (i32.store8 (i32.const 1024) (i64.eqz (call $alloc (i64.const 0))))
    (i32.store8 (i32.const 1025) (i64.eqz (call $length (i64.const 0))))
    (call $free (i64.const 0))
    (local.set $p (call $alloc (i64.const 16)))
    (i32.store8 (i32.const 1026) (i32.and (i64.eqz (call $length (i64.add (local.get $p) (i64.const 1))))
      (i64.eqz (call $length_unsafe (i64.add (local.get $p) (i64.const 1))))))
    (i32.store8 (i32.const 1027) (i64.eq (call $length_unsafe (local.get $p)) (i64.const 16)))
    (call $free (local.get $p))
    (call $free (local.get $p))
    (i32.store8 (i32.const 1028) (i64.eqz (call $length (local.get $p))))
    (i32.store8 (i32.const 1029) (i64.eqz (call $length_unsafe (local.get $p))))
    (call $answer (i32.const 1024) (i32.const 6))
    (i32.const 0))

  ;; load_u64 of a 4-byte block: the kernel would read 4 bytes past it (its
  ;; allocator's bookkeeping); Isola ends the call instead.
  (func (export "load_u64_short_block") (result i32)
    (drop (call $load_u64 (call $alloc (i64.const 4))))
    (i32.const 0))

  ;; ---- vars and config ----

  ;; Three bytes: var_get of a missing var is 0; after var_set("k", "v1") the
  ;; value's length (2); after var_set("k", 0) var_get is 0 again.
  (func (export "var_rules") (result i32)
    (i32.store8 (i32.const 1024) (i64.eqz (call $var_get (call $put (i32.const 64) (i32.const 1)))))
    (call $var_set (call $put (i32.const 64) (i32.const 1)) (call $put (i32.const 72) (i32.const 2)))
    (i32.store8 (i32.const 1025) (i32.wrap_i64 (call $length (call $var_get (call $put (i32.const 64) (i32.const 1))))))
    (call $var_set (call $put (i32.const 64) (i32.const 1)) (i64.const 0))
    (i32.store8 (i32.const 1026) (i64.eqz (call $var_get (call $put (i32.const 64) (i32.const 1)))))
    (call $answer (i32.const 1024) (i32.const 3))
    (i32.const 0))

  ;; var_set("k", n zero bytes), n the input's first u64.
  (func (export "var_set_size") (result i32)
    (call $var_set (call $put (i32.const 64) (i32.const 1)) (call $alloc (call $input_load_u64 (i64.const 0))))
    (i32.const 0))

  ;; var_set("k", n zero bytes), then var_set("k", 1 byte): the runtime still
  ;; counts the value being replaced.
  (func (export "var_replace") (result i32)
    (call $var_set (call $put (i32.const 64) (i32.const 1)) (call $alloc (call $input_load_u64 (i64.const 0))))
    (call $var_set (call $put (i32.const 64) (i32.const 1)) (call $alloc (i64.const 1)))
    (i32.const 0))

  ;; var_get with a key that is not UTF-8: the runtime fails the call.
  (func (export "var_key_not_utf8") (result i32)
    (drop (call $var_get (call $put (i32.const 80) (i32.const 1))))
    (i32.const 0))

  ;; Two bytes: 1 if config_get("nope") is 0, then the length of
  ;; config_get("greeting").
  (func (export "config_rules") (result i32)
    (i32.store8 (i32.const 1024) (i64.eqz (call $config_get (call $put (i32.const 40) (i32.const 4)))))
    (i32.store8 (i32.const 1025)
      (i32.wrap_i64 (call $length (call $config_get (call $put (i32.const 48) (i32.const 8))))))
    (call $answer (i32.const 1024) (i32.const 2))
    (i32.const 0))

  ;; ---- logs ----

  ;; One byte: get_log_level.
  (func (export "log_level") (result i32)
    (i32.store8 (i32.const 1024) (call $get_log_level))
    (call $answer (i32.const 1024) (i32.const 1))
    (i32.const 0))

  ;; log_trace, log_debug and log_info of an offset that is no block: below
  ;; the log level the runtime drops them unread, so the call succeeds.
  (func (export "log_below_level_bad_offset") (result i32)
    (call $log_trace (i64.const 999999))
    (call $log_debug (i64.const 999999))
    (call $log_info (i64.const 999999))
    (call $answer (i32.const 88) (i32.const 2))
    (i32.const 0))

  ;; log_error of an offset that is no block: logged lines are read, so the
  ;; call fails.
  (func (export "log_error_bad_offset") (result i32)
    (call $log_error (i64.const 999999))
    (i32.const 0)))
