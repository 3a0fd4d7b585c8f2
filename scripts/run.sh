#!/usr/bin/env bash
# Builds and starts the gateway and shows a real call through it.
#
# Without MAESN_API_KEY it starts the bundled Maesn simulator (maesn-sim) on
# loopback and points the gateway at it; with MAESN_API_KEY (and
# MAESN_ACCOUNT_KEY for the demo call) it talks to https://api.maesn.dev.
# The gateway keeps running until Ctrl-C; pass --once to stop after the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
once=false; [[ "${1:-}" == "--once" ]] && once=true

scripts/install-deps.sh --run
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DMAESN_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build build-release --target maesn-gateway maesn-sim

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT INT TERM

wait_for_file() {  # file, pid: waits until the file exists or the process died
  until [[ -s "$1" ]]; do
    kill -0 "$2" 2>/dev/null || { echo "process $2 exited early" >&2; exit 1; }
    sleep 0.05
  done
}

if [[ -z "${MAESN_API_KEY:-}" ]]; then
  echo "MAESN_API_KEY is not set: starting the bundled Maesn simulator"
  build-release/tests/sim/maesn-sim --cert-dir "$work/sim" \
    --ready-file "$work/sim.json" --task-step-ms 2000 &
  pids+=($!)
  wait_for_file "$work/sim.json" "${pids[-1]}"
  base_url=$(sed -E 's/.*"base_url":"([^"]+)".*/\1/' "$work/sim.json")
  ca_file=$(sed -E 's/.*"ca_file":"([^"]+)".*/\1/' "$work/sim.json")
  export MAESN_BASE_URL="$base_url" MAESN_CA_FILE="$ca_file" MAESN_API_KEY=sim-api-key
  account_key=sim-account-key
  invoice_id=ABC123
else
  account_key="${MAESN_ACCOUNT_KEY:?set MAESN_ACCOUNT_KEY (the Maesn account key of the end user) for the demo call}"
  invoice_id="${MAESN_INVOICE_ID:?set MAESN_INVOICE_ID to an invoice of that account for the demo call}"
fi

export GATEWAY_LISTEN="${GATEWAY_LISTEN:-127.0.0.1:50051}" GATEWAY_PORT_FILE="$work/gateway.port"
# No load balancer to wait for on a workstation: stop at once on Ctrl-C, and
# keep the metrics endpoint on loopback.
export GATEWAY_DRAIN_DELAY_MS="${GATEWAY_DRAIN_DELAY_MS:-0}"
export METRICS_LISTEN="${METRICS_LISTEN:-127.0.0.1:9090}"
build-release/gateway/maesn-gateway &
pids+=($!)
wait_for_file "$work/gateway.port" "${pids[-1]}"
port=$(cat "$work/gateway.port")

buf=node_modules/.bin/buf
echo
echo "\$ buf curl --protocol grpc --http2-prior-knowledge --list-services http://127.0.0.1:$port"
$buf curl --protocol grpc --http2-prior-knowledge --list-services "http://127.0.0.1:$port"
echo
echo "\$ buf curl ... -H 'x-account-key: ...' -d '{\"invoice_id\":\"$invoice_id\"}' http://127.0.0.1:$port/maesn.accounting.v1.InvoiceService/GetInvoice"
$buf curl --protocol grpc --http2-prior-knowledge -H "x-account-key: $account_key" \
  -d "{\"invoice_id\":\"$invoice_id\"}" \
  "http://127.0.0.1:$port/maesn.accounting.v1.InvoiceService/GetInvoice"

if $once; then exit 0; fi
echo
echo "The gateway listens on 127.0.0.1:$port (Ctrl-C stops it)."
wait "${pids[-1]}"
