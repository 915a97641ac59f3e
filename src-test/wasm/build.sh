#!/usr/bin/env bash
# Rebuilds every .wasm test fixture in this directory from its source.
# Needs wabt (wat2wasm) and clang with the wasm32-wasi target (wasm-ld, the
# wasi-libc sysroot and the compiler-rt wasm32 builtins). On Debian:
#   apt-get install -y wabt clang lld wasi-libc libclang-rt-14-dev-wasm32
# The output is deterministic: running it twice gives identical bytes.
set -euo pipefail
cd "$(dirname "$0")"

PACKAGES="wabt clang lld wasi-libc libclang-rt-14-dev-wasm32"
missing() {
  echo "build.sh: $1 is missing; on Debian: apt-get install -y $PACKAGES" >&2
  exit 1
}
for tool in wat2wasm clang wasm-ld; do
  command -v "$tool" >/dev/null 2>&1 || missing "$tool"
done
probe=$(mktemp -d)
trap 'rm -rf "$probe"' EXIT
echo 'int main(void) { return 0; }' >"$probe/probe.c"
clang --target=wasm32-wasi -O2 -o "$probe/probe.wasm" "$probe/probe.c" 2>"$probe/err" ||
  { cat "$probe/err" >&2; missing "the wasm32-wasi C toolchain (sysroot or builtins)"; }

# WAGI programs: WASI commands with _start.
CFLAGS=(--target=wasm32-wasi -O2 -Wall -Wextra -Wl,--strip-all)
# Extism plugins: no _start and no libc start-up; exports come from
# EXTISM_EXPORT (export_name) in the source. libc is linked for memcpy/strlen
# only, which import nothing.
PLUGIN_FLAGS=("${CFLAGS[@]}" -nostartfiles -Wl,--no-entry)
# Extism plugin that also uses WASI: a reactor (exports _initialize).
REACTOR_FLAGS=("${CFLAGS[@]}" -mexec-model=reactor)

# wagi-kv.c, wagi-kv-atomic.c and wagi-capabilities.c include samples/wasm/isola-host.h, the header users get.
for src in wagi-*.c; do
  clang "${CFLAGS[@]}" -I ../../samples/wasm -o "${src%.c}.wasm" "$src"
done
for src in extism-greet.c extism-meta.c extism-error.c extism-log.c extism-http.c extism-fetch.c extism-kv.c \
    extism-status.c extism-proxy.c; do
  clang "${PLUGIN_FLAGS[@]}" -I ../../samples/wasm -o "${src%.c}.wasm" "$src"
done
for src in extism-wasi.c extism-files.c; do
  clang "${REACTOR_FLAGS[@]}" -o "${src%.c}.wasm" "$src"
done

# Every WAT fixture, the benchmark ones (bench-page, bench-kv, bench-call) included.
for src in *.wat; do
  case "$src" in
    invalid-type.wat) wat2wasm --no-check -o "${src%.wat}.wasm" "$src" ;;
    multi-memory.wat) wat2wasm --enable-multi-memory -o "${src%.wat}.wasm" "$src" ;;
    *) wat2wasm -o "${src%.wat}.wasm" "$src" ;;
  esac
done

# Functions too large for one JVM method (Chicory's compiler refuses them, so
# they run in the interpreter): 12000 global updates, generated here rather than
# kept as 700 KB of text. wagi-huge-function then prints a response;
# wagi-huge-loop ends in an endless br_if loop that only a timeout stops.
huge() { # $1: the code after the updates
  echo '(module'
  echo '  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))'
  echo '  (memory (export "memory") 1)'
  echo '  (global $g (mut i32) (i32.const 0))'
  echo '  (data (i32.const 0) "\10\00\00\00\1e\00\00\00")'
  echo '  (data (i32.const 16) "Content-Type: text/plain\n\nbig\n")'
  echo '  (func (export "_start")'
  for ((i = 0; i < 12000; i++)); do
    echo "    (global.set \$g (i32.add (global.get \$g) (i32.const $((i % 100)))))"
  done
  echo "    $1))"
}
huge '(drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))' >"$probe/huge-function.wat"
wat2wasm -o wagi-huge-function.wasm "$probe/huge-function.wat"
huge '(loop $spin (br_if $spin (i32.const 1)))' >"$probe/huge-loop.wat"
wat2wasm -o wagi-huge-loop.wasm "$probe/huge-loop.wat"

# bench-page.wat plus a 64 KiB data segment (2 pages of memory), for the
# benchmarks' data-segment case; the segment is generated rather than kept as
# 64 KiB of text.
{
  sed -e '/^;;/d' -e 's/(memory (export "memory") 1)/(memory (export "memory") 2)/' -e '$d' bench-page.wat
  printf '    (i32.const 0))\n  (data (i32.const 1024) "'
  head -c 65536 /dev/zero | tr '\0' 'd'
  printf '"))\n'
} >"$probe/bench-data64k.wat"
wat2wasm -o bench-data64k.wasm "$probe/bench-data64k.wat"

# Not modules at all.
head -c 20 wagi-hello.wasm >truncated.wasm
printf 'console.log("hi")\n' >not-wasm.wasm

chmod 644 ./*.wasm

echo "build.sh: built $(ls ./*.wasm | wc -l) fixtures in $(pwd)"
