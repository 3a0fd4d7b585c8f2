#include "gateway/maesn/http_transport.h"

#include <memory>
#include <utility>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gateway/common/errors.h"

namespace maesn::gateway {

std::string HttpResponse::Header(absl::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return {};
}

void CancelLatch::Cancel() {
  std::shared_ptr<AsyncOperation> operation;
  {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    operation = std::move(operation_);
  }
  if (operation != nullptr) operation->Cancel();
}

void CancelLatch::Attach(std::shared_ptr<AsyncOperation> operation) {
  {
    absl::MutexLock lock(&mu_);
    if (!cancelled_) {
      operation_ = std::move(operation);
      return;
    }
  }
  operation->Cancel();
}

absl::Status CheckBeforeSending(const CallContext& context) {
  if (absl::Now() >= context.deadline) {
    return WithErrorMetadata(
        absl::DeadlineExceededError(
            "deadline expired before the request to Maesn was sent"),
        "request_sent", "false");
  }
  if (context.Cancelled()) {
    return WithErrorMetadata(
        absl::CancelledError("the caller cancelled the call"), "request_sent",
        "false");
  }
  return absl::OkStatus();
}

absl::StatusOr<HttpResponse> SendAndWait(AsyncHttpTransport& transport,
                                         const HttpRequest& request,
                                         CallContext& context,
                                         absl::Duration cancel_poll) {
  if (absl::Status s = CheckBeforeSending(context); !s.ok()) return s;
  // Shared with the callback, which may still be returning from Notify()
  // when this function has already returned.
  struct Outcome {
    absl::Notification done;
    absl::StatusOr<HttpResponse> result;
  };
  auto outcome = std::make_shared<Outcome>();
  ++context.stats.attempts;
  std::shared_ptr<AsyncOperation> transfer =
      transport.Start(request, context.deadline,
                      [outcome](absl::StatusOr<HttpResponse> result) {
                        outcome->result = std::move(result);
                        outcome->done.Notify();
                      });
  if (context.is_cancelled) {
    while (!outcome->done.WaitForNotificationWithTimeout(cancel_poll)) {
      if (context.Cancelled()) {
        transfer->Cancel();
        break;
      }
    }
  }
  outcome->done.WaitForNotification();
  if (outcome->result.ok()) {
    context.stats.upstream_status = outcome->result->status;
  }
  return std::move(outcome->result);
}

}  // namespace maesn::gateway
