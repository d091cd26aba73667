#!/usr/bin/env bash
# Runs the whole test suite N times while two CPU hogs keep both cores busy:
# a suite that passes here does not fail a landing for the machine's sake.
# Prints each run's outcome and "K of N green"; exits 1 unless all were.
#
# Usage: scripts/stress-tests.sh [N]    (default 10)
#   STRESS_HOGS=2 sets how many hogs run beside the suite.
set -uo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
hogs=${STRESS_HOGS:-2}
log_dir=$(mktemp -d)

cargo test --locked --no-run --quiet 2>"$log_dir/build.log" || {
  cat "$log_dir/build.log" >&2
  exit 2
}

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap cleanup EXIT
for _ in $(seq "$hogs"); do
  (while :; do :; done) &
  pids+=($!)
done

green=0
for i in $(seq "$runs"); do
  start=$(date +%s)
  if cargo test --locked --no-fail-fast --quiet >"$log_dir/run-$i.log" 2>&1; then
    green=$((green + 1))
    echo "run $i of $runs: green ($(($(date +%s) - start)) s)"
  else
    echo "run $i of $runs: RED ($(($(date +%s) - start)) s), failures:"
    grep -E "^(test .* FAILED|---- .* ----|thread .* panicked)" "$log_dir/run-$i.log" | sed 's/^/    /'
    echo "    full log: $log_dir/run-$i.log"
  fi
done
echo "$green of $runs green beside $hogs CPU hogs"
[ "$green" -eq "$runs" ]
