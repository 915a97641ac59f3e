;; WAGI fixture: _start loops forever, calling a small function each time.
(module
  (memory (export "memory") 1)
  (global $ticks (mut i64) (i64.const 0))
  (func $tick
    (global.set $ticks (i64.add (global.get $ticks) (i64.const 1))))
  (func (export "_start")
    (loop $forever
      (call $tick)
      (br $forever))))
