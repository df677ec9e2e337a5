#!/usr/bin/env bash
# Fuzzes every gzrs parser that reads outside bytes (fuzz/src/lib.rs says which and what each
# must hold), SECONDS per target: the Rust targets with cargo fuzz (libFuzzer, nightly), the
# class side of the sidecar's frames with fast-check. Seeds come from the test corpus.
#
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (default 30 s each, every target)
#   The test suite runs the default; a longer search: scripts/fuzz.sh 1800
# A crash stops the run: the input is saved under fuzz/artifacts/TARGET/, and
#   cargo +nightly fuzz run -s none TARGET fuzz/artifacts/TARGET/crash-...   replays it.
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
SECONDS_EACH="${1:-30}"
shift || true
ALL=(request_object lambda_dispatch sidecar_frames emulator_front emulator_runtime_api frames_js)
TARGETS=("${@:-${ALL[@]}}")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
  echo "==> rustup toolchain install nightly --profile minimal (cargo fuzz needs it)"
  if ! rustup toolchain install nightly --profile minimal; then
    echo "scripts/fuzz.sh: cargo fuzz needs the nightly toolchain, and rustup could not install it: run \`rustup toolchain install nightly\`" >&2
    exit 1
  fi
fi
CARGO_FUZZ_VERSION=0.13.2
if ! cargo fuzz --version 2>/dev/null | grep -q "$CARGO_FUZZ_VERSION"; then
  echo "==> cargo install cargo-fuzz@$CARGO_FUZZ_VERSION (about 2 minutes, once)"
  cargo install --locked --quiet "cargo-fuzz@$CARGO_FUZZ_VERSION"
fi

echo "==> fuzz seeds from the test corpus"
cargo run --quiet -p gzrs-tests --bin fuzz_seeds -- fuzz/corpus

# No sanitizer: the code fuzzed is safe Rust, and uninstrumented it runs several times faster.
# Debug assertions (overflow checks) stay on.
echo "==> cargo +nightly fuzz build (about 3 minutes the first time)"
(cd fuzz && cargo +nightly fuzz build -s none)

for target in "${TARGETS[@]}"; do
  echo "==> fuzzing $target for ${SECONDS_EACH}s"
  if [ "$target" = frames_js ]; then
    # Its two properties share the time.
    GZRS_FUZZ_SECONDS="$((SECONDS_EACH / 2))" node --test build/js-host/test/frames.test.mjs
    continue
  fi
  mkdir -p "fuzz/corpus/$target"
  # -timeout: one input taking this long is a hang; -rss_limit_mb: a leak is a crash.
  (cd fuzz && cargo +nightly fuzz run -s none "$target" "corpus/$target" -- \
    -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 2>&1 |
    grep -E "^(#[0-9]+ +DONE|Done|stat::number_of_executed_units|stat::peak_rss_mb|==|SUMMARY|.*panicked|.*Test unit written|INFO: seed corpus)" || true
    test "${PIPESTATUS[0]}" -eq 0)
done
echo "==> fuzzing done: no crash in ${#TARGETS[@]} targets, ${SECONDS_EACH}s each"
