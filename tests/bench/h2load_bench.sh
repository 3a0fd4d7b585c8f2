#!/usr/bin/env bash
# e. h2load (nghttp2-client) driving GetInvoice through the built
# maesn-gateway against the built maesn-sim, and proof that every response
# was a success: h2load counts any HTTP 200 as success, even with a gRPC
# error in the trailers, so
#   1. nghttp checks grpc-status on a sample of calls (all must be 0), and
#   2. every one of h2load's responses must carry exactly the DATA bytes of
#      a GetInvoiceResponse: an error answer (trailers only) carries none.
#
#   h2load_bench.sh <build dir> [requests] [clients] [streams per client]
#   tests/bench/h2load_bench.sh build-release 100000 4 16
source "$(dirname "$0")/../e2e/lib.sh"
build=$1 requests=${2:-20000} clients=${3:-4} streams=${4:-16}
command -v h2load >/dev/null || fail "h2load not found (apt nghttp2-client; scripts/install-deps.sh)"
command -v nghttp >/dev/null || fail "nghttp not found (apt nghttp2-client)"
root=$(cd "$(dirname "$0")/../.." && pwd)

# Enough simulator workers for every keep-alive connection of the gateway.
E2E_SIM_ARGS=(--worker-threads 128)
e2e_start "$build"
url="http://$GATEWAY_ADDR/maesn.accounting.v1.InvoiceService/GetInvoice"
headers=(-H 'content-type: application/grpc' -H 'te: trailers'
         -H 'x-account-key: sim-account-key')

# The request as a gRPC frame: flag 0, 4-byte big-endian length, message.
frame="$E2E_WORK/get_invoice.frame"
e2e_grpc_frame "$frame" "$root" maesn.accounting.v1.GetInvoiceRequest \
  maesn/accounting/v1/invoice.proto 'invoice_id: "ABC123"'

# One call in full: its status and the DATA bytes of one good answer.
one=$(nghttp -v -d "$frame" "${headers[@]}" "$url" 2>&1) || fail "nghttp: $one"
grep -aq 'grpc-status: 0' <<<"$one" || fail "GetInvoice did not succeed: $one"
per_response=$(grep -a 'recv DATA frame' <<<"$one" |
  sed -E 's/.*length=([0-9]+).*/\1/' | awk '{s+=$1} END {print s+0}')
((per_response > 5)) || fail "no response message seen: $one"

# A sample with nghttp: every call's trailers must say grpc-status 0.
sample=200
out=$(nghttp -n -v -m "$sample" -d "$frame" "${headers[@]}" "$url" 2>&1) ||
  fail "nghttp sample failed"
ok=$(grep -ac 'grpc-status: 0' <<<"$out" || true)
all=$(grep -ac 'grpc-status:' <<<"$out" || true)
((ok == sample && all == sample)) ||
  fail "sample: $ok of $sample calls had grpc-status 0 ($all statuses seen)"

# The load run.
load=$(h2load -n "$requests" -c "$clients" -m "$streams" -t 1 -d "$frame" \
  "${headers[@]}" "$url" 2>&1) || fail "h2load failed: $load"
printf '%s\n' "$load"
line=$(grep -a '^requests:' <<<"$load")
succeeded=$(sed -E 's/.* ([0-9]+) succeeded.*/\1/' <<<"$line")
data=$(grep -a '^traffic:' <<<"$load" | sed -E 's/.*\(([0-9]+)\) data.*/\1/')
rps=$(grep -a '^finished in' <<<"$load" | sed -E 's/.*, ([0-9.]+) req\/s.*/\1/')
read -r _ _ _ tmin tmax tmean tsd _ < <(grep -a '^time for request:' <<<"$load")
((succeeded == requests)) || fail "h2load: $succeeded of $requests succeeded"
((data == requests * per_response)) ||
  fail "h2load: $data DATA bytes, expected $requests x $per_response: some calls failed"

cat <<EOF

e. h2load through the gateway
| requests | clients x streams | req/s | request time min / mean / max (sd) | grpc-status 0 |
|---|---|---|---|---|
| $requests | $clients x $streams | $rps | $tmin / $tmean / $tmax ($tsd) | all: $sample/$sample sampled with nghttp; $requests x $per_response DATA bytes |
EOF
echo "all $requests h2load calls succeeded"
