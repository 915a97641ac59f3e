;; WAGI fixture: a global and a word of memory, both 0 at instantiation, are
;; incremented by _start, which answers "global=<g> memory=<m>\n" (text/plain).
;; A fresh instance per request reads "global=1 memory=1" every time.
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (global $counter (mut i32) (i32.const 0))

  ;; 0: the memory counter; 8: two iovecs; 24: nwritten;
  ;; 32: the header; 64: label text; 128: the body being built.
  (data (i32.const 0) "\00\00\00\00")
  (data (i32.const 32) "Content-Type: text/plain\n\n")
  (data (i32.const 64) "global= memory=")

  ;; Copies len bytes from src to dst; returns dst + len.
  (func $copy (param $dst i32) (param $src i32) (param $len i32) (result i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $len)))
        (i32.store8 (local.get $dst) (i32.load8_u (local.get $src)))
        (local.set $dst (i32.add (local.get $dst) (i32.const 1)))
        (local.set $src (i32.add (local.get $src) (i32.const 1)))
        (local.set $len (i32.sub (local.get $len) (i32.const 1)))
        (br $next)))
    (local.get $dst))

  ;; Writes v (unsigned) in decimal at dst; returns the end.
  (func $utoa (param $dst i32) (param $v i32) (result i32)
    (local $n i32) (local $len i32) (local $p i32)
    ;; count the digits
    (local.set $n (local.get $v))
    (loop $count
      (local.set $len (i32.add (local.get $len) (i32.const 1)))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $count (local.get $n)))
    ;; write them from the last one back
    (local.set $p (i32.add (local.get $dst) (local.get $len)))
    (loop $digit
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p)
        (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (local.set $v (i32.div_u (local.get $v) (i32.const 10)))
      (br_if $digit (local.get $v)))
    (i32.add (local.get $dst) (local.get $len)))

  (func (export "_start")
    (local $end i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))

    ;; "global=<g> memory=<m>\n" at 128
    (local.set $end (call $copy (i32.const 128) (i32.const 64) (i32.const 7)))
    (local.set $end (call $utoa (local.get $end) (global.get $counter)))
    (local.set $end (call $copy (local.get $end) (i32.const 71) (i32.const 8)))
    (local.set $end (call $utoa (local.get $end) (i32.load (i32.const 0))))
    (i32.store8 (local.get $end) (i32.const 10))
    (local.set $end (i32.add (local.get $end) (i32.const 1)))

    ;; iovecs: the header (26 bytes), then the body
    (i32.store (i32.const 8) (i32.const 32))
    (i32.store (i32.const 12) (i32.const 26))
    (i32.store (i32.const 16) (i32.const 128))
    (i32.store (i32.const 20) (i32.sub (local.get $end) (i32.const 128)))
    (drop (call $fd_write (i32.const 1) (i32.const 8) (i32.const 2) (i32.const 24)))))
