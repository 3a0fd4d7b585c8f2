# Shared helpers for the e2e tests: start the built maesn-sim and
# maesn-gateway on free ports and clean up afterwards.
# Usage: source lib.sh; e2e_start <bin_dir>; ... ; (cleanup runs on exit)
set -euo pipefail

E2E_WORK=$(mktemp -d)
E2E_PIDS=()
E2E_SIM_ARGS=()  # extra maesn-sim flags (set before e2e_start)
e2e_cleanup() {
  for p in "${E2E_PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$E2E_WORK"
}
trap e2e_cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# Waits until file $1 is non-empty while process $2 lives (no fixed sleeps:
# it polls for the condition and gives up if the process dies or after 60 s).
e2e_wait_file() {
  local deadline=$((SECONDS + 60))
  until [[ -s "$1" ]]; do
    kill -0 "$2" 2>/dev/null || fail "process $2 exited before writing $1"
    ((SECONDS < deadline)) || fail "timed out waiting for $1"
    sleep 0.02
  done
}

# e2e_start_gateway <build dir> <ready file> [extra env...]: starts the
# built gateway against the Maesn whose ready file (base_url, ca_file, port)
# is given, and waits until it listens. Sets SIM_URL, SIM_CA, SIM_PORT
# (that Maesn's), GATEWAY_PORT, GATEWAY_ADDR and GATEWAY_PID.
e2e_start_gateway() {
  local build=$1 ready=$2; shift 2
  SIM_URL=$(sed -E 's/.*"base_url":"([^"]+)".*/\1/' "$ready")
  SIM_CA=$(sed -E 's/.*"ca_file":"([^"]+)".*/\1/' "$ready")
  SIM_PORT=$(sed -E 's/.*"port":([0-9]+).*/\1/' "$ready")
  env GATEWAY_LISTEN=127.0.0.1:0 GATEWAY_PORT_FILE="$E2E_WORK/gw.port" \
    MAESN_BASE_URL="$SIM_URL" MAESN_CA_FILE="$SIM_CA" MAESN_API_KEY=sim-api-key \
    METRICS_LISTEN=127.0.0.1:0 GATEWAY_DRAIN_DELAY_MS=0 "$@" "$build/gateway/maesn-gateway" >"$E2E_WORK/gateway.log" 2>&1 &
  GATEWAY_PID=$!
  E2E_PIDS+=($GATEWAY_PID)
  e2e_wait_file "$E2E_WORK/gw.port" "$GATEWAY_PID"
  GATEWAY_PORT=$(cat "$E2E_WORK/gw.port")
  GATEWAY_ADDR="127.0.0.1:$GATEWAY_PORT"
}

# e2e_start <build dir> [extra env for the gateway...]
e2e_start() {
  local build=$1; shift
  "$build/tests/sim/maesn-sim" --cert-dir "$E2E_WORK/sim" \
    --ready-file "$E2E_WORK/sim.json" "${E2E_SIM_ARGS[@]}" >"$E2E_WORK/sim.log" 2>&1 &
  E2E_PIDS+=($!)
  e2e_wait_file "$E2E_WORK/sim.json" "${E2E_PIDS[-1]}"
  e2e_start_gateway "$build" "$E2E_WORK/sim.json" "$@"
  export SIM_URL SIM_CA SIM_PORT GATEWAY_PORT GATEWAY_ADDR GATEWAY_PID
}

# e2e_grpc_frame <out file> <root> <message type> <proto file> <text>:
# writes one gRPC request frame (flag 0, 4-byte big-endian length, the
# message encoded by protoc from its text format), for h2load and nghttp.
e2e_grpc_frame() {
  local out=$1 root=$2 type=$3 proto=$4 text=$5
  echo "$text" | protoc -I "$root/proto" -I /usr/include --encode="$type" "$proto" \
    >"$out.msg" || fail "protoc --encode $type failed"
  local len shift
  len=$(stat -c%s "$out.msg")
  { printf '\x00'
    for shift in 24 16 8 0; do printf "$(printf '\\x%02x' $(((len >> shift) & 255)))"; done
    cat "$out.msg"; } >"$out"
}

# e2e_start_bench_upstream <build dir> [extra env for the gateway...]: as
# e2e_start, with the benchmark Maesn (tests/bench/maesn-bench-upstream: one
# epoll loop, every answer held E2E_BENCH_UPSTREAM_ARGS' --latency_ms) in
# place of maesn-sim. Sets the same variables (SIM_URL, SIM_CA, SIM_PORT are
# the benchmark upstream's) plus UPSTREAM_PID.
E2E_BENCH_UPSTREAM_ARGS=()  # extra maesn-bench-upstream flags
e2e_start_bench_upstream() {
  local build=$1; shift
  mkdir -p "$E2E_WORK/upstream"
  "$build/tests/bench/maesn-bench-upstream" --cert_dir="$E2E_WORK/upstream" \
    --ready_file="$E2E_WORK/upstream.json" "${E2E_BENCH_UPSTREAM_ARGS[@]}" \
    >"$E2E_WORK/upstream.log" 2>&1 &
  UPSTREAM_PID=$!
  E2E_PIDS+=($UPSTREAM_PID)
  e2e_wait_file "$E2E_WORK/upstream.json" "$UPSTREAM_PID"
  e2e_start_gateway "$build" "$E2E_WORK/upstream.json" "$@"
  export SIM_URL SIM_CA SIM_PORT GATEWAY_PORT GATEWAY_ADDR GATEWAY_PID UPSTREAM_PID
}

# e2e_cpu_ticks <pid>: user + system CPU time of a process, in clock ticks.
e2e_cpu_ticks() {
  awk '{sub(/^.*\) /, ""); print $12 + $13}' "/proc/$1/stat"
}
