;; Fixture: imports env.launch_missiles, which no host provides, so the module
;; cannot be linked; _start would call it.
(module
  (import "env" "launch_missiles" (func $launch_missiles))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $launch_missiles)))
