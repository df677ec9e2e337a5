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

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  echo "==> rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# The Genezio CLI and its types, pinned by tests/node/package-lock.json.
if [ ! -x "$REPO/tests/node/node_modules/.bin/genezio" ] ||
   [ "$REPO/tests/node/package-lock.json" -nt "$REPO/tests/node/node_modules/.package-lock.json" ]; then
  echo "==> npm ci (genezio CLI, @genezio/types) in tests/node"
  (cd "$REPO/tests/node" && npm ci --no-audit --no-fund --loglevel=error)
fi
export PATH="$REPO/tests/node/node_modules/.bin:$PATH"
export GENEZIO_NO_TELEMETRY=1
