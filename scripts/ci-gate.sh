#!/usr/bin/env bash
# Runs a poolbench scenario as a CI gate: exits 1 when a check fails, 2 on a
# bad scenario. Writes the report to OUT_DIR (default reports/gate), a
# Markdown summary to OUT_DIR/summary.md (and to $GITHUB_STEP_SUMMARY when it
# is set), and JUnit XML to OUT_DIR/junit.xml for CI systems that read it.
# Builds poolbench into $CARGO_TARGET_DIR (default target/); leaves no
# temporary file behind, whatever happens.
#
# Usage: scripts/ci-gate.sh SCENARIO [OUT_DIR]
#   e.g. scripts/ci-gate.sh scenarios/ci.toml reports/ci
set -uo pipefail
scenario=${1:?usage: scripts/ci-gate.sh SCENARIO [OUT_DIR]}
# Paths as the caller gave them, before moving to the repository.
scenario=$(realpath "$scenario")
out=$(realpath -m "${2:-reports/gate}")
cd "$(dirname "$0")/.."

cargo build --release --locked --quiet || exit 2
target=${CARGO_TARGET_DIR:-target}
bin=$(realpath "$target")/release/poolbench
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" run "$scenario" --out "$out" --format markdown >"$work/summary.md" 2>"$work/log"
status=$?
cat "$work/log" >&2
if [ "$status" -ne 2 ] && [ -f "$out/results.json" ]; then
  cp "$work/summary.md" "$out/summary.md"
  cat "$out/summary.md"
  [ -n "${GITHUB_STEP_SUMMARY:-}" ] && cat "$out/summary.md" >>"$GITHUB_STEP_SUMMARY"
  # The same run's checks as JUnit, from the saved results.
  "$bin" report "$out/results.json" --format junit >"$work/junit.xml" 2>/dev/null &&
    cp "$work/junit.xml" "$out/junit.xml"
fi
exit "$status"
