#!/usr/bin/env bash
# The soak: REQUESTS (default 100,000) requests through one wasm instance and through one
# sidecar, 10 in flight, the fixture service's routes mixed with panics and requests over
# gzrs's limits; then RSS, open descriptors and the instance's tables must be back at their
# baseline (bench/js/soak.mjs says exactly what is compared). Not part of the test suite:
# it takes a few minutes.
#
# Usage: scripts/soak.sh [REQUESTS]
set -euo pipefail
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$REPO/scripts/setup.sh"
cd "$REPO"
REQUESTS="${1:-100000}"
WORK="$REPO/target/gzrs-soak"

echo "==> cargo build --release -p gzrs"
cargo build --release --quiet -p gzrs
echo "==> building tests/fixture-app in both modes"
./target/release/gzrs build --mode wasm --no-install --out "$WORK/wasm" tests/fixture-app
./target/release/gzrs build --mode native --arch "$(uname -m | sed s/aarch64/arm64/)" --no-install --out "$WORK/native" tests/fixture-app

status=0
for mode in wasm native; do
  echo "==> soak, $mode: $REQUESTS requests"
  # The service's stderr (a line per panic) goes to a log; the figures to $WORK/$mode.json.
  node --expose-gc bench/js/soak.mjs "$mode" "$WORK/$mode" "$REQUESTS" >"$WORK/$mode.json" 2>"$WORK/$mode.log" || status=1
  tail -n 1 "$WORK/$mode.json"
done
python3 - "$WORK" <<'PY'
import json, sys
rows = [json.loads(open(f"{sys.argv[1]}/{m}.json").read().strip().splitlines()[-1]) for m in ("wasm", "native")]
mb = lambda b: f"{b / 1048576:.0f}"
trio = lambda r, key: " / ".join(mb(r[p][key]) for p in ("before", "half", "after"))
print(f"\n{r['requests'] if (r := rows[0]) else ''} requests, {rows[0]['inFlight']} in flight; memory in MB at the baseline / half-way / end")
for r in rows:
    a, b = r["after"], r["before"]
    print(f"{r['mode']}: {r['requestsPerSecond']} requests/s, statuses {r['statuses']}")
    print(f"  Node RSS {trio(r, 'rss')}, V8 heap {trio(r, 'heapTotal')}, Node fds {b['fds']} -> {a['fds']}")
    if r["mode"] == "wasm":
        print(f"  instance memory {trio(r, 'memoryBytes')}; instances re-created after a panic {r['restarts']}, "
              f"requests ended by another's panic {r['endedByAnotherPanic']}")
        print(f"  tables after: pending {a['pending']}, instance tasks {a['instanceTasks']}, "
              f"wake-ups {a['scheduled']}, platform calls {a['hostCalls']}")
    else:
        print(f"  executable RSS {trio(r, 'serviceRss')}, its fds {b['serviceFds']} -> {a['serviceFds']}, "
              f"restarts {r['restarts']}, in flight after {a['inFlight']}")
    for p in r["problems"]:
        print(f"  PROBLEM: {p}")
PY
exit $status
