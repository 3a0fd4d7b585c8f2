#!/usr/bin/env bash
# i. Latency-bound throughput: h2load (nghttp2-client) keeps <callers>
# GetInvoice calls in flight through the built maesn-gateway against a Maesn
# answering after <latency ms>, for <seconds>. The Maesn is <upstream>:
# "epoll" (the default; tests/bench/maesn-bench-upstream, one epoll loop that
# holds no thread per connection or per delayed answer, so that it is not the
# bottleneck) or "sim" (maesn-sim, a thread per keep-alive connection). With every
# call waiting on Maesn, the ceiling is callers / latency calls/s; the
# gateway should reach it without a thread per call. Prints calls/s against
# that ceiling, the p50/p99 of the calls (h2load's per-request log), and the
# gateway's threads and RSS sampled from /proc during the run. Every answer
# must be a success (the DATA bytes of a GetInvoiceResponse, as in
# h2load_bench.sh).
#
#   latency_bench.sh <build dir> [callers] [latency ms] [seconds] [upstream]
#   tests/bench/latency_bench.sh build-release 512 200 20 epoll
source "$(dirname "$0")/../e2e/lib.sh"
build=$1 callers=${2:-512} latency=${3:-200} seconds=${4:-20} upstream=${5:-epoll}
command -v h2load >/dev/null || fail "h2load not found (apt nghttp2-client; scripts/install-deps.sh)"
command -v nghttp >/dev/null || fail "nghttp not found (apt nghttp2-client)"
root=$(cd "$(dirname "$0")/../.." && pwd)

case "$upstream" in
  epoll)
    E2E_BENCH_UPSTREAM_ARGS=(--latency_ms="$latency")
    e2e_start_bench_upstream "$build" LOG_LEVEL=warn
    upstream_pid=$UPSTREAM_PID ;;
  sim)
    # The simulator answers over HTTP/1.1 with a thread per keep-alive
    # connection, each held for the latency: give it one per caller.
    E2E_SIM_ARGS=(--latency-ms "$latency" --worker-threads $((callers + 64)))
    e2e_start "$build" LOG_LEVEL=warn
    upstream_pid=${E2E_PIDS[0]} ;;
  *) fail "upstream must be epoll or sim, not $upstream" ;;
esac
url="http://$GATEWAY_ADDR/maesn.accounting.v1.InvoiceService/GetInvoice"
headers=(-H 'content-type: application/grpc' -H 'te: trailers'
         -H 'x-account-key: sim-account-key')
frame="$E2E_WORK/get_invoice.frame"
e2e_grpc_frame "$frame" "$root" maesn.accounting.v1.GetInvoiceRequest \
  maesn/accounting/v1/invoice.proto 'invoice_id: "ABC123"'
one=$(nghttp -v -d "$frame" "${headers[@]}" "$url" 2>&1 | tr -d '\000') ||
  fail "nghttp: $one"
grep -aq 'grpc-status: 0' <<<"$one" || fail "GetInvoice did not succeed: $one"
per_response=$(grep -a 'recv DATA frame' <<<"$one" |
  sed -E 's/.*length=([0-9]+).*/\1/' | awk '{s+=$1} END {print s+0}')

proc_field() { awk -v k="$1:" '$1 == k {print $2}' "/proc/$GATEWAY_PID/status"; }
threads_idle=$(proc_field Threads)
rss_idle=$(proc_field VmRSS)

# Sample the gateway's threads and RSS while h2load runs.
samples="$E2E_WORK/samples"
( while kill -0 "$GATEWAY_PID" 2>/dev/null; do
    echo "$(proc_field Threads) $(proc_field VmRSS)"; sleep 0.5
  done ) >"$samples" &
sampler=$!
E2E_PIDS+=($sampler)

clients=$(( callers < 8 ? callers : 8 ))
streams=$(( (callers + clients - 1) / clients ))
warmup=$(( seconds / 5 > 1 ? seconds / 5 : 1 ))
log="$E2E_WORK/h2load.log"
# The whole run is checked; the figures come from the calls that started
# after the warm-up (connections to Maesn opened), from h2load's log.
gw_cpu0=$(e2e_cpu_ticks "$GATEWAY_PID") up_cpu0=$(e2e_cpu_ticks "$upstream_pid")
start_ns=$(date +%s%N)
load=$(h2load -c "$clients" -m "$streams" -t 1 -D $((seconds + warmup)) \
  -d "$frame" --log-file "$log" "${headers[@]}" "$url" 2>&1) || fail "h2load failed: $load"
