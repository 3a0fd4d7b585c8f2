#include "gateway/maesn/maesn_connection.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gateway/common/errors.h"
#include "gateway/mapping/field_path.h"

namespace maesn::gateway {

bool IsRetryable(const absl::Status& status) {
  int http = 0;
  if (absl::SimpleAtoi(ErrorMetadata(status, kHttpStatusKey), &http)) {
    // 500 too: Maesn's error guide lists it as retryable (a read has no
    // side effect to duplicate; writes are never retried).
    return http == 429 || http == 500 || http == 502 || http == 503 ||
           http == 504;
  }
  const std::string reason = ErrorReason(status);
  return reason == "UPSTREAM_UNAVAILABLE" || reason == "UPSTREAM_TLS_FAILED";
}

MaesnConnection::MaesnConnection(std::shared_ptr<MaesnStub> stub,
                                 RetryPolicy policy,
                                 std::shared_ptr<Clock> clock,
                                 UpstreamObserver* observer,
                                 std::shared_ptr<AsyncTimers> timers)
    : stub_(std::move(stub)),
      policy_(policy),
      clock_(std::move(clock)),
      observer_(observer),
      timers_(std::move(timers)) {}

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

// The state of one read across its attempts.
struct MaesnConnection::Read {
  Read(CallContext& c, const RestBinding& b,
       const google::protobuf::Message& in, google::protobuf::Message& out,
       Done d)
      : context(c),
        binding(b),
        request(in),
        response(out),
        done(std::move(d)) {}
  CallContext& context;
  const RestBinding& binding;
  const google::protobuf::Message& request;
  google::protobuf::Message& response;
  Done done;
  std::optional<PagePosition> page;  // for a paged rpc
  int attempt = 0;
};

void MaesnConnection::StartRead(std::shared_ptr<Read> read) {
  ++read->attempt;
  read->response.Clear();
  Read& r = *read;
  stub_->AsyncCall(r.context, r.binding, r.request,
                   r.page.has_value() ? &*r.page : nullptr, r.response,
                   [this, read = std::move(read)](absl::Status status) mutable {
                     OnReadDone(std::move(read), std::move(status));
                   });
}

void MaesnConnection::OnReadDone(std::shared_ptr<Read> read,
                                 absl::Status status) {
  if (status.ok()) {
    if (read->page.has_value()) {
      SetPageOutcome(read->binding, read->request, *read->page, read->response);
    }
    std::move(read->done)(absl::OkStatus());
    return;
  }
  absl::Duration wait;
  if (!ShouldRetry(read->context, status, read->attempt, &wait)) {
    std::move(read->done)(
        FinishError(std::move(status), read->context, read->request, false));
    return;
  }
  if (observer_ != nullptr) observer_->OnUpstreamRetry(OperationOf(status));
  if (timers_ == nullptr) {
    clock_->SleepFor(wait);
    StartRead(std::move(read));
    return;
  }
  // The wait holds no thread; a caller who leaves ends it at once.
  std::shared_ptr<CancelLatch> latch;
  CallContext& context = read->context;
  if (context.cancel != nullptr) {
    latch = std::make_shared<CancelLatch>();
    context.cancel->SetHook([latch] { latch->Cancel(); });
  }
  std::shared_ptr<AsyncOperation> timer = timers_->RunAfter(
      wait, [this, read = std::move(read),
             last = std::move(status)](absl::Status fired) mutable {
        CallContext& call = read->context;
        if (call.cancel != nullptr) call.cancel->ClearHook();
        if (!fired.ok() || call.Cancelled()) {
          // Cancelled by the caller, or the transport shut down: the last
          // attempt's error stands.
          std::move(read->done)(
              FinishError(std::move(last), call, read->request, false));
          return;
        }
        StartRead(std::move(read));
      });
  if (latch != nullptr) latch->Attach(std::move(timer));
}

void MaesnConnection::AsyncCall(CallContext& context,
                                const RestBinding& binding,
                                const google::protobuf::Message& request,
                                google::protobuf::Message& response,
                                Done done) {
  if (!binding.idempotent()) {
    response.Clear();
    stub_->AsyncCall(context, binding, request, nullptr, response,
                     [this, &context, &request,
                      done = std::move(done)](absl::Status status) mutable {
                       std::move(done)(FinishError(std::move(status), context,
                                                   request, true));
                     });
    return;
  }
  auto read = std::make_shared<Read>(context, binding, request, response,
                                     std::move(done));
  if (binding.paged) {
    absl::StatusOr<PagePosition> position = StartPosition(request);
    if (!position.ok()) {
      std::move(read->done)(position.status());
      return;
    }
    read->page = *position;
  }
  StartRead(std::move(read));
}

absl::Status MaesnConnection::Call(CallContext& context,
                                   const RestBinding& binding,
                                   const google::protobuf::Message& request,
                                   google::protobuf::Message& response) {
  // Shared with the callback, which may still be returning from Notify()
  // when this function has already returned.
  struct Outcome {
    absl::Notification done;
    absl::Status status;
  };
  auto outcome = std::make_shared<Outcome>();
  AsyncCall(context, binding, request, response,
            [outcome](absl::Status status) {
              outcome->status = std::move(status);
              outcome->done.Notify();
            });
  outcome->done.WaitForNotification();
  return outcome->status;
}

}  // namespace maesn::gateway
