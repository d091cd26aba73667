#!/usr/bin/env bash
# poolbench's request path beside wrk and oha, on the same nginx, in the same
# run: the load generator must not be the bottleneck it measures.
#
# nginx runs one worker pinned to CPU 0; every client is pinned to CPU 1
# (taskset) with one thread. Five loads, each run by every tool in
# interleaved rounds (wrk, oha, poolbench, wrk, oha, poolbench, …):
#
#   keep-alive 10   HTTP/1.1 keep-alive, 10 connections   (poolbench: pooled, limit 10)
#   keep-alive 50   the same, 50 connections              (pooled, limit 50)
#   close 10        Connection: close, 10 at once         (keep_alive_disabled, limit 10)
#   tls 10          HTTPS keep-alive, 10 connections      (pooled, limit 10)
#   h2c 1x10        HTTP/2 with prior knowledge, 10 streams on one connection
#                   (h2load -c 1 -m 10, oha --http2 -p 10; pooled, http = "2",
#                   limit 1): its reference is h2load, not wrk
#
# For every tool alike, client CPU per request is measured from outside
# (/usr/bin/time: user + system of the whole process over its requests),
# and so is max RSS; requests/s and p50/p99 are each tool's own. The table
# gives medians over the rounds and ratios to the load's reference (wrk,
# or h2load over HTTP/2; h2load reports no percentiles: its mean and max
# fill the p50 and p99 columns).
#
# Usage: scripts/compare-peers.sh [SECONDS] [ROUNDS]   (default 5 s, 3 rounds)
# Installs nginx, wrk and h2load (Debian packages) if missing, and oha with
# `cargo install oha --locked` into ~/.cache/poolbench/oha once (several
# minutes on 2 cores; set PEERS_NO_OHA=1 to skip oha).
set -euo pipefail
cd "$(dirname "$0")/.."
PATH=$PATH:/usr/sbin:/sbin
secs=${1:-5}
rounds=${2:-3}

need() {
  command -v "$1" >/dev/null && return 0
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y "$2" >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; } ||
    { echo "compare-peers: cannot install $2" >&2; exit 1; }
}
need nginx nginx
need wrk wrk
need h2load nghttp2-client
need openssl openssl
need taskset util-linux
oha=""
if [ -z "${PEERS_NO_OHA:-}" ]; then
  cache=${XDG_CACHE_HOME:-$HOME/.cache}/poolbench/oha
  if [ ! -x "$cache/bin/oha" ]; then
    echo "compare-peers: building oha once into $cache (cargo install oha --locked)" >&2
    cargo install oha --locked --quiet --root "$cache" >&2
  fi
  oha=$cache/bin/oha
fi
cargo build --release --locked --quiet

work=$(mktemp -d)
nginx_pid=""
cleanup() {
  [ -n "$nginx_pid" ] && kill -TERM "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
cp target/release/poolbench "$work/poolbench"

# A CA and a leaf for 127.0.0.1, so every client verifies nginx's certificate.
. scripts/test-ca.sh
test_ca "$work"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
http_port=$(free_port)
https_port=$(free_port)
h2c_port=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx.conf" <<CONF
worker_processes 1;
worker_cpu_affinity 01;
worker_rlimit_nofile 65536;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 75s;
  client_body_temp_path $work/nginx; proxy_temp_path $work/nginx;
  fastcgi_temp_path $work/nginx; uwsgi_temp_path $work/nginx; scgi_temp_path $work/nginx;
  server {
    listen 127.0.0.1:$http_port;
    listen 127.0.0.1:$https_port ssl;
    listen 127.0.0.1:$h2c_port http2;
    ssl_certificate $work/leaf.pem;
    ssl_certificate_key $work/leaf.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { default_type text/plain; return 200 "poolbench compare-peers: a small body of 64 bytes, as a reply..\n"; }
  }
}
CONF
taskset -c 0 nginx -c "$work/nginx.conf" -p "$work/nginx" &
nginx_pid=$!
for _ in $(seq 50); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1',$http_port)).close()" 2>/dev/null && break
  sleep 0.1
done

# load: name  scheme  connections (HTTP/2: streams on one)  keep-alive(1/0)
loads=("keep-alive 10|http|10|1" "keep-alive 50|http|50|1" "close 10|http|10|0" "tls 10|https|10|1"
  "h2c 1x10|h2c|10|1")

# Runs one tool on one load; prints "rps cpu_us_per_req p50_us p99_us maxrss_kb".
# A tool that fails stops the script with its output.
timed() {
  /usr/bin/time -f '%U %S %M' -o "$work/time" taskset -c 1 "$@" || {
    echo "compare-peers: failed: $*" >&2
    exit 1
  }
}
from_time() { tail -1 "$work/time"; }

run_wrk() {
  local url=$1 conns=$2 ka=$3
  local extra=()
  [ "$ka" = 0 ] && extra=(-H "Connection: close")
  timed wrk -t1 -c"$conns" -d"${secs}s" --latency "${extra[@]}" "$url" >"$work/wrk.out"
  read -r u s m < <(from_time)
  python3 - "$work/wrk.out" "$u" "$s" "$m" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
n = int(re.search(r"(\d+) requests in", text).group(1))
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
def us(p):
    v, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", text).groups()
    return float(v) * {"us": 1, "ms": 1e3, "s": 1e6}[unit]
cpu = (float(sys.argv[2]) + float(sys.argv[3])) * 1e6 / max(n, 1)
print(f"{rps:.0f} {cpu:.2f} {us(50):.0f} {us(99):.0f} {sys.argv[4]}")
PY
}

