#!/usr/bin/env bash
# Rebuilds the WebAssembly samples in this directory from their C sources.
# Needs clang with the wasm32-wasi target; on Debian:
#   apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32
set -euo pipefail
cd "$(dirname "$0")"

for tool in clang wasm-ld; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build.sh: $tool is missing; on Debian:" \
      "apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32" >&2
    exit 1
  fi
done

CFLAGS=(--target=wasm32-wasi -O2 -Wall -Wextra -Wl,--strip-all)

# WAGI: a WASI command; the host runs its _start once per request.
clang "${CFLAGS[@]}" -o hello-wagi.wasm hello-wagi.c
clang "${CFLAGS[@]}" -o visits-wagi.wasm visits-wagi.c

# Extism: no _start and no WASI; the export comes from ISOLA_EXPORT.
clang "${CFLAGS[@]}" -nostartfiles -Wl,--no-entry -o greet-extism.wasm greet-extism.c

chmod 644 ./*.wasm
echo "build.sh: built hello-wagi.wasm, visits-wagi.wasm and greet-extism.wasm"
