;; WAGI fixture: _start calls $f, which calls itself without end (not a tail
;; call: it adds its parameter to the result), so the call stack overflows.
(module
  (memory (export "memory") 1)
  (func $f (param $n i32) (result i32)
    (i32.add
      (call $f (i32.add (local.get $n) (i32.const 1)))
      (local.get $n)))
  (func (export "_start")
    (drop (call $f (i32.const 0)))))