run_oha() {
  local url=$1 conns=$2 ka=$3
  local extra=()
  [ "$ka" = 0 ] && extra=(--disable-keepalive)
  if [[ $url == h2c* ]]; then
    url=http${url#h2c}
    extra+=(--http2 -p "$conns")
    conns=1
  fi
  [[ $url == https* ]] && extra+=(--cacert "$work/ca.pem")
  timed "$oha" -z "${secs}s" -c "$conns" --no-tui --output-format json "${extra[@]}" "$url" >"$work/oha.json"
  read -r u s m < <(from_time)
  python3 - "$work/oha.json" "$u" "$s" "$m" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
n = sum(r["statusCodeDistribution"].values())
cpu = (float(sys.argv[2]) + float(sys.argv[3])) * 1e6 / max(n, 1)
p = r["latencyPercentiles"]
print(f"{r['summary']['requestsPerSec']:.0f} {cpu:.2f} {p['p50']*1e6:.0f} {p['p99']*1e6:.0f} {sys.argv[4]}")
PY
}

# HTTP/2 with prior knowledge: one connection, `conns` streams at once.
# h2load reports no percentiles: its mean and max take their columns.
run_h2load() {
  local url=http${1#h2c} conns=$2
  timed h2load -c 1 -m "$conns" -D "$secs" "$url" >"$work/h2load.out"
  read -r u s m < <(from_time)
  python3 - "$work/h2load.out" "$u" "$s" "$m" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
n = int(re.search(r"requests: \d+ total, \d+ started, (\d+) done", text).group(1))
rps = float(re.search(r"finished in [\d.]+\w+, ([\d.]+) req/s", text).group(1))
def us(v, unit):
    return float(v) * {"us": 1, "ms": 1e3, "s": 1e6}[unit]
lat = re.search(r"time for request:\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)\s+([\d.]+)(us|ms|s)", text)
mean, top = us(lat.group(5), lat.group(6)), us(lat.group(3), lat.group(4))
cpu = (float(sys.argv[2]) + float(sys.argv[3])) * 1e6 / max(n, 1)
print(f"{rps:.0f} {cpu:.2f} {mean:.0f} {top:.0f} {sys.argv[4]}")
PY
}

run_poolbench() {
  local url=$1 conns=$2 ka=$3
  local mode="pooled = { limit = $conns }"
  [ "$ka" = 0 ] && mode="keep_alive_disabled = { limit = $conns }"
  if [[ $url == h2c* ]]; then
    url=http${url#h2c}
    mode='pooled = { limit = 1, http = "2" }'
  fi
  local tls=""
  [[ $url == https* ]] && tls=$'[tls]\nca = "'"$work/ca.pem"$'"'
  cat >"$work/peers.toml" <<TOML
name = "peers"
[target]
url = "$url"
$tls
[load]
duration = "${secs}s"
concurrency = $conns
threads = 1
[modes]
$mode
TOML
  rm -rf "$work/out"
  timed "$work/poolbench" run "$work/peers.toml" --out "$work/out" --quiet >/dev/null
  read -r u s m < <(from_time)
  python3 - "$work/out/results.json" "$u" "$s" "$m" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["modes"][0]
n = m["requests"]["sent"]
cpu = (float(sys.argv[2]) + float(sys.argv[3])) * 1e6 / max(n, 1)
l = m["latency_us"]
print(f"{m['throughput_rps']:.0f} {cpu:.2f} {l['p50']} {l['p99']} {sys.argv[4]}")
PY
}

for load in "${loads[@]}"; do
  IFS='|' read -r name scheme conns ka <<<"$load"
  # The reference: wrk for HTTP/1.1, h2load for HTTP/2.
  reference=wrk
  port=$http_port
  [ "$scheme" = https ] && port=$https_port
  [ "$scheme" = h2c ] && port=$h2c_port && reference=h2load
  tools=("$reference" poolbench)
  [ -n "$oha" ] && tools=("$reference" oha poolbench)
  url="$scheme://127.0.0.1:$port/"
  for r in $(seq "$rounds"); do
    for tool in "${tools[@]}"; do
      row=$(run_"$tool" "$url" "$conns" "$ka")
      echo "$name|$tool|$row" >>"$work/rows"
      echo "compare-peers: $name, round $r, $tool done" >&2
    done
  done
done

echo "compare-peers: $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r), nginx 1 worker on CPU 0, clients on CPU 1, ${secs}s x $rounds rounds, medians"
python3 - "$work/rows" <<'PY'
import statistics, sys
rows = [l.strip().split("|") for l in open(sys.argv[1]) if l.strip()]
by = {}
for load, tool, figures in rows:
    by.setdefault((load, tool), []).append([float(x) for x in figures.split()])
loads = list(dict.fromkeys(r[0] for r in rows))
med = {k: [statistics.median(c) for c in zip(*v)] for k, v in by.items()}
print(f"| load | tool | req/s | CPU µs/req | p50 µs | p99 µs | max RSS MB | req/s vs reference | CPU vs reference |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
for load in loads:
    # The load's first tool is its reference (wrk; h2load for HTTP/2).
    order = list(dict.fromkeys(t for l, t, _ in rows if l == load))
    reference = order[0]
    w = med.get((load, reference))
    for tool in order:
        m = med.get((load, tool))
        if not m:
            continue
        rps, cpu, p50, p99, rss = m
        ratio = f"{rps / w[0]:.2f}x | {cpu / w[1]:.2f}x" if w and tool != reference else " | "
        print(f"| {load} | {tool} | {rps:.0f} | {cpu:.2f} | {p50:.0f} | {p99:.0f} | {rss / 1024:.1f} | {ratio} |")
PY
