#!/usr/bin/env bash
# e2e: a language's client example (clients/<lang>) against the built
# maesn-gateway and maesn-sim. Generates the client code from proto/ into the
# build tree, runs each command of the example and checks its output, which
# is the same in every language, against the simulator's seed data.
# Usage: client_example_test.sh <build dir> <python|node|go>
source "$(dirname "$0")/lib.sh"
build=$1 lang=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
out=$build/clients/$lang

case $lang in
  python)
    "$src/clients/python/generate.sh" "$out" >/dev/null
    example() { PYTHONPATH="$out" /usr/bin/python3 "$src/clients/python/example.py" "$@"; } ;;
  node)
    "$src/clients/node/generate.sh" "$out" >/dev/null
    example() { NODE_PATH="$src/node_modules" node "$out/example.js" "$@"; } ;;
  go)
    "$src/clients/go/generate.sh" "$out" >/dev/null
    # grpc-go 1.33 (Debian 12) applies retry policies only with this set.
    example() { GRPC_GO_RETRY=on "$out/bin/maesn-example" "$@"; } ;;
  *) fail "unknown language $lang" ;;
esac

# Maesn errors on demand: a rate limit with Retry-After on one invoice, and
# for the second account one 503 on its first GET of ABC123 and on its first
# invoice POST.
E2E_SIM_ARGS=(--faults '[
  {"method": "GET", "path": "/accounting/invoices/RATE-LIMITED", "status": 429,
   "headers": {"Retry-After": "120"}, "message": "Too many requests"},
  {"method": "GET", "path": "/accounting/invoices/ABC123",
   "account": "sim-account-key-2", "status": 503, "times": 1},
  {"method": "POST", "path": "/accounting/invoices",
   "account": "sim-account-key-2", "status": 503, "times": 1}]')
# One attempt per call in the gateway, so that retries are the client's.
# Short watch polls keep the test quick.
e2e_start "$build" MAESN_RETRY_MAX_ATTEMPTS=1 WATCH_POLL_MIN_MS=100 WATCH_POLL_MAX_MS=400
export MAESN_GATEWAY="dns:///$GATEWAY_ADDR" MAESN_ACCOUNT_KEY=sim-account-key
unset MAESN_API_KEY

sim_admin() { curl -sS --fail --cacert "$SIM_CA" "$@"; }
# Number of recorded Maesn requests with this method, path and account key.
sim_count() {
  sim_admin "$SIM_URL/_sim/requests" | /usr/bin/python3 -c '
import json, sys
method, path, account = sys.argv[1:]
print(sum(1 for r in json.load(sys.stdin) if r["method"] == method
          and r["path"] == path and r["account_key"] == account))' "$@"
}
# run <expected exit code> <args...>: runs the example, keeps its output.
run() {
  local want=$1; shift
  set +e
  output=$(example "$@" 2>"$E2E_WORK/stderr")
  local rc=$?
  set -e
  [[ $rc -eq $want ]] || fail "example $* exited $rc, want $want: $output $(cat "$E2E_WORK/stderr")"
}
expect_line() {
  grep -qxF -- "$1" <<<"$output" || fail "no line '$1' in output of the last command: $output"
}
expect_no() {
  ! grep -qF -- "$1" - "$E2E_WORK/stderr" <<<"$output" || fail "'$1' in output: $output"
}
# run_following <args...>: runs the example (which must exit 0) and reads its
# output as it comes, keeping it in $output. Each task state the example
# prints that is not done moves that task of the simulator one step on, so
# the example's WatchTask sees every step and nothing waits on a clock.
task_not_done='^task ([^ ]+) .* done=false '
run_following() {
  local fifo="$E2E_WORK/following.fifo" pid fd line
  rm -f "$fifo"
  mkfifo "$fifo"
  example "$@" >"$fifo" 2>&1 &
  pid=$!
  E2E_PIDS+=("$pid")
  exec {fd}<"$fifo"
  output=""
  while IFS= read -r -t 60 line <&"$fd"; do
    output+="$line"$'\n'
    if [[ $line =~ $task_not_done ]]; then
      sim_admin -X POST \
        "$SIM_URL/_sim/tasks/${BASH_REMATCH[1]}/advance?account=$MAESN_ACCOUNT_KEY" >/dev/null
    fi
  done
  exec {fd}<&-
  wait "$pid" || fail "example $* exited $?: $output"
}

