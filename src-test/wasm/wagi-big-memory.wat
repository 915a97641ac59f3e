;; WAGI fixture: declares a memory of at least 8192 pages (512 MiB); _start
;; returns at once. A 256 MiB memory limit must refuse to instantiate it.
(module
  (memory (export "memory") 8192)
  (func (export "_start")))
