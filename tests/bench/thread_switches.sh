#!/usr/bin/env bash
# i4. Where a call's thread hand-offs happen: runs overhead_bench (<duration>
# s measured per row after 1 s of warm-up) at <concurrency> against <gateway
# binary> and reads every thread's context switches and CPU time from
# /proc/<pid>/task/*/ over a window inside one measured row: the gateway's
# (row "gateway", the default), or maesn-hop-server's answering from another
# thread (row "hop-thread") or from another thread one by one (row
# "hop-spread"). Prints them per call (the row's calls/s x the window), by
# thread name.
#
#   tests/bench/thread_switches.sh <build dir> <gateway binary> [concurrency] [duration s] [gateway|hop-thread|hop-spread]
set -euo pipefail
build=$1 gateway=$2 concurrency=${3:-1} duration=${4:-8} row_name=${5:-gateway}
bench="$build/tests/bench/overhead_bench"
[ -x "$bench" ] || { echo "no $bench: build the overhead_bench target" >&2; exit 2; }
[ -x "$gateway" ] || { echo "no gateway binary $gateway" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

case "$row_name" in
  gateway)
    flags=(--grpc_only=false)
    pattern="^$gateway\$"
    row_label="gateway" ;;
  hop-thread)
    flags=(--hop_server="$build/tests/bench/maesn-hop-server")
    pattern="maesn-hop-server --answer=thread"
    row_label="hop server, answered from another thread" ;;
  hop-spread)
    flags=(--hop_server="$build/tests/bench/maesn-hop-server")
    pattern="maesn-hop-server --answer=spread"
    row_label="hop server, answered from another thread, one by one" ;;
  *) echo "row: gateway, hop-thread or hop-spread, not $row_name" >&2; exit 2 ;;
esac
nice -n -10 "$bench" --gateway="$gateway" --concurrency="$concurrency" \
  --duration="${duration}s" --warmup=1s --direct_libcurl=false "${flags[@]}" \
  --reuse_concurrency= >"$work/bench.out" 2>&1 &
bench_pid=$!
pid=
for _ in $(seq 1 12000); do
  pid=$(pgrep -n -f "$pattern" || true)
  [ -n "$pid" ] && break
  sleep 0.01
done
[ -n "$pid" ] || { echo "no process matching '$pattern' started" >&2; exit 1; }

# One line per thread: tid name voluntary nonvoluntary utime+stime (ticks).
snapshot() {
  for t in /proc/"$pid"/task/*; do
    awk -v tid="${t##*/}" -v name="$(tr ' ' _ <"$t/comm")" '
      /^voluntary_ctxt_switches/ {v = $2}
      /^nonvoluntary_ctxt_switches/ {n = $2}
      END {printf "%s %s %s %s", tid, name, v, n}' "$t/status"
    awk '{print " " $14 + $15}' "$t/stat"
  done 2>/dev/null | sort
}

# The window is the middle of the row's measured part: the gateway process
# starts with the direct row (1 s warm-up + duration), which runs first; the
# hop server starts with its own row.
row=$((1 + duration))
window=$((duration - 2))
if [ "$row_name" = gateway ]; then sleep $((row + 2)); else sleep 2; fi
snapshot >"$work/before"
sleep "$window"
snapshot >"$work/after"
wait "$bench_pid"

line=$(grep -E "^\| $concurrency \| $row_label \|" "$work/bench.out")
calls_per_s=$(awk -F'|' '{gsub(/ /, "", $7); print $7}' <<<"$line")
echo "$line"
ticks=$(getconf CLK_TCK)
join "$work/before" "$work/after" | awk -v calls="$((calls_per_s * window))" \
  -v tck="$ticks" -v window="$window" '
  {
    name = $2; vol[name] += $7 - $3; inv[name] += $8 - $4; cpu[name] += $9 - $5
  }
  END {
    printf "calls in the %d s window: %d\n", window, calls
    printf "| thread | voluntary switches per call | involuntary per call | CPU us per call |\n|---|---:|---:|---:|\n"
    for (n in vol) {
      if (vol[n] + inv[n] + cpu[n] == 0) continue
      printf "| %s | %.2f | %.2f | %.0f |\n", n, vol[n] / calls, inv[n] / calls, cpu[n] * 1e6 / tck / calls
      tv += vol[n]; ti += inv[n]; tc += cpu[n]
    }
    printf "| all | %.2f | %.2f | %.0f |\n", tv / calls, ti / calls, tc * 1e6 / tck / calls
  }'