# GetInvoice, with the API key sent by the caller this time.
MAESN_API_KEY=sim-api-key run 0 get ABC123
expect_line "invoice ABC123 number=1 status=DOCUMENT_STATUS_DRAFT total=109 currency=EUR"
expect_line "  line 1 name=Line item name quantity=1 unit_amount=100"
expect_line "  warning: Field not used by target system"

# ListInvoices across all pages: the 5 seed invoices and the simulator's 300
# generated ones, each once.
run 0 list 100
expect_line "invoice ABC123 number=1 status=DOCUMENT_STATUS_DRAFT total=109 currency=EUR"
expect_line "listed 305 invoices on 4 pages (total_size=305)"
[[ $(grep '^invoice ' <<<"$output" | cut -d' ' -f2 | sort -u | wc -l) == 305 ]] ||
  fail "listed invoices are not 305 distinct ones"

# CreateInvoice with a client-chosen id: created once (Maesn computes the
# totals: 2.5 x 120 net + 19 % tax), then readable and listed; the same id
# again is refused, so resending cannot duplicate it.
id="E2E-$lang-1"
run 0 create "$id"
expect_line "created invoice $id number=- status=DOCUMENT_STATUS_DRAFT total=357 currency=EUR"
run 0 get "$id"
expect_line "invoice $id number=- status=DOCUMENT_STATUS_DRAFT total=357 currency=EUR"
expect_line "  line $id-L1 name=Consulting quantity=2.5 unit_amount=120"
run 1 create "$id"
expect_line "advice: do not retry: fix the request, the credentials or the account"
grep -q '^error: code=ABORTED ' <<<"$output" || fail "second create: $output"
run 0 list 100
expect_line "listed 306 invoices on 4 pages (total_size=306)"
[[ $(sim_count POST /accounting/invoices sim-account-key) == 2 ]] ||
  fail "expected exactly 2 invoice POSTs"

# A write whose outcome is unclear (Maesn's 503) is not retried by the
# gateway or the channel; the caller looks it up, finds nothing, sends again.
id="E2E-$lang-2"
MAESN_ACCOUNT_KEY=sim-account-key-2 run 1 create "$id"
grep -q '^error: code=UNAVAILABLE ' <<<"$output" || fail "create with a 503: $output"
grep -q '^error_info: .*write_outcome=UNKNOWN' <<<"$output" || fail "no write_outcome: $output"
expect_line "advice: the write may have happened: look it up before sending it again"
[[ $(sim_count POST /accounting/invoices sim-account-key-2) == 1 ]] ||
  fail "the write was retried"
MAESN_ACCOUNT_KEY=sim-account-key-2 run 1 get "$id"
grep -q '^error: code=NOT_FOUND ' <<<"$output" || fail "lookup after the 503: $output"
MAESN_ACCOUNT_KEY=sim-account-key-2 run 0 create "$id"
expect_line "created invoice $id number=- status=DOCUMENT_STATUS_DRAFT total=357 currency=EUR"

# WatchTask: an unknown task is NOT_FOUND.
run 1 watch no-such-task
grep -q '^error: code=NOT_FOUND ' <<<"$output" || fail "watch of an unknown task: $output"

