;; WAGI fixture: _start divides (i32.div_s) 1 by 0, both read from mutable
;; globals so the division happens at run time: an integer divide by zero trap.
(module
  (memory (export "memory") 1)
  (global $num (mut i32) (i32.const 1))
  (global $den (mut i32) (i32.const 0))
  (func (export "_start")
    (drop (i32.div_s (global.get $num) (global.get $den)))))
