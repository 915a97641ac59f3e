;; WAGI fixture: _start spins forever in a loop with no calls inside.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $forever
      (br $forever))))
