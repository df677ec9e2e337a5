#!/usr/bin/env bash
# Installs what gzrs's build, tests and benchmarks need, or says exactly what is missing.
# Sourced by run.sh and test.sh; safe to run again (each step checks first).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "error: $1 is missing. $2" >&2; exit 1; }
}
need cargo "Install Rust with rustup: https://rustup.rs"
need rustup "gzrs installs Rust targets with rustup: https://rustup.rs"
need node "Install Node.js 20 (https://nodejs.org), or on Debian: apt-get install nodejs npm"
need npm "Install npm (it comes with Node.js 20)"

node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "error: Node.js $node_major found; Genezio runs nodejs20.x, install Node.js 20 or later" >&2
  exit 1
fi

for target in wasm32-wasip1 x86_64-unknown-linux-musl aarch64-unknown-linux-musl; do
  if ! rustup target list --installed | grep -qx "$target"; then
    echo "==> rustup target add $target"
    rustup target add "$target"
  fi
done

# Debian packages: qemu-user-static runs the arm64 executable; gcc-aarch64-linux-gnu compiles
# the C code of crates like ring for arm64; binaryen's wasm-opt shrinks the wasm module (gzrs
# builds without it, with a warning); cmake, autoconf, automake, libtool and g++ build
# aws-lambda-ric (AWS's Node runtime client) from source; clang, lld, llvm (llvm-ar) and
# wasi-libc compile the C code of crates like ring and zstd-sys for wasm mode; wrk drives
# `gzrs bench --platform server`; buildah builds the server's image (no daemon needed).
missing=()
command -v wasm-opt >/dev/null 2>&1 || missing+=(binaryen)
command -v clang >/dev/null 2>&1 || missing+=(clang lld)
command -v llvm-ar >/dev/null 2>&1 || missing+=(llvm)
[ -f /usr/include/wasm32-wasi/stdio.h ] || missing+=(wasi-libc libclang-rt-dev-wasm32)
command -v qemu-aarch64-static >/dev/null 2>&1 || missing+=(qemu-user-static)
command -v aarch64-linux-gnu-gcc >/dev/null 2>&1 || missing+=(gcc-aarch64-linux-gnu)
command -v wrk >/dev/null 2>&1 || missing+=(wrk)
command -v buildah >/dev/null 2>&1 || missing+=(buildah)
for tool in cmake autoconf automake libtool g++ make; do
  package="$tool"
  [ "$tool" = libtool ] && { command -v libtoolize >/dev/null 2>&1 && continue; package=libtool; }
  command -v "$tool" >/dev/null 2>&1 || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    echo "error: missing Debian packages: ${missing[*]}. Install them with:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# node-gyp (for aws-lambda-ric) uses the system's Node headers rather than downloading them.
if [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi

# The Genezio CLI, its types, aws-lambda-ric, the runtimes and wrangler, pinned by
# tests/node/package-lock.json.
if [ ! -x "$REPO/tests/node/node_modules/.bin/wrangler" ] ||
   [ "$REPO/tests/node/package-lock.json" -nt "$REPO/tests/node/node_modules/.package-lock.json" ]; then
  echo "==> npm ci (genezio CLI, aws-lambda-ric, deno, bun, workerd, wrangler: about 2 minutes) in tests/node"
  (cd "$REPO/tests/node" && MAKEFLAGS="-j$(nproc)" npm ci --no-audit --no-fund --loglevel=error)
fi
# Node 22 and 24 beside the machine's 20, each run by its path (tests/node-versions).
if [ ! -x "$REPO/tests/node-versions/node_modules/node24/bin/node" ] ||
   [ "$REPO/tests/node-versions/package-lock.json" -nt "$REPO/tests/node-versions/node_modules/.package-lock.json" ]; then
  echo "==> npm ci (Node 22 and 24) in tests/node-versions"
  (cd "$REPO/tests/node-versions" && npm ci --no-audit --no-fund --loglevel=error)
fi
export PATH="$REPO/tests/node/node_modules/.bin:$PATH"
export GENEZIO_NO_TELEMETRY=1
export WRANGLER_SEND_METRICS=false
