#!/usr/bin/env bash
# Runs every story scenario — each a claim about connection handling that
# its [[gate]] checks assert with counts and ratios from the same run — and
# fails if any claim does not hold. Reports go to target/story/NAME/.
#
# Usage: scripts/story.sh [scenario.toml ...]   (default: every story)
set -uo pipefail
cd "$(dirname "$0")/.."

stories=("$@")
if [ ${#stories[@]} -eq 0 ]; then
  stories=(
    scenarios/unread-body.toml
    scenarios/fd-limit.toml
    scenarios/legacy.toml
    scenarios/throttled.toml
    scenarios/limit-sweep.toml
    scenarios/isolation.toml
    scenarios/unix-vs-tcp.toml
    scenarios/h1-vs-h2.toml
    scenarios/real-clients.toml
    scenarios/thousand.toml
    scenarios/tls-handshake-tax.toml
  )
fi

cargo build --locked --release --quiet || exit 2
bin=target/release/poolbench

failed=()
for s in "${stories[@]}"; do
  name=$(basename "$s" .toml)
  if ! grep -q '^\[\[gate\]\]' "$s"; then
    echo "story: $s asserts nothing: give it [[gate]] checks" >&2
    failed+=("$name")
    continue
  fi
  echo "== $name"
  start=$(date +%s%N)
  "$bin" run "$s" --out "target/story/$name" --format markdown >"target/story-$name.md" 2>"target/story-$name.err"
  code=$?
  took_ms=$((($(date +%s%N) - start) / 1000000))
  sed -n '/^\*\*Gate/,$p' "target/story-$name.md"
  if [ $code -ne 0 ]; then
    cat "target/story-$name.err" >&2
    failed+=("$name")
  fi
  printf 'story: %s exit %d in %d.%03d s\n' "$name" "$code" $((took_ms / 1000)) $((took_ms % 1000))
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "story: failed: ${failed[*]}" >&2
  exit 1
fi
echo "story: ${#stories[@]} of ${#stories[@]} stories hold"
