#!/usr/bin/env bash
# e2e: SIGTERM while Maesn does not answer. A call waits on an upstream that
# takes 10 s; the gateway (drain delay 0, grace 4 s) must still answer the
# caller with a status and exit 0 before the grace ends. Prints the figures.
# Usage: drain_stuck_upstream_test.sh <build dir> <buf binary>
source "$(dirname "$0")/lib.sh"
build=$1 buf=$2
[[ -x "$buf" ]] || fail "buf not found at $buf (run scripts/install-deps.sh)"
grace_ms=4000
E2E_SIM_ARGS=(--latency-ms 10000)
e2e_start "$build" GATEWAY_DRAIN_DELAY_MS=0 GATEWAY_SHUTDOWN_GRACE_MS=$grace_ms

set +e
"$buf" curl --protocol grpc --http2-prior-knowledge -H 'x-account-key: sim-account-key' \
  -d '{"invoice_id":"ABC123"}' \
  "http://$GATEWAY_ADDR/maesn.accounting.v1.InvoiceService/GetInvoice" \
  >"$E2E_WORK/call.out" 2>&1 &
call_pid=$!
set -e
# Wait until the request is at the simulator (polls its counter).
deadline=$((SECONDS + 30))
until curl -sf --cacert "$SIM_CA" "$SIM_URL/_sim/stats" | grep -q '"requests":1'; do
  ((SECONDS < deadline)) || fail "the call never reached the simulator"
  sleep 0.02
done

start_ms=$(date +%s%3N)
kill -TERM "$GATEWAY_PID"
set +e
wait "$GATEWAY_PID"; rc=$?
end_ms=$(date +%s%3N)
wait "$call_pid"; call_rc=$?
set -e
took=$((end_ms - start_ms))
echo "gateway exit code $rc after ${took} ms (grace ${grace_ms} ms, upstream 10 s);" \
  "caller: buf exit $call_rc: $(tr '\n' ' ' <"$E2E_WORK/call.out")"
[[ $rc -eq 0 ]] || fail "gateway exited with $rc"
((took < grace_ms)) || fail "gateway outlived the grace (${took} ms)"
# buf exits with (gRPC code << 3): UNAVAILABLE (112) or CANCELLED (8).
[[ $call_rc -eq 112 || $call_rc -eq 8 ]] || fail "the caller got no status (buf exit $call_rc)"
echo "PASS"
