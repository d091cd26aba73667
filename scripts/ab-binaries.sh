#!/usr/bin/env bash
# A/B of two poolbench binaries' own cost per request: the same load
# (`pooled`, limit 10, 10 tasks, 3 s, one client thread) against one
# `poolbench serve` (of binary A, on CPU 0), the clients on CPU 1, in
# interleaved rounds (A, B, A, B, …), each round's req/s and client CPU
# µs per request printed. What a build change (a profile, a codec) saves
# is read from the pairs, not from two runs minutes apart.
#
# Usage: scripts/ab-binaries.sh BINARY_A BINARY_B [ROUNDS]   (default 3)
# e.g.   CARGO_TARGET_DIR=/tmp/b cargo build --release --locked  (after a change)
#        scripts/ab-binaries.sh target/release/poolbench /tmp/b/release/poolbench 4
set -euo pipefail
a=$(realpath "${1:?usage: scripts/ab-binaries.sh BINARY_A BINARY_B [ROUNDS]}")
b=$(realpath "${2:?usage: scripts/ab-binaries.sh BINARY_A BINARY_B [ROUNDS]}")
rounds=${3:-3}
work=$(mktemp -d)
taskset -c 0 "$a" serve --port 0 --threads 1 >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT
url=""
for _ in $(seq 1 50); do
  url=$(grep -o 'http://[0-9.:]*/' "$work/serve.log" || true)
  [ -n "$url" ] && break
  sleep 0.1
done
[ -n "$url" ] || { echo "ab-binaries: the server did not start" >&2; exit 1; }
cat >"$work/ab.toml" <<TOML
name = "ab"
[target]
url = "$url"
[load]
duration = "3s"
concurrency = 10
threads = 1
[modes]
pooled = { limit = 10 }
TOML
for r in $(seq 1 "$rounds"); do
  for who in A B; do
    bin=$a
    [ "$who" = B ] && bin=$b
    rm -rf "$work/out"
    taskset -c 1 "$bin" run "$work/ab.toml" --out "$work/out" --quiet >/dev/null 2>&1 || true
    python3 - "$work/out/results.json" "$who" "$r" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["modes"][0]
print(f"round {sys.argv[3]} {sys.argv[2]}: {m['throughput_rps']:.0f} req/s, "
      f"{m['cpu_us_per_request']['client']:.2f} µs CPU per request (client)")
PY
  done
done
