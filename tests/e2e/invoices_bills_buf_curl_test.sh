#!/usr/bin/env bash
# e2e: invoices and bills through the built maesn-gateway and maesn-sim with
# `buf curl` (proto3 JSON, server reflection): paging with tokens, the
# all-pages stream, a field-mask update in its JSON form, a create, and
# INVALID_ARGUMENT before anything goes upstream.
# Usage: invoices_bills_buf_curl_test.sh <build dir> <buf binary>
source "$(dirname "$0")/lib.sh"
build=$1 buf=$2
[[ -x "$buf" ]] || fail "buf not found at $buf (run scripts/install-deps.sh)"
e2e_start "$build"
url="http://$GATEWAY_ADDR"
call() {
  local method=$1 body=$2
  "$buf" curl --protocol grpc --http2-prior-knowledge \
    -H 'x-account-key: sim-account-key' -d "$body" "$url/maesn.accounting.v1.$method"
}
count() { grep -o "$1" <<<"$2" | wc -l; }

# Page 1 of 5, then page 2 with its token.
page1=$(call InvoiceService/ListInvoices '{"page_size":5}')
[[ $(count '"invoiceId"' "$page1") -eq 5 ]] || fail "ListInvoices page 1: $page1"
grep -q '"totalSize": 305' <<<"$page1" || fail "ListInvoices total: $page1"
token=$(sed -nE 's/.*"nextPageToken": "([^"]+)".*/\1/p' <<<"$page1")
[[ -n "$token" ]] || fail "no next_page_token: $page1"
page2=$(call InvoiceService/ListInvoices "{\"page_size\":5,\"page_token\":\"$token\"}")
grep -q '"invoiceId": "sim-inv-0001"' <<<"$page2" || fail "ListInvoices page 2: $page2"

# The same token with another filter: INVALID_ARGUMENT (exit 3 << 3).
set +e
err=$(call InvoiceService/ListInvoices \
  "{\"page_size\":5,\"page_token\":\"$token\",\"status\":\"DOCUMENT_STATUS_PAID\"}" 2>&1)
rc=$?
set -e
[[ $rc -eq $((3 << 3)) ]] || fail "replayed token: exit $rc: $err"
grep -q "page_token" <<<"$err" || fail "replayed token error: $err"

# Every bill, streamed.
stream=$(call BillService/StreamBills '{"page_size":20}')
[[ $(count '"bill": {' "$stream") -eq 253 ]] || fail "StreamBills: $(count '"bill": {' "$stream") bills"

# A field-mask update in proto3 JSON form (camelCase, comma-separated).
upd=$(call InvoiceService/UpdateInvoice \
  '{"invoice_id":"sim-inv-0001","invoice":{"reference":"PO-E2E","name":"not sent"},"update_mask":"reference,dueDate"}')
grep -q '"reference": "PO-E2E"' <<<"$upd" || fail "UpdateInvoice: $upd"
grep -q '"dueDate"' <<<"$upd" && fail "UpdateInvoice did not clear dueDate: $upd"
grep -q '"name": "not sent"' <<<"$upd" && fail "UpdateInvoice sent an unmasked field: $upd"

# A create, and one missing what Maesn requires.
created=$(call BillService/CreateBill '{"bill":{"bill_number":"ER-E2E","total_gross_amount":119.99}}')
grep -q '"billNumber": "ER-E2E"' <<<"$created" || fail "CreateBill: $created"
grep -q '"totalGrossAmount": 119.99' <<<"$created" || fail "CreateBill amount: $created"
set +e
err=$(call InvoiceService/CreateInvoice '{"invoice":{"line_items":[{}]}}' 2>&1)
rc=$?
set -e
[[ $rc -eq $((3 << 3)) ]] || fail "CreateInvoice without date: exit $rc: $err"
grep -q "invoice.invoice_date" <<<"$err" || fail "CreateInvoice violation: $err"

doc=$(call InvoiceService/GetInvoiceDocument '{"invoice_id":"ABC123"}')
grep -q '"contentType": "application/pdf"' <<<"$doc" || fail "GetInvoiceDocument: $doc"
echo "PASS"
