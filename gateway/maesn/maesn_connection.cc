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
  if (absl::SimpleAtoi(ErrorMetadata(status, kHttpStatusKey), &http)) {
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
  std::string op = ErrorMetadata(status, kOperationKey);
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
  if (MayHaveBeenApplied(WriteOutcomeOf(status))) {
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
  if (!absl::SimpleAtoi(ErrorMetadata(status, kHttpStatusKey), &http)) {
    // An answer whose body was unusable still tells what Maesn did.
    http = context.stats.upstream_status;
  }
  WriteOutcome outcome;
  if (context.stats.attempts == 0 ||
      ErrorMetadata(status, kRequestSentKey) == "false") {
    outcome = WriteOutcome::kNotSent;
  } else if (http >= 200 && http < 300) {
    outcome = WriteOutcome::kApplied;
  } else if (http >= 300 && http < 500) {
    // Maesn refused it (or redirected it, which is never followed).
    outcome = WriteOutcome::kRejected;
  } else {
    // A 5xx (a target system can fail after booking), or a timeout, broken
    // connection or cancellation after the request left.
    outcome = WriteOutcome::kUnknown;
  }
  const char* advice =
      outcome == WriteOutcome::kUnknown
          ? " (the write may or may not have been applied: look the record "
            "up before sending it again)"
      : outcome == WriteOutcome::kApplied
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
  return WithErrorMetadata(std::move(status), kWriteOutcomeKey,
                           WriteOutcomeName(outcome));
}

absl::Status MaesnConnection::Read(CallContext& context,
                                   const RestBinding& binding,
                                   const google::protobuf::Message& request,
                                   const PagePosition* page,
                                   google::protobuf::Message& response) {
  for (int n = 1;; ++n) {
    response.Clear();
    absl::Status status =
        stub_->Call(context, binding, request, page, response);
    if (status.ok()) return status;
    absl::Duration wait;
    if (!ShouldRetry(context, status, n, &wait)) {
      return FinishError(std::move(status), context, request, false);
    }
    if (observer_ != nullptr) observer_->OnUpstreamRetry(OperationOf(status));
    clock_->SleepFor(wait);
  }
}

absl::Status MaesnConnection::Call(CallContext& context,
                                   const RestBinding& binding,
                                   const google::protobuf::Message& request,
                                   google::protobuf::Message& response) {
  if (!binding.idempotent()) {
    response.Clear();
    absl::Status status =
        stub_->Call(context, binding, request, nullptr, response);
    return FinishError(std::move(status), context, request, true);
  }
  if (!binding.paged) {
    return Read(context, binding, request, nullptr, response);
  }
  absl::StatusOr<PagePosition> position = StartPosition(request);
  if (!position.ok()) return position.status();
  absl::Status status = Read(context, binding, request, &*position, response);
  if (!status.ok()) return status;
  const google::protobuf::Reflection& r = *response.GetReflection();
  const auto& meta = static_cast<const v1::ResponseMeta&>(
      r.GetMessage(response, binding.meta_field));
  PageOutcome outcome = DecidePage(request, *position, meta,
                                   r.FieldSize(response, binding.data_field));
  r.SetString(&response, binding.next_page_token,
              std::move(outcome.next_page_token));
  r.SetInt32(&response, binding.total_size, outcome.total_size);
  return absl::OkStatus();
}

}  // namespace maesn::gateway
