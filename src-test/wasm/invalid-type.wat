;; Fixture: well-formed binary that fails validation: i32.add on an i64 and
;; an i32. Built with wat2wasm --no-check.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (drop (i32.add (i64.const 1) (i32.const 2)))))
