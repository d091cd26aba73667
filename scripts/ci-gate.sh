#!/usr/bin/env bash
# Runs a poolbench scenario as a CI gate: exits 1 when a check fails, 2 on a
# bad scenario. Writes the report to OUT_DIR (default reports/gate), a
# Markdown summary to $GITHUB_STEP_SUMMARY when it is set, and JUnit XML to
# OUT_DIR/junit.xml for CI systems that read it.
#
# Usage: scripts/ci-gate.sh SCENARIO [OUT_DIR]
#   e.g. scripts/ci-gate.sh scenarios/ci.toml reports/ci
set -uo pipefail
scenario=${1:?usage: scripts/ci-gate.sh SCENARIO [OUT_DIR]}
out=${2:-reports/gate}
cd "$(dirname "$0")/.."

cargo build --release --locked --quiet || exit 2
bin=target/release/poolbench

"$bin" run "$scenario" --out "$out" --format markdown >"$out.md.tmp" 2>"$out.log"
status=$?
cat "$out.log" >&2
if [ "$status" -ne 2 ]; then
  mv "$out.md.tmp" "$out/summary.md"
  cat "$out/summary.md"
  [ -n "${GITHUB_STEP_SUMMARY:-}" ] && cat "$out/summary.md" >>"$GITHUB_STEP_SUMMARY"
  # The same run's checks as JUnit, from the saved results.
  "$bin" report "$out/results.json" --format junit >"$out/junit.xml" 2>/dev/null
else
  rm -f "$out.md.tmp"
fi
rm -f "$out.log"
exit "$status"
