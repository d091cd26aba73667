#!/usr/bin/env bash
# Truth check: poolbench's counted figures against observers it did not write.
#
# For each mode (pooled, per_request_client, keep_alive_disabled, hyper_util,
# hyper_util_capped, awc with keep-alive and without; reqwest and
# reqwest_per_request without the link; awc over HTTP/2 by ALPN; and any
# other kind `poolbench kinds` lists, with its defaults),
# without and with an emulated link ([link] rtt = 100ms), for two modes
# back to back in one run, and for the modes that speak HTTP/2 over h2c and
# over TLS by ALPN ("how": -, link, h2c, h2), this script starts its own nginx on a fresh
# 127.0.0.1 port, runs `poolbench run` against it ([target] url), and compares
# (summed over the run's modes):
#
#   handshakes  poolbench's handshakes.client  vs  nginx's own count of
#               accepted connections (stub_status "accepts", on a second,
#               private port; the status request's own connection is not
#               counted). The access log (log_format '$connection
#               $connection_requests') gives the connections that carried at
#               least one request: never more than nginx accepted, and fewer
#               only when the client opened connections it never used
#               (hyper-util's pool does: it dials while a request waits and
#               uses whichever connection is ready first), shown as "unused".
#   requests    poolbench's requests.ok  vs  the access log's lines.
#   TIME_WAIT   poolbench's time_wait.client_side | server_side  vs  `ss -tan
#               state time-wait` read right after poolbench exits: client side
#               = sockets whose peer port is the port the client dialled
#               (nginx's, or the link's from scenario.link.dialled), server
#               side = sockets whose local port is nginx's. The port is fresh
#               for the case, so every such socket is the case's. (The link's
#               own sockets are neither, for both observers.)
#
# A case whose poolbench TIME_WAIT count is flagged as a lower bound
# (still_closing or reused_ports not 0) is SKIPPED for TIME_WAIT, with the
# reason. Exit 0 when every figure matches, 1 on any DIFF (details printed).
#
# Usage: scripts/truth-check.sh        (as root on Debian: installs nginx if
#                                       missing; loopback only; under a minute
#                                       after the build)
#        TRUTH_CHECK_KEEP=1 scripts/truth-check.sh   keeps the work directory
#        (each case's nginx.conf, access.log, scenario.toml, results.json)
set -euo pipefail
cd "$(dirname "$0")/.."
PATH=$PATH:/usr/sbin:/sbin # nginx and ss live there

# Installs Debian package $2 if command $1 is missing.
need() {
  command -v "$1" >/dev/null && return 0
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y "$2" >/dev/null 2>&1 ||
    { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; } ||
    { echo "truth-check: cannot install $2" >&2; exit 1; }
}
need nginx nginx
need ss iproute2
need python3 python3
need openssl openssl
cargo build --release --locked --quiet

work=$(mktemp -d)
nginx_pid=""

