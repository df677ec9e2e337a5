#!/usr/bin/env bash
# The whole test suite: Rust unit tests, the wasm host's node tests, and the end-to-end tests
# against the real Genezio CLI (genezio local, genezio bundleClass).
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$REPO/scripts/setup.sh"
cd "$REPO"

# How the suite compiles; each can be overridden from the environment.
# - No incremental data and line tables only for the test binaries: a run from clean gains nothing
#   from either, and they took a third of the run's disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"
# - The services the tests build with gzrs: without gzrs's whole-program optimization (lto, one
#   codegen unit), which changes no behaviour and makes each native link several times faster.
#   gzrs's own defaults are checked by build/src/profile.rs's tests.
export CARGO_PROFILE_RELEASE_LTO="${CARGO_PROFILE_RELEASE_LTO:-false}"
export CARGO_PROFILE_RELEASE_CODEGEN_UNITS="${CARGO_PROFILE_RELEASE_CODEGEN_UNITS:-16}"

echo "==> cargo build -p gzrs"
cargo build -p gzrs

echo "==> building the fixture service in wasm mode for the node tests"
FIXTURE="$REPO/target/gzrs-tests/js-host-fixture"
./target/debug/gzrs build --mode wasm --no-install --out "$FIXTURE" tests/fixture-app

echo "==> node --test build/js-host/test/"
GZRS_FIXTURE_PROJECT="$FIXTURE" node --test build/js-host/test/

echo "==> cargo test --workspace"
# Kept in a log too: a failing test's message is printed again at the very end, where a long
# run's output is read first.
TEST_LOG="$REPO/target/gzrs-tests/cargo-test.log"
mkdir -p "$(dirname "$TEST_LOG")"
if ! cargo test --workspace --no-fail-fast 2>&1 | tee "$TEST_LOG"; then
  echo
  echo "==> failed tests, their messages again (all output: $TEST_LOG)"
  # Each test binary's `failures:` block: every failed test's output, then their names.
  awk '/^failures:$/ { on = 1 } on { print } /^test result:/ { on = 0 }' "$TEST_LOG" | tail -c 20000
  exit 101
fi

# gzrs-class's `serve` (what generated entries turn on) is off in the workspace build.
echo "==> cargo test -p gzrs-class --features serve"
cargo test -p gzrs-class --features serve --test serve

echo "==> fuzzing every parser that reads outside bytes, 10 s each (scripts/fuzz.sh; longer: scripts/fuzz.sh 600)"
bash scripts/fuzz.sh 10
