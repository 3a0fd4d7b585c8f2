#include "gateway/maesn/maesn_connection.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/numbers.h"
#include "gateway/common/errors.h"

namespace maesn::gateway {

bool IsRetryable(const absl::Status& status) {
  int http = 0;
  if (absl::SimpleAtoi(ErrorMetadata(status, "http_status"), &http)) {
    return http == 429 || http == 502 || http == 503 || http == 504;
  }
  const std::string reason = ErrorReason(status);
  return reason == "UPSTREAM_UNAVAILABLE" || reason == "UPSTREAM_TLS_FAILED";
}

MaesnConnection::MaesnConnection(std::shared_ptr<MaesnStub> stub,
                                 RetryPolicy policy,
                                 std::shared_ptr<Clock> clock,
                                 UpstreamObserver* observer)
    : stub_(std::move(stub)),
      policy_(policy),
      clock_(std::move(clock)),
      observer_(observer) {}

std::string MaesnConnection::OperationOf(const absl::Status& status) {
  std::string op = ErrorMetadata(status, "operation");
  return op.empty() ? "unknown" : op;
}

bool MaesnConnection::ShouldRetry(const CallContext& context,
                                  const absl::Status& status, int n,
                                  absl::Duration* wait) {
  if (n >= policy_.max_attempts || !IsRetryable(status) ||
      context.Cancelled()) {
    return false;
  }
  const absl::Duration cap =
      std::min(policy_.max_backoff,
               policy_.initial_backoff * std::pow(policy_.multiplier, n - 1));
  double u;
  {
    absl::MutexLock lock(&mu_);
    u = absl::Uniform(rng_, 0.0, 1.0);
  }
  *wait = cap * u;  // full jitter
  absl::Duration asked;
  if (RetryDelay(status, &asked)) *wait = std::max(*wait, asked);
  // Never sleep past the caller's deadline: the next attempt needs time too.
  return clock_->Now() + *wait < context.deadline;
}

absl::Status MaesnConnection::LabelWriteOutcome(absl::Status status) {
  int http = 0;
  const bool has_http =
      absl::SimpleAtoi(ErrorMetadata(status, "http_status"), &http);
  std::string outcome;
  if (has_http) {
    // Maesn answered. A 5xx may still have written (a target system can fail
    // after booking); a 4xx rejected the request.
    if (http >= 500) outcome = "UNKNOWN";
  } else if (ErrorMetadata(status, "request_sent") == "false") {
    outcome = "NOT_SENT";
  } else if (status.code() != absl::StatusCode::kInvalidArgument) {
    // Timeout, broken connection or cancellation after sending.
    outcome = "UNKNOWN";
  }
  if (outcome.empty()) return status;
  if (outcome == "UNKNOWN") {
    std::string msg(status.message());
    msg +=
        " (the write may or may not have been applied: look the record up "
        "before sending it again)";
    absl::Status labelled(status.code(), msg);
    status.ForEachPayload([&](absl::string_view url, const absl::Cord& p) {
      labelled.SetPayload(url, p);
    });
    status = std::move(labelled);
  }
  return WithErrorMetadata(std::move(status), "write_outcome", outcome);
}

absl::StatusOr<v1::GetInvoiceResponse> MaesnConnection::GetInvoice(
    CallContext& context, const v1::GetInvoiceRequest& request) {
  return Read(context, [&] { return stub_->GetInvoice(context, request); });
}

absl::StatusOr<v1::GetBillResponse> MaesnConnection::GetBill(
    CallContext& context, const v1::GetBillRequest& request) {
  return Read(context, [&] { return stub_->GetBill(context, request); });
}

absl::StatusOr<v1::GetTaskResponse> MaesnConnection::GetTask(
    CallContext& context, const v1::GetTaskRequest& request) {
  return Read(context, [&] { return stub_->GetTask(context, request); });
}

}  // namespace maesn::gateway
