#!/usr/bin/env bash
# Compares a candidate run against a baseline run of the same gate scenario,
# as the pull-request job does: the Markdown comparison goes to stdout, to
# CANDIDATE_DIR/compare.md and (when set) to $GITHUB_STEP_SUMMARY; JUnit to
# CANDIDATE_DIR/compare-junit.xml. Exit codes are poolbench compare's: 0 no
# regression, 1 a regression, 2 runs that cannot be compared (or a missing
# file). No baseline yet (the main branch never ran the gate): says so and
# exits 0, so the first pull request does not fail for it.
#
# Usage: scripts/ci-compare.sh BASELINE_DIR CANDIDATE_DIR [TOLERANCE]
#   e.g. scripts/ci-compare.sh baseline reports/ci 10%
# POOLBENCH=path/to/poolbench uses that binary instead of building one.
set -uo pipefail
base=$(realpath -m "${1:?usage: scripts/ci-compare.sh BASELINE_DIR CANDIDATE_DIR [TOLERANCE]}")
new=$(realpath -m "${2:?usage: scripts/ci-compare.sh BASELINE_DIR CANDIDATE_DIR [TOLERANCE]}")
tolerance=${3:-10%}
cd "$(dirname "$0")/.."
if [ ! -f "$base/results.json" ]; then
  echo "ci-compare: no baseline results in $base: nothing to compare against yet" |
    tee -a "${GITHUB_STEP_SUMMARY:-/dev/null}"
  exit 0
fi
if [ -n "${POOLBENCH:-}" ]; then
  bin=$POOLBENCH
else
  cargo build --release --locked --quiet || exit 2
  bin=$(realpath "${CARGO_TARGET_DIR:-target}")/release/poolbench
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$bin" compare "$base/results.json" "$new/results.json" --tolerance "$tolerance" \
  --format markdown >"$work/compare.md"
status=$?
if [ "$status" -ne 2 ]; then
  cp "$work/compare.md" "$new/compare.md"
  cat "$new/compare.md"
  [ -n "${GITHUB_STEP_SUMMARY:-}" ] && cat "$new/compare.md" >>"$GITHUB_STEP_SUMMARY"
  "$bin" compare "$base/results.json" "$new/results.json" --tolerance "$tolerance" \
    --format junit >"$work/junit.xml"
  cp "$work/junit.xml" "$new/compare-junit.xml"
fi
exit "$status"