# WatchTask: the example prints each change until the task ends. The
# simulator's task moves one step on each time a change has been printed, so
# every step is seen (its first message is the current state).
task=task-datev-duo-1
run_following watch "$task"
expect_line "task $task status=TASK_STATUS_OPEN raw_status=OPEN done=false information=0"
expect_line "task $task status=TASK_STATUS_IN_PROGRESS raw_status=IN_PROGRESS done=false information=0"
expect_line "task $task status=TASK_STATUS_IN_PROGRESS raw_status=IN_PROGRESS done=false information=2"
expect_line "task $task status=TASK_STATUS_SUCCESS raw_status=SUCCESS done=true information=2"
expect_line "task $task ended with SUCCESS"
[[ $(grep -c "^task $task status=" <<<"$output") == 4 ]] ||
  fail "expected exactly 4 states: $output"

# One flow across services: a new contact; an invoice for it, with the
# contact id as Maesn returned it (Maesn computes the totals: 1 x 2480 +
# 6.5 x 68 = 2922 net, + 19 % tax = 3477.18); the invoice's PDF uploaded
# asynchronously, linked to both, its task watched from the simulator's
# first state (IN_PROGRESS, as DATEV Unternehmen Online reports it) to SUCCESS; the
# stored file read back typed from the finished task.
run_following flow
contact=$(sed -n 's/^created contact \([^ ]*\) .*/\1/p' <<<"$output")
invoice=$(sed -n 's/^created invoice \([^ ]*\) .*/\1/p' <<<"$output")
task=$(sed -n 's/^upload started: task \(.*\)$/\1/p' <<<"$output")
[[ -n $contact && $contact != - && -n $invoice && $invoice != - && -n $task ]] ||
  fail "flow: no contact, invoice or task id: $output"
expect_line "created contact $contact name=Schreinerei Vogel GmbH type=CONTACT_TYPE_COMPANY customer=true"
expect_line "created invoice $invoice number=- status=DOCUMENT_STATUS_DRAFT total=3477.18 currency=EUR contact=$contact"
pdf_bytes=$(sed -n "s/^invoice document invoice-$invoice\.pdf content_type=application\/pdf bytes=\([1-9][0-9]*\)$/\1/p" <<<"$output")
[[ -n $pdf_bytes ]] || fail "flow: no invoice document: $output"
expect_line "task $task status=TASK_STATUS_IN_PROGRESS raw_status=IN_PROGRESS done=false information=0"
expect_line "task $task status=TASK_STATUS_SUCCESS raw_status=SUCCESS done=true information=0"
expect_line "task $task ended with SUCCESS"
[[ $(grep "^task $task status=" <<<"$output" | tail -n1) == *" raw_status=SUCCESS done=true "* ]] ||
  fail "flow: the last state watched is not SUCCESS: $output"
grep -qE "^stored file [^ -][^ ]* name=invoice-$invoice\.pdf content_type=application/pdf bytes=$pdf_bytes\$" <<<"$output" ||
  fail "flow: the stored file is not the invoice's document: $output"
# What Maesn received: the invoice for the new contact, and the upload with
# the same PDF linked to the contact and the invoice.
sim_admin "$SIM_URL/_sim/requests" | /usr/bin/python3 -c '
import base64, json, sys
contact, invoice, pdf_bytes = sys.argv[1:]
requests = [r for r in json.load(sys.stdin) if r["account_key"] == "sim-account-key"]
def last(path):
    return [r for r in requests if r["method"] == "POST" and r["path"] == path][-1]
sent = json.loads(last("/accounting/invoices")["body"])
assert sent["contactId"] == contact, sent
parts = {p["name"]: p for p in last("/accounting/files/async")["parts"]}
def text(name):
    return base64.b64decode(parts[name]["content_base64"]).decode()
assert text("contactId") == contact, parts
assert text("resourceId") == invoice, parts
assert text("documentType") == "Rechnungsausgang", parts
pdf = parts["file"]
assert pdf["file_name"] == f"invoice-{invoice}.pdf", pdf
assert pdf["content_type"] == "application/pdf", pdf
assert len(base64.b64decode(pdf["content_base64"])) == int(pdf_bytes), pdf
' "$contact" "$invoice" "$pdf_bytes" || fail "flow: Maesn did not receive what the example sent"

