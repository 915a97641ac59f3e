;; Two memories (the multi-memory proposal; built with --enable-multi-memory):
;; Isola runs modules with one memory, so this must be refused at build.
(module
  (memory (export "memory") 1)
  (memory $second 1)
  (func (export "_start")))
