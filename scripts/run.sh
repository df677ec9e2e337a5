#!/usr/bin/env bash
# The main job: build examples/hello in both modes, and compare them against plain JavaScript:
# as Lambdas run them, against a TypeScript Genezio class (`gzrs bench`), and on each web
# runtime, against a JavaScript fetch handler (`gzrs bench --platform web`); then the finer
# measurements behind docs/benchmarks.md.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$REPO/scripts/setup.sh"
cd "$REPO"

cargo build --release -p gzrs
GZRS="$REPO/target/release/gzrs"
export GZRS_LAMBDA_RIC="$REPO/tests/node/node_modules/.bin/aws-lambda-ric"

echo "==> gzrs build --mode wasm examples/hello"
"$GZRS" build --mode wasm --out target/gzrs/wasm examples/hello
echo "==> gzrs build --mode native examples/hello (executables for x86_64 and arm64)"
"$GZRS" build --mode native --out target/gzrs/native examples/hello
ls -l target/gzrs/wasm/server/gzrs/service.wasm target/gzrs/native/server/gzrs/service-*

echo "==> gzrs bench examples/hello (the genezio-aws model, then the genezio-cloud model)"
mkdir -p target/gzrs/bench
"$GZRS" bench examples/hello --json target/gzrs/bench/hello.json --svg target/gzrs/bench/hello.svg

echo "==> gzrs bench --platform web examples/hello (node, deno, bun, workerd)"
"$GZRS" bench --platform web examples/hello --json target/gzrs/bench/hello-web.json --svg target/gzrs/bench/hello-web.svg

echo "==> the floor under the wasm mode on genezio-cloud: the module replaced by a stub"
node bench/js/wasm-floor.mjs target/gzrs/bench/hello/{typescript,wasm}/cloud/task 3000 9

echo "==> shipping the executable as a file or embedded as base64 (fresh node processes)"
node bench/js/embed.mjs target/gzrs/native/server/gzrs/service-arm64 21

echo "==> cold load of the wasm module and its first request (fresh node processes)"
node bench/js/load.mjs target/gzrs/wasm 20

echo "==> peak memory of the wasm module under load (one process)"
node bench/js/memory.mjs target/gzrs/wasm

echo "==> per-request cost: wasm path beside the native router"
GZRS_BENCH_PROJECT="$REPO/target/gzrs/wasm" cargo bench -q -p gzrs-wasm --bench request_path