# Errors: code, ErrorInfo, RetryInfo, BadRequest, and what to do next.
run 1 get NO-SUCH-INVOICE
expect_line "error: code=NOT_FOUND message=Maesn answered HTTP 404 to getInvoice: Invoice not found"
expect_line "error_info: reason=UPSTREAM_NOT_FOUND domain=gateway.maesn.dev metadata=http_status=404,operation=getInvoice"
expect_line "advice: do not retry: fix the request, the credentials or the account"

run 1 get RATE-LIMITED
expect_line "error: code=RESOURCE_EXHAUSTED message=Maesn answered HTTP 429 to getInvoice: Too many requests"
expect_line "error_info: reason=UPSTREAM_RATE_LIMITED domain=gateway.maesn.dev metadata=http_status=429,operation=getInvoice"
expect_line "retry_info: retry_delay=120s"
expect_line "advice: retry after 120s"
[[ $(sim_count GET /accounting/invoices/RATE-LIMITED sim-account-key) == 1 ]] ||
  fail "RESOURCE_EXHAUSTED was retried"

run 1 get ""
expect_line "error: code=INVALID_ARGUMENT message=invoice_id: must not be empty"
expect_line "error_info: reason=INVALID_FIELD domain=gateway.maesn.dev metadata=field=invoice_id"
expect_line "bad_request: field=invoice_id description=must not be empty"

MAESN_ACCOUNT_KEY=not-a-real-account-key run 1 get ABC123
expect_line "error: code=UNAUTHENTICATED message=Maesn answered HTTP 401 to getInvoice: Unauthorized: missing or invalid X-ACCOUNT-KEY"
expect_no "not-a-real-account-key"

# An UNAVAILABLE the gateway answers (after its own attempts at Maesn, here
# one: MAESN_RETRY_MAX_ATTEMPTS=1) is a trailers-only response carrying
# grpc-retry-pushback-ms, so the channel's retry policy retries a read once
# after the delay the gateway asked for; the fault was for one request, so
# the second attempt gets the invoice. Maesn saw exactly two GETs.
MAESN_ACCOUNT_KEY=sim-account-key-2 run 0 get ABC123
expect_line "invoice ABC123 number=1 status=DOCUMENT_STATUS_DRAFT total=109 currency=EUR"
[[ $(sim_count GET /accounting/invoices/ABC123 sim-account-key-2) == 2 ]] ||
  fail "the read was not retried exactly once after the gateway's pushback"

# The channel's retry policy, against a stand-in that answers UNAVAILABLE
# before any response header (as when a gateway replica goes away): a read is
# retried and succeeds, a write is never retried.
"$src/clients/python/generate.sh" "$E2E_WORK/fake-gen" >/dev/null
PYTHONPATH="$E2E_WORK/fake-gen" /usr/bin/python3 "$src/tests/e2e/fake_gateway.py" \
  "$E2E_WORK/fake.port" "$E2E_WORK/fake.log" 2>"$E2E_WORK/fake.err" &
E2E_PIDS+=($!)
e2e_wait_file "$E2E_WORK/fake.port" "${E2E_PIDS[-1]}"
fake="dns:///127.0.0.1:$(cat "$E2E_WORK/fake.port")"
MAESN_GATEWAY=$fake run 0 get FLAKY
expect_line "invoice FLAKY number=- status=- total=1.5 currency=EUR"
[[ $(grep -c '^GetInvoice FLAKY$' "$E2E_WORK/fake.log") == 2 ]] ||
  fail "GetInvoice was not retried once: $(cat "$E2E_WORK/fake.log")"
MAESN_GATEWAY=$fake run 1 create
expect_line "error: code=UNAVAILABLE message=every call fails"
expect_line "advice: the write may have happened: look it up before sending it again"
[[ $(grep -c '^CreateInvoice ' "$E2E_WORK/fake.log") == 1 ]] ||
  fail "CreateInvoice was retried: $(cat "$E2E_WORK/fake.log")"

echo "PASS"
