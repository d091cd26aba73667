#!/usr/bin/env bash
# The memory a URL list costs: writes a list of N lines (default 10^6,
# paths for the bundled server), runs 20000 requests of it with the release
# binary and prints the peak resident set size the kernel counted
# (/usr/bin/time's "Maximum resident set size"), against the same run of a
# one-line list. A benchmark, not a test: the figure is stated in
# docs/limits.md with the date and the machine it was measured on.
#
# Usage: scripts/url-list-rss.sh [lines]
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-1000000}
cargo build --locked --release --quiet
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
awk -v n="$lines" 'BEGIN { for (i = 0; i < n; i++) printf "/item/%d?q=abcdefgh%d\n", i, i % 977 }' >"$dir/list.txt"
echo "/item/0" >"$dir/one.txt"
rss() {
  /usr/bin/time -f '%M' target/release/poolbench run --urls "$1" -n 20000 -c 20 \
    --mode pooled --out "$dir/out" -q 2>&1 >/dev/null | tail -1
}
base=$(rss "$dir/one.txt")
big=$(rss "$dir/list.txt")
size=$(stat -c %s "$dir/list.txt")
echo "$(date -u +%F) $(nproc) cores: a list of $lines lines ($size bytes): peak RSS ${big} KiB, one line ${base} KiB, $(( (big - base) * 1024 / lines )) bytes a line"
