#!/usr/bin/env bash
# The main job: build examples/hello with gzrs, serve it under the real `genezio local`, answer
# a few requests, and measure it (module size, cold load, per-request cost beside native).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$REPO/scripts/setup.sh"
cd "$REPO"

cargo build --release -p gzrs
GZRS="$REPO/target/release/gzrs"
OUT="$REPO/target/gzrs/wasm"

echo "==> gzrs build --mode wasm examples/hello"
"$GZRS" build --mode wasm --out "$OUT" examples/hello

echo "==> genezio local"
PORT="${PORT:-8083}"
(cd "$OUT" && exec setsid genezio local --port "$PORT" >"$REPO/target/gzrs/genezio-local.log" 2>&1) &
GENEZIO_PID=$!
trap 'kill -- -$GENEZIO_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fs -o /dev/null "http://127.0.0.1:$PORT/Hello/api/" && break
  sleep 1
done
for url in "/Hello/api/" "/Hello/api/hello/Genezio?greeting=Welcome"; do
  echo "GET $url -> $(curl -s "http://127.0.0.1:$PORT$url")"
done
echo "POST /Hello/api/echo -> $(curl -s -X POST -H 'content-type: text/plain' --data 'hi from curl' "http://127.0.0.1:$PORT/Hello/api/echo")"
kill -- -$GENEZIO_PID 2>/dev/null || true

echo "==> cold load of the wasm module (fresh node processes)"
node js-host/bench/load.mjs "$OUT" 20

echo "==> per-request cost: wasm path beside the native router"
GZRS_BENCH_PROJECT="$OUT" cargo bench -q -p gzrs-wasm --bench request_path
