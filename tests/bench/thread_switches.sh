#!/usr/bin/env bash
# i4. Where a call's thread hand-offs happen: runs overhead_bench's gateway
# rows (<duration> s measured after 1 s of warm-up) at <concurrency> against
# <gateway binary> and reads every gateway thread's context switches and CPU
# time from /proc/<pid>/task/*/ over a window inside the measured gateway
# row. Prints them per call (the row's calls/s x the window), by thread name.
#
#   tests/bench/thread_switches.sh <build dir> <gateway binary> [concurrency] [duration s]
set -euo pipefail
build=$1 gateway=$2 concurrency=${3:-1} duration=${4:-8}
bench="$build/tests/bench/overhead_bench"
[ -x "$bench" ] || { echo "no $bench: build the overhead_bench target" >&2; exit 2; }
[ -x "$gateway" ] || { echo "no gateway binary $gateway" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

nice -n -10 "$bench" --gateway="$gateway" --concurrency="$concurrency" \
  --duration="${duration}s" --warmup=1s --grpc_only=false --direct_libcurl=false \
  --reuse_concurrency= \
  >"$work/bench.out" 2>&1 &
bench_pid=$!
gateway_pid=
for _ in $(seq 1 3000); do
  gateway_pid=$(pgrep -n -f "^$gateway\$" || true)
  [ -n "$gateway_pid" ] && break
  sleep 0.01
done
[ -n "$gateway_pid" ] || { echo "the gateway did not start" >&2; exit 1; }

# One line per thread: tid name voluntary nonvoluntary utime+stime (ticks).
snapshot() {
  for t in /proc/"$gateway_pid"/task/*; do
    awk -v tid="${t##*/}" -v name="$(tr ' ' _ <"$t/comm")" '
      /^voluntary_ctxt_switches/ {v = $2}
      /^nonvoluntary_ctxt_switches/ {n = $2}
      END {printf "%s %s %s %s", tid, name, v, n}' "$t/status"
    awk '{print " " $14 + $15}' "$t/stat"
  done 2>/dev/null | sort
}

# The direct row runs first (1 s warm-up + duration), then the gateway row:
# the window is the middle of the gateway row's measured part.
row=$((1 + duration))
window=$((duration - 2))
sleep $((row + 2))
snapshot >"$work/before"
sleep "$window"
snapshot >"$work/after"
wait "$bench_pid"

line=$(grep -E "^\| $concurrency \| gateway \|" "$work/bench.out")
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
