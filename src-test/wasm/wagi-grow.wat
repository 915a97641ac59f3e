;; WAGI fixture: memory starts at 1 page with no maximum; _start grows it by
;; 16 pages (1 MiB) at a time until memory.grow answers -1, then traps
;; (unreachable). A memory limit must refuse a grow long before the 4 GiB cap.
(module
  (memory (export "memory") 1)
  (func (export "_start")
    (loop $more
      (br_if $more (i32.ne (memory.grow (i32.const 16)) (i32.const -1))))
    (unreachable)))