# nginx runs in the foreground (daemon off) as this script's child, so it
# can be waited for (a daemon's exit is reaped by init, maybe late).
stop_nginx() {
  local pid=$nginx_pid
  nginx_pid=""
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
cleanup() {
  stop_nginx
  if [ -n "${TRUTH_CHECK_KEEP:-}" ]; then
    echo "truth-check: kept $work" >&2
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A CA and a leaf for 127.0.0.1, for the HTTPS cases (poolbench trusts the
# CA through [tls] ca).
. scripts/test-ca.sh
test_ca "$work"

# A copy, so a concurrent rebuild does not change the binary under us.
cp target/release/poolbench "$work/poolbench"
bin=$work/poolbench

# A port no socket uses now (none listening, none in any state, TIME_WAIT
# included), so every socket on it later belongs to the case that takes it.
fresh_port() {
  local port
  for _ in $(seq 20); do
    port=$(python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
    if [ -z "$(ss -Htan "( sport = :$port or dport = :$port )")" ]; then
      echo "$port"
      return 0
    fi
  done
  echo "truth-check: no fresh port found" >&2
  return 1
}

# 64 bytes.
body='poolbench truth check: a fixed body of sixty-four bytes, served.'

# Starts a private nginx in directory $1, serving the body on 127.0.0.1:$2
# (over h2c with prior knowledge when $listen_extra is " http2", over TLS
# with ALPN when it is " ssl http2") and
# stub_status on 127.0.0.1:$3; sets nginx_pid.
listen_extra=""
start_nginx() {
  local dir=$1 port=$2 status_port=$3
  mkdir -p "$dir"
  cat >"$dir/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events {}
http {
  client_body_temp_path $dir/client_body;
  proxy_temp_path $dir/proxy;
  fastcgi_temp_path $dir/fastcgi;
  uwsgi_temp_path $dir/uwsgi;
  scgi_temp_path $dir/scgi;
  default_type text/plain;
  keepalive_timeout 75s;
  keepalive_requests 100000;
  log_format conn '\$connection \$connection_requests';
  server {
    listen 127.0.0.1:$port$listen_extra;
    ssl_certificate $work/leaf.pem;
    ssl_certificate_key $work/leaf.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    access_log $dir/access.log conn;
    location / { return 200 "$body"; }
  }
  server {
    listen 127.0.0.1:$status_port;
    access_log off;
    location / { stub_status; }
  }
}
CONF
  nginx -q -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" &
  nginx_pid=$!
  # Ready once both ports accept (nginx binds them before writing its pid).
  for _ in $(seq 250); do
    [ -s "$dir/nginx.pid" ] && break
    kill -0 "$nginx_pid" 2>/dev/null || { cat "$dir/error.log" >&2; exit 1; }
    sleep 0.02
  done
  [ "$(cat "$dir/nginx.pid")" = "$nginx_pid" ] ||
    { echo "truth-check: nginx did not start (pid file $dir/nginx.pid)" >&2; exit 1; }
}

# TIME_WAIT sockets between 127.0.0.1 addresses: "client server", client =
# peer port $1 (the port the client dialled), server = local port $2 (nginx's).
ss_time_wait() {
  ss -Htan state time-wait | awk -v dialled="$1" -v server="$2" '
    function port(a) { sub(/.*:/, "", a); return a }
    function host(a) { sub(/:[0-9]+$/, "", a); return a }
    host($3) == "127.0.0.1" && host($4) == "127.0.0.1" {
      if (port($3) == server) s++
      else if (port($4) == dialled) c++
    }
    END { print c + 0, s + 0 }'
}

# "connections-with-requests requests" from an access log in the conn format.
nginx_log_counts() {
  awk '{ seen[$1] = 1; n++ } END { print length(seen) + 0, n + 0 }' "$1"
}

# nginx's accepted connections, less the stub_status request's own one.
nginx_accepts() {
  python3 - "$1" <<'PY'
import re, sys, urllib.request
opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
text = opener.open(f"http://127.0.0.1:{sys.argv[1]}/", timeout=5).read().decode()
# "Active connections: N \nserver accepts handled requests\n A H R \n..."
accepts = int(re.search(r"requests\s*\n\s*(\d+)\s+\d+\s+\d+", text).group(1))
print(accepts - 1)
PY
}

failed=0
cases=0
rows=()
notes=()

fmt='%-42s %-4s %11s %8s %11s %13s %13s  %s\n'
row() { rows+=("$(printf "$fmt" "$@")"); }

# Runs one case: $1 = label, $2 = "link" or "-", $3 = requests, $4 =
# concurrency, the rest = [modes] lines.
run_case() {
  local label=$1 link=$2 requests=$3 concurrency=$4
  shift 4
  cases=$((cases + 1))
  local dir=$work/case$cases
  local port status_port
  port=$(fresh_port)
  status_port=$(fresh_port)
  start_nginx "$dir" "$port" "$status_port"
  {
    echo 'name = "truth-check"'
    echo "description = '$label against nginx'"
    echo '[target]'
    case $listen_extra in
      *ssl*) printf 'url = "https://127.0.0.1:%s/"\n[tls]\nca = "%s"\n' "$port" "$work/ca.pem" ;;
      *) echo "url = \"http://127.0.0.1:$port/\"" ;;
    esac
    [ "$link" = link ] && printf '[link]\nrtt = "100ms"\n'
    echo '[load]'
    echo "requests = $requests"
    echo "concurrency = $concurrency"
    echo 'warmup = 0'
    echo '[modes]'
    printf '%s\n' "$@"
  } >"$dir/scenario.toml"
  if ! "$bin" run "$dir/scenario.toml" --quiet --out "$dir/out" >"$dir/run.log" 2>&1; then
    echo "truth-check: poolbench run failed for $label ($link):" >&2
    cat "$dir/run.log" >&2
    exit 1
  fi
  local results=$dir/out/results.json

  # Right after poolbench exits: the kernel's view, then nginx's.
  local dialled
  dialled=$(python3 -c '
import json, sys
link = json.load(open(sys.argv[1]))["scenario"]["link"]
print(link["dialled"][0].rsplit(":", 1)[1] if link else sys.argv[2])' "$results" "$port")
  local ss_client ss_server
  read -r ss_client ss_server < <(ss_time_wait "$dialled" "$port")
  ss -Htano "( sport = :$port or dport = :$port or sport = :$dialled or dport = :$dialled )" \
    >"$dir/ss.txt" || true
  local accepts
  accepts=$(nginx_accepts "$status_port")
  stop_nginx
  local log_conns log_requests
  read -r log_conns log_requests < <(nginx_log_counts "$dir/access.log")

  # poolbench's figures, summed over the run's modes.
  local pb_hs pb_ok pb_failed pb_twc pb_tws still reused
  read -r pb_hs pb_ok pb_failed pb_twc pb_tws still reused < <(python3 - "$results" <<'PY'
import json, sys
ms = json.load(open(sys.argv[1]))["modes"]
total = lambda f: sum(f(m) for m in ms)
tw = lambda k: total(lambda m: m["time_wait"][k])
print(total(lambda m: m["handshakes"]["client"]),
      total(lambda m: m["requests"]["ok"]), total(lambda m: m["requests"]["failed"]),
      tw("client_side"), tw("server_side"), tw("still_closing"), tw("reused_ports"))
PY
)

  local verdict=OK why=()
  if [ "$pb_hs" != "$accepts" ] || [ "$log_conns" -gt "$accepts" ]; then
    verdict=DIFF
    why+=("handshakes: poolbench $pb_hs, nginx accepted $accepts ($log_conns carried requests)")
  fi
  if [ "$pb_ok" != "$log_requests" ] || [ "$pb_failed" != 0 ]; then
    verdict=DIFF
    why+=("requests: poolbench ok $pb_ok (failed $pb_failed), nginx logged $log_requests")
  fi
  local tw_result=ok
  if [ "$still" != 0 ] || [ "$reused" != 0 ]; then
    tw_result=skipped
    notes+=("$label ($link): TIME_WAIT SKIPPED: poolbench flags its count as a lower bound (still_closing $still, reused_ports $reused)")
  elif [ "$pb_twc" != "$ss_client" ] || [ "$pb_tws" != "$ss_server" ]; then
    verdict=DIFF
    why+=("TIME_WAIT: poolbench client|server $pb_twc|$pb_tws, ss $ss_client|$ss_server")
  fi
  [ "$verdict" = OK ] && [ "$tw_result" = skipped ] && verdict="OK (TIME_WAIT SKIPPED)"
  if [ "$log_conns" != "$accepts" ]; then
    notes+=("$label ($link): $((accepts - log_conns)) of nginx's $accepts accepted connections carried no request (poolbench counted them too: handshakes $pb_hs)")
  fi
  row "$label" "$link" "$pb_hs|$accepts" "$((accepts - log_conns))" "$pb_ok|$log_requests" \
    "$pb_twc|$ss_client" "$pb_tws|$ss_server" "$verdict"
  if [ "$verdict" = DIFF ]; then
    failed=1
    notes+=("$label ($link): DIFF: $(IFS=';'; echo "${why[*]}")"
      "  nginx port $port, client dialled $dialled; poolbench per mode:")
    local detail
    detail=$(python3 - "$results" <<'PY'
import json, sys
for m in json.load(open(sys.argv[1]))["modes"]:
    print(f"    {m['mode']}: requests {m['requests']}, handshakes {m['handshakes']}, "
          f"time_wait {m['time_wait']}, connection_ends {m['connection_ends']}")
PY
)
    notes+=("$detail"
      "  ss -tano on those ports right after the run, by state: $(awk '{print $1}' "$dir/ss.txt" | sort | uniq -c | xargs)"
      "$(head -n 12 "$dir/ss.txt" | sed 's/^/    /')")
    [ "$(wc -l <"$dir/ss.txt")" -le 12 ] || notes+=("    … (first 12 of $(wc -l <"$dir/ss.txt") lines)")
  fi
}

start=$SECONDS
modes=(
  'pooled = { limit = 4 }'
  'per_request_client = {}'
  'keep_alive_disabled = { limit = 4 }'
  'hyper_util = {}'
  'hyper_util_capped = { limit = 4 }'
  'awc = { limit = 4 }'
  'awc_close = { kind = "awc", limit = 4, keep_alive = false }'
)
for mode in "${modes[@]}"; do
  run_case "$mode" - 400 8 "$mode"
done
for mode in "${modes[@]}"; do
  run_case "$mode" link 16 4 "$mode"
done
# reqwest dials its own connections (no link in front of it): counted as
# they open.
for mode in 'reqwest = {}' 'reqwest_per_request = {}'; do
  run_case "$mode" - 400 8 "$mode"
done
# Every other kind of the catalogue (`poolbench kinds`), with its
# defaults: a kind added to poolbench is checked here without a line of
# its own (over the link too, where its connections can go through one).
covered=" ${modes[*]} reqwest reqwest_per_request "
while read -r kind limit routable <&3; do
  case "$covered" in *" $kind = "* | *" $kind "*) continue ;; esac
  spec="$kind = {}"
  if [ "$limit" = yes ]; then spec="$kind = { limit = 4 }"; fi
  run_case "$spec" - 400 8 "$spec"
  if [ "$routable" = yes ]; then run_case "$spec" link 16 4 "$spec"; fi
done 3< <("$work/poolbench" kinds | tail -n +2 | awk '{print $1, $2, $3}')
run_case "back to back: keep_alive_disabled(4) then" - 300 8 \
  'keep_alive_disabled = { limit = 4 }' 'per_request_client = {}'
rows[${#rows[@]}-1]+=$'\n'"  per_request_client (sums of both modes)"
# HTTP/2 with prior knowledge (h2c): nginx counts a connection per
# $connection and a log line per stream.
listen_extra=" http2"
h2_modes=('pooled = { limit = 2, http = "2" }' 'per_request_client = { http = "2" }'
  'hyper_util = { http = "2" }' 'reqwest = { http = "2" }')
for mode in "${h2_modes[@]}"; do
  run_case "$mode" h2c 400 8 "$mode"
done
# HTTP/2 over TLS, by ALPN.
listen_extra=" ssl http2"
for mode in "${h2_modes[@]}" 'awc = { limit = 2, http = "2" }'; do
  run_case "$mode" h2 400 8 "$mode"
done
listen_extra=""

echo "poolbench vs nginx (accepted connections, access log) and ss (TIME_WAIT), each case on a fresh nginx port"
printf "$fmt" "case ([modes])" how handshakes unused requests "TIME_WAIT" "TIME_WAIT" ""
printf "$fmt" "" "" "pb|nginx" "nginx" "pb|nginx" "client pb|ss" "server pb|ss" result
printf '%s\n' "${rows[@]}"
[ ${#notes[@]} -eq 0 ] || printf '%s\n' "" "${notes[@]}"
echo
echo "truth-check: $cases cases in $((SECONDS - start)) s (build not included)"
if [ "$failed" != 0 ]; then
  echo "truth-check: FAILED: poolbench's figures differ from nginx's or ss's (DIFF above)"
  exit 1
fi
echo "truth-check: OK: poolbench's handshakes, requests and TIME_WAIT counts match nginx and ss"
