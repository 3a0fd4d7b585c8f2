#!/usr/bin/env bash
# e2e: the built maesn-gateway against the built maesn-sim, driven by
# `buf curl` through server reflection (the grpcurl stand-in here).
# Usage: buf_curl_test.sh <build dir> <buf binary>
source "$(dirname "$0")/lib.sh"
build=$1 buf=$2
[[ -x "$buf" ]] || fail "buf not found at $buf (run scripts/install-deps.sh)"
e2e_start "$build"
url="http://$GATEWAY_ADDR"
curl_grpc() { "$buf" curl --protocol grpc --http2-prior-knowledge "$@"; }

services=$(curl_grpc --list-services "$url")
for s in maesn.accounting.v1.InvoiceService maesn.accounting.v1.BillService \
         maesn.accounting.v1.TaskService grpc.health.v1.Health; do
  grep -qx "$s" <<<"$services" || fail "service $s not listed: $services"
done

# buf asks grpc.reflection.v1 first; the gateway answers it (no fallback).
verbose=$(curl_grpc -v --list-services "$url" 2>&1)
grep -q 'POST /grpc.reflection.v1.ServerReflection/' <<<"$verbose" || fail "no v1 reflection: $verbose"
if grep -q 'POST /grpc.reflection.v1alpha' <<<"$verbose"; then fail "buf fell back to v1alpha: $verbose"; fi

methods=$(curl_grpc --list-methods "$url")
for m in maesn.accounting.v1.InvoiceService/GetInvoice \
         maesn.accounting.v1.BillService/GetBill \
         maesn.accounting.v1.TaskService/GetTask \
         maesn.accounting.v1.TaskService/WatchTask; do
  grep -qx "$m" <<<"$methods" || fail "method $m not listed"
done

health=$(curl_grpc -d '{}' "$url/grpc.health.v1.Health/Check")
grep -q '"SERVING"' <<<"$health" || fail "health: $health"
health=$(curl_grpc -d '{"service":"maesn.accounting.v1.InvoiceService"}' "$url/grpc.health.v1.Health/Check")
grep -q '"SERVING"' <<<"$health" || fail "service health: $health"

inv=$(curl_grpc -H 'x-account-key: sim-account-key' -d '{"invoice_id":"ABC123"}' \
  "$url/maesn.accounting.v1.InvoiceService/GetInvoice")
grep -q '"invoiceId": "ABC123"' <<<"$inv" || fail "GetInvoice: $inv"
grep -q '"totalAmount": 109' <<<"$inv" || fail "GetInvoice amount: $inv"
grep -q '"status": "DOCUMENT_STATUS_DRAFT"' <<<"$inv" || fail "GetInvoice status: $inv"

bill=$(curl_grpc -H 'x-account-key: sim-account-key' \
  -d '{"bill_id":"9714f3a2-5b8e-4d1b-8a0c-9f6e7d2f3e4b"}' \
  "$url/maesn.accounting.v1.BillService/GetBill")
grep -q '"billNumber": "1020"' <<<"$bill" || fail "GetBill: $bill"

task=$(curl_grpc -H 'x-account-key: sim-account-key' -d '{"task_id":"task-abaconnect-1"}' \
  "$url/maesn.accounting.v1.TaskService/GetTask")
grep -q '"status": "TASK_STATUS_IN_PROGRESS"' <<<"$task" || fail "GetTask: $task"

# A missing account key: UNAUTHENTICATED (buf exits with code << 3 = 128).
set +e
err=$(curl_grpc -d '{"invoice_id":"ABC123"}' \
  "$url/maesn.accounting.v1.InvoiceService/GetInvoice" 2>&1)
rc=$?
set -e
[[ $rc -eq $((16 << 3)) ]] || fail "expected UNAUTHENTICATED exit $((16 << 3)), got $rc: $err"
grep -q "x-account-key" <<<"$err" || fail "error does not name x-account-key: $err"
echo "PASS"
