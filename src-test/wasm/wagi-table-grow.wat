;; Grows its table by 1000 entries, then asks for 9 million more, far past any
;; route's memory limit at 16 bytes an entry. Exits with 100 + size / 1000 when
;; that second grow is refused (-1), with 7 if it is not. In a fresh instance
;; per call the status is 101 every time; a table shared between calls would
;; count up.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (table $t 1 funcref)
  (func (export "_start")
    (drop (table.grow $t (ref.null func) (i32.const 1000)))
    (if (i32.eq (table.grow $t (ref.null func) (i32.const 9000000)) (i32.const -1))
      (then (call $exit (i32.add (i32.const 100) (i32.div_u (table.size $t) (i32.const 1000)))))
      (else (call $exit (i32.const 7))))))
