#!/usr/bin/env bash
# How close the emulated link's round trips come to the configured RTT: a
# figure to read, not a test (a busy machine moves it; the tests assert only
# that no request is faster than its round trips). With rtt = 20 ms a request
# on an idle pooled connection takes 1 RTT, on a new plain connection 2, on a
# new TLS 1.3 connection 3.
#
# Usage: scripts/link-accuracy.sh [rtt_ms]    (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."
rtt=${1:-20}
cargo build --release --locked --quiet
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/link.toml" <<TOML
name = "link-accuracy"
[server]
tls = "both"
[tls]
version = "1.3"
[link]
rtt = "${rtt}ms"
[load]
requests = 50
concurrency = 1
warmup = 1
[modes]
pooled = { limit = 1 }
keep_alive_disabled = { limit = 1 }
TOML
target/release/poolbench run "$work/link.toml" --out "$work/out" --quiet
python3 - "$work/out/results.json" "$rtt" <<'PY'
import json, sys
results = json.load(open(sys.argv[1]))
rtt = float(sys.argv[2])
print(f"{'case':34} {'expected':>9} {'p50':>9} {'p99':>9} {'p50 over':>9}")
for m in results["modes"]:
    trips = 1 if m["mode"] == "pooled" else (2 if m["transport"] == "http" else 3)
    case = f'{m["mode"]} over {m["transport"]} ({trips} RTT)'
    p50, p99 = m["latency_us"]["p50"] / 1000, m["latency_us"]["p99"] / 1000
    print(f"{case:34} {trips * rtt:8.1f}ms {p50:7.2f}ms {p99:7.2f}ms {p50 - trips * rtt:+8.2f}ms")
PY
