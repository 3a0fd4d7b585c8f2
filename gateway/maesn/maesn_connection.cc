#include "gateway/maesn/maesn_connection.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/errors.h"
#include "gateway/mapping/field_path.h"

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
  if (RetryDelay(status, &asked)) {
    // Maesn's Retry-After is a floor; one that would hold a worker longer
    // than max_wait goes back to the caller instead.
    if (asked > policy_.max_wait) return false;
    *wait = std::max(*wait, asked);
  }
  // Never sleep past the caller's deadline: the next attempt needs time too.
  return clock_->Now() + *wait < context.deadline;
}

absl::Status MaesnConnection::FinishError(
    absl::Status status, const CallContext& context,
    const google::protobuf::Message& request, bool write) const {
  if (status.ok()) return status;
  status = mapping::RewriteFieldViolations(std::move(status), request);
  if (write) status = LabelWriteOutcome(std::move(status), context);
  const std::string outcome = ErrorMetadata(status, kWriteOutcomeKey);
  if (outcome == "UNKNOWN" || outcome == "APPLIED") {
    // Sending it again could duplicate the write: no retry advice at all.
    status.ErasePayload(kRetryInfoUrl);
    return status;
  }
  absl::Duration delay;
  if (IsRetryable(status) && !RetryDelay(status, &delay)) {
    status = WithRetryDelay(std::move(status), policy_.caller_retry_delay);
  }
  return status;
}

absl::Status MaesnConnection::LabelWriteOutcome(absl::Status status,
                                                const CallContext& context) {
  int http = 0;
  if (!absl::SimpleAtoi(ErrorMetadata(status, "http_status"), &http)) {
    // An answer whose body was unusable still tells what Maesn did.
    http = context.stats.upstream_status;
  }
  std::string outcome;
  if (context.stats.attempts == 0 ||
      ErrorMetadata(status, "request_sent") == "false") {
    outcome = "NOT_SENT";
  } else if (http >= 200 && http < 300) {
    outcome = "APPLIED";
  } else if (http >= 300 && http < 500) {
    // Maesn refused it (or redirected it, which is never followed).
    outcome = "REJECTED";
  } else {
    // A 5xx (a target system can fail after booking), or a timeout, broken
    // connection or cancellation after the request left.
    outcome = "UNKNOWN";
  }
  const char* advice =
      outcome == "UNKNOWN"
          ? " (the write may or may not have been applied: look the record "
            "up before sending it again)"
      : outcome == "APPLIED"
          ? " (Maesn accepted the write but its answer could not be read: "
            "do not send it again; look the record up)"
          : nullptr;
  if (advice != nullptr) {
    absl::Status labelled(status.code(),
                          absl::StrCat(status.message(), advice));
    status.ForEachPayload([&](absl::string_view url, const absl::Cord& p) {
      labelled.SetPayload(url, p);
    });
    status = std::move(labelled);
  }
  return WithErrorMetadata(std::move(status), kWriteOutcomeKey, outcome);
}

absl::StatusOr<v1::GetInvoiceResponse> MaesnConnection::GetInvoice(
    CallContext& context, const v1::GetInvoiceRequest& request) {
  return Read(context, request,
              [&] { return stub_->GetInvoice(context, request); });
}

absl::StatusOr<v1::GetBillResponse> MaesnConnection::GetBill(
    CallContext& context, const v1::GetBillRequest& request) {
  return Read(context, request,
              [&] { return stub_->GetBill(context, request); });
}

absl::StatusOr<v1::GetTaskResponse> MaesnConnection::GetTask(
    CallContext& context, const v1::GetTaskRequest& request) {
  return Read(context, request,
              [&] { return stub_->GetTask(context, request); });
}

}  // namespace maesn::gateway
