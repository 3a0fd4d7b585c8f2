#!/usr/bin/env bash
# e2e: SIGTERM under load. Prints the figures.
#
# 1. Two gateways behind one client that uses the recommended service config
#    (round_robin + client-side health checking, as over the headless
#    Service): SIGTERM to gateway A while 16 callers run. A must turn
#    NOT_SERVING at once, keep its calls, exit 0 between the drain delay and
#    drain delay + grace, and not a single call may fail (B takes over).
# 2. One gateway and a naive client (no health checking): calls go on being
#    served during the drain delay, calls in flight when it stops accepting
#    finish OK, later calls are refused with UNAVAILABLE without reaching
#    Maesn, and no call the gateway accepted is cut.
# Upstream latency is 200 ms (maesn-sim --latency-ms), so calls are always
# in flight.
# Usage: drain_test.sh <build dir>
source "$(dirname "$0")/lib.sh"
build=$1
client="$build/tests/e2e/drain-load-client"
[[ -x "$client" ]] || fail "drain-load-client not built at $client"
drain_ms=1000 grace_ms=5000 latency_ms=200 concurrency=16
gw_env=(GATEWAY_DRAIN_DELAY_MS=$drain_ms GATEWAY_SHUTDOWN_GRACE_MS=$grace_ms
        METRICS_LISTEN=off)
E2E_SIM_ARGS=(--latency-ms "$latency_ms" --worker-threads 96)
e2e_start "$build" "${gw_env[@]}"
gw_a_pid=$GATEWAY_PID gw_a_port=$GATEWAY_PORT

# A second gateway against the same simulator.
env GATEWAY_LISTEN=127.0.0.1:0 GATEWAY_PORT_FILE="$E2E_WORK/gw_b.port" \
  MAESN_BASE_URL="$SIM_URL" MAESN_CA_FILE="$SIM_CA" MAESN_API_KEY=sim-api-key \
  "${gw_env[@]}" "$build/gateway/maesn-gateway" >"$E2E_WORK/gateway_b.log" 2>&1 &
gw_b_pid=$!
E2E_PIDS+=($gw_b_pid)
e2e_wait_file "$E2E_WORK/gw_b.port" "$gw_b_pid"
gw_b_port=$(cat "$E2E_WORK/gw_b.port")

# Sends SIGTERM to $1 once the client is warm; sets rc and took.
sigterm_and_wait() {
  local pid=$1 tag=$2
  e2e_wait_file "$E2E_WORK/$tag.ready" "$client_pid"
  local start_ms end_ms
  start_ms=$(date +%s%3N)
  echo "$start_ms" >"$E2E_WORK/$tag.sigterm"
  kill -TERM "$pid"
  set +e
  wait "$pid"
  rc=$?
  set -e
  end_ms=$(date +%s%3N)
  took=$((end_ms - start_ms))
}

check_exit() {
  local name=$1
  echo "$name: exit code $rc; SIGTERM to exit ${took} ms (drain delay ${drain_ms} ms," \
    "grace ${grace_ms} ms, upstream latency ${latency_ms} ms, ${concurrency} callers)"
  [[ $rc -eq 0 ]] || fail "$name exited with $rc"
  ((took >= drain_ms)) || fail "$name stopped before the drain delay (${took} ms)"
  ((took < drain_ms + grace_ms)) || fail "$name took ${took} ms, beyond drain + grace"
}

echo "== 1: two gateways, round_robin + client-side health checking"
config='{"loadBalancingConfig":[{"round_robin":{}}],"healthCheckConfig":{"serviceName":""}}'
"$client" --target "ipv4:127.0.0.1:$gw_a_port,127.0.0.1:$gw_b_port" \
  --health_target "127.0.0.1:$gw_a_port" --service_config "$config" \
  --expect_refusals=false --id_prefix k8s --stop_file "$E2E_WORK/k8s.stop" \
  --sim_port "$SIM_PORT" --sim_ca "$SIM_CA" --concurrency $concurrency \
  --warmup_calls 100 --drain_delay_ms $drain_ms \
  --ready_file "$E2E_WORK/k8s.ready" --sigterm_file "$E2E_WORK/k8s.sigterm" \
  >"$E2E_WORK/k8s.out" 2>&1 &
client_pid=$!
E2E_PIDS+=($client_pid)
sigterm_and_wait "$gw_a_pid" k8s
touch "$E2E_WORK/k8s.stop"
set +e; wait "$client_pid"; client_rc=$?; set -e
cat "$E2E_WORK/k8s.out"
after=$(sed -n '/"msg":"draining"/,$p' "$E2E_WORK/gateway.log" | grep -c '"msg":"rpc"' || true)
echo "gateway A answered $after calls after SIGTERM (those in flight, and any sent before clients saw NOT_SERVING)"
check_exit "gateway A"
[[ $client_rc -eq 0 ]] || fail "calls failed while gateway A drained (exit $client_rc)"

echo "== 2: one gateway, a client without health checking"
"$client" --target "127.0.0.1:$gw_b_port" --expect_refusals=true --id_prefix one \
  --sim_port "$SIM_PORT" --sim_ca "$SIM_CA" --concurrency $concurrency \
  --warmup_calls 50 --drain_delay_ms $drain_ms \
  --ready_file "$E2E_WORK/one.ready" --sigterm_file "$E2E_WORK/one.sigterm" \
  >"$E2E_WORK/one.out" 2>&1 &
client_pid=$!
E2E_PIDS+=($client_pid)
sigterm_and_wait "$gw_b_pid" one
set +e; wait "$client_pid"; client_rc=$?; set -e
cat "$E2E_WORK/one.out"
check_exit "gateway B"
[[ $client_rc -eq 0 ]] || fail "the load client found cut calls (exit $client_rc)"
# Every call the gateway handled ended OK: a refused or raced call never
# reached its handler.
if grep '"msg":"rpc"' "$E2E_WORK/gateway_b.log" | grep -v '"code":"OK"'; then
  fail "gateway B handled calls that did not end OK"
fi
echo "PASS"
