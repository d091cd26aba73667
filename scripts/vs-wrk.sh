#!/usr/bin/env bash
# Client CPU per request: poolbench's pooled mode beside wrk and oha, against
# the same bundled server in the same run (10 connections each; wrk and
# poolbench on one client thread).
# Usage: scripts/vs-wrk.sh [seconds]
# Installs wrk with apt if missing; oha is measured when installed
# (`cargo install oha`, several minutes to build) and skipped otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
command -v wrk >/dev/null || apt-get install -y wrk >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y wrk >/dev/null; }
cargo build --release --locked --quiet
bin=target/release/poolbench
work=$(mktemp -d)
trap 'kill $server 2>/dev/null; rm -rf "$work"' EXIT

"$bin" serve --port 0 --threads 1 --body-size 4KiB 2>"$work/serve.log" &
server=$!
for _ in $(seq 50); do grep -q listening "$work/serve.log" && break; sleep 0.1; done
url=$(grep -o 'http://[0-9.:]*/' "$work/serve.log")

cpu_of() { awk '{print $1 + $2}' "$1"; }

/usr/bin/time -f '%U %S' -o "$work/wrk.time" wrk -t1 -c10 -d"${secs}s" "$url" >"$work/wrk.out"
wrk_requests=$(awk '/requests in/ {print $1}' "$work/wrk.out")
wrk_us=$(awk -v cpu="$(cpu_of "$work/wrk.time")" -v n="$wrk_requests" 'BEGIN {printf "%.1f", cpu * 1e6 / n}')

cat >"$work/vs-wrk.toml" <<TOML
name = "vs-wrk"
description = "pooled mode, 1 thread, 10 connections, as wrk -t1 -c10"
[target]
url = "$url"
[load]
requests = $wrk_requests
concurrency = 10
threads = 1
[modes]
pooled = { limit = 10 }
TOML
"$bin" run "$work/vs-wrk.toml" --out "$work/out" --quiet
pb_us=$(python3 -c "import json,sys; r=json.load(open('$work/out/results.json')); print(round(r['modes'][0]['cpu_us_per_request']['client'], 1))")
pb_rps=$(python3 -c "import json,sys; r=json.load(open('$work/out/results.json')); print(round(r['modes'][0]['throughput_rps']))")
wrk_rps=$(awk '/Requests\/sec/ {printf "%d", $2}' "$work/wrk.out")

printf '%-22s %12s %14s\n' client requests/s "CPU µs/req"
printf '%-22s %12s %14s\n' "wrk -t1 -c10" "$wrk_rps" "$wrk_us"
if command -v oha >/dev/null; then
  /usr/bin/time -f '%U %S' -o "$work/oha.time" oha -z "${secs}s" -c 10 --no-tui --output-format json "$url" >"$work/oha.json"
  read -r oha_rps oha_us < <(python3 -c "
import json; r = json.load(open('$work/oha.json'))
cpu = sum(map(float, open('$work/oha.time').read().split()))
n = sum(r['statusCodeDistribution'].values())
print(round(r['summary']['requestsPerSec']), round(cpu * 1e6 / n, 1))")
  printf '%-22s %12s %14s\n' "oha -c10" "$oha_rps" "$oha_us"
else
  echo "oha: not installed (cargo install oha), skipped"
fi
printf '%-22s %12s %14s\n' "poolbench pooled" "$pb_rps" "$pb_us"
python3 -c "print(f'poolbench / wrk CPU per request: {$pb_us / $wrk_us:.2f}x')"