wall_s=$(awk -v a="$start_ns" -v b="$(date +%s%N)" 'BEGIN {print (b - a) / 1e9}')
hz=$(getconf CLK_TCK)
gw_cpu=$(awk -v a="$gw_cpu0" -v b="$(e2e_cpu_ticks "$GATEWAY_PID")" -v hz="$hz" -v w="$wall_s" \
  'BEGIN {printf "%.0f", 100 * (b - a) / hz / w}')
up_cpu=$(awk -v a="$up_cpu0" -v b="$(e2e_cpu_ticks "$upstream_pid")" -v hz="$hz" -v w="$wall_s" \
  'BEGIN {printf "%.0f", 100 * (b - a) / hz / w}')
up_threads=$(awk '$1 == "Threads:" {print $2}' "/proc/$upstream_pid/status")
kill "$sampler" 2>/dev/null || true
wait "$sampler" 2>/dev/null || true
printf '%s\n' "$load"

line=$(grep -a '^requests:' <<<"$load")
done_n=$(sed -E 's/.* ([0-9]+) done.*/\1/' <<<"$line")
succeeded=$(sed -E 's/.* ([0-9]+) succeeded.*/\1/' <<<"$line")
data=$(grep -a '^traffic:' <<<"$load" | sed -E 's/.*\(([0-9]+)\) data.*/\1/')
((done_n > 0)) || fail "h2load finished no call"
((succeeded == done_n)) || fail "h2load: $succeeded of $done_n succeeded"
((data == done_n * per_response)) ||
  fail "h2load: $data DATA bytes, expected $done_n x $per_response: some calls failed"

# Per-request log: start (µs since the epoch), status, duration (µs). The
# window: calls started from warm-up end to the end of the run.
t0=$(awk 'NR == 1 || $1 < m {m = $1} END {print m}' "$log")
read -r n p50 p99 < <(awk -v from=$((t0 + warmup * 1000000)) '$1 >= from {print $3}' "$log" |
  sort -n | awk '{v[NR] = $1} END {print NR, v[int(NR * 0.5) + 1] / 1000, v[int(NR * 0.99) + 1] / 1000}')
rate=$(awk -v n="$n" -v s="$seconds" 'BEGIN {printf "%.0f", n / s}')
ceiling=$(awk -v c="$callers" -v l="$latency" 'BEGIN {printf "%.0f", c * 1000 / l}')
share=$(awk -v r="$rate" -v c="$ceiling" 'BEGIN {printf "%.1f", 100 * r / c}')
read -r tmin tmax rmax < <(awk 'NF == 2 {if (min == "" || $1 < min) min = $1;
  if ($1 > max) max = $1; if ($2 > rss) rss = $2} END {print min, max, rss}' "$samples")
met() { awk "BEGIN {exit !($1)}" && echo met || echo MISSED; }

cat <<EOT

i. Latency-bound: $callers callers, Maesn latency $latency ms ($upstream upstream), ${seconds} s measured after ${warmup} s warm-up
| callers | calls/s | of $ceiling/s ($callers / $latency ms) | p50 ms | p99 ms | gateway threads idle / during (min-max) | gateway RSS idle / max during |
|---|---|---|---|---|---|---|
| $callers | $rate | $share % | $p50 | $p99 | $threads_idle / $tmin-$tmax | $((rss_idle / 1024)) MiB / $((rmax / 1024)) MiB |

| target | value | met |
|---|---|---|
| calls/s >= 90 % of $ceiling | $share % | $(met "$share >= 90") |
| p50 <= 1.1 x $latency ms | $p50 ms | $(met "$p50 <= 1.1 * $latency") |
| gateway threads < 64 | $tmax | $(met "$tmax < 64") |

CPU over the whole run (100 % = one core): gateway $gw_cpu %, upstream ($upstream, $up_threads threads) $up_cpu %
EOT
echo "all $done_n calls succeeded ($n timed after the warm-up)"
