;; Eight tables of 10 million entries each (about 1.2 GiB for the JVM): must be
;; refused at build under a 256 MiB memory limit, never instantiated.
(module
  (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref)
  (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref) (table 10000000 funcref)
  (memory (export "memory") 1)
  (func (export "_start")))
