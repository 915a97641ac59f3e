;; WAGI fixture: _start loads an i32 at 0xFFFFFFF0 from a 1-page memory:
;; an out-of-bounds memory access trap. The address comes from a global.
(module
  (memory (export "memory") 1)
  (global $addr (mut i32) (i32.const 0xFFFFFFF0))
  (func (export "_start")
    (drop (i32.load (global.get $addr)))))
