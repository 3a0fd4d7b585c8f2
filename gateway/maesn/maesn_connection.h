#ifndef MAESN_GATEWAY_MAESN_MAESN_CONNECTION_H_
#define MAESN_GATEWAY_MAESN_MAESN_CONNECTION_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "gateway/common/call_context.h"
#include "gateway/common/clock.h"
#include "gateway/maesn/http_transport.h"
#include "gateway/maesn/maesn_stub.h"
#include "gateway/maesn/page_token.h"
#include "gateway/maesn/rest_binding.h"
#include "gateway/observability/upstream_observer.h"
#include "google/protobuf/message.h"

namespace maesn::gateway {

// How idempotent reads are retried.
struct RetryPolicy {
  int max_attempts = 4;  // first attempt included
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(5);
  double multiplier = 2.0;
  // The longest single wait before another attempt; when Maesn's
  // Retry-After asks for more, the error goes back to the caller (with that
  // RetryInfo) instead.
  absl::Duration max_wait = absl::Seconds(10);
  // RetryInfo given to the caller with a retryable error for which Maesn
  // named no Retry-After.
  absl::Duration caller_retry_delay = absl::Seconds(1);
};

// True for failures worth another attempt of an idempotent read: HTTP
// 429/500/502/503/504 (500 because Maesn's error guide calls it retryable) and
// connection errors (refused, reset, TLS handshake),
// but not timeouts, certificate failures, oversized or unusable responses.
bool IsRetryable(const absl::Status& status);

// The one place that decides about retries.
//
// Reads (GET) are retried on IsRetryable() failures with exponential backoff
// and full jitter, waiting at least as long as Maesn's Retry-After, bounded
// by the policy's attempt cap, its longest wait and the caller's deadline.
// Writes (POST, PUT, PATCH, DELETE) are never retried; every failed write
// carries ErrorInfo metadata write_outcome (WriteOutcome in errors.h). Page
// tokens live here too (page_token.h): list calls turn them into Maesn
// pages, so an all-pages stream is a walk over them (service/
// page_streamer.h).
//
// Every error leaving here is finished the same way (FinishError): Maesn's
// validationErrors paths become the request's proto field paths, and a
// retryable error carries a RetryInfo (Maesn's Retry-After, else the
// policy's caller_retry_delay) unless it is a write that may have been
// applied, which carries none.
//
// AsyncCall() holds no thread while a call is under way: attempts go
// through MaesnStub::AsyncCall and the waits between them are `timers`
// (the transport's event loop). Without timers (tests on a FakeClock) a
// wait is clock->SleepFor on the thread that completed the attempt.
// Thread-safe.
class MaesnConnection {
 public:
  using Done = absl::AnyInvocable<void(absl::Status) &&>;

  // `observer` (may be null; must outlive the connection) hears of every
  // retry. `timers` may be null (see above).
  MaesnConnection(std::shared_ptr<MaesnStub> stub, RetryPolicy policy,
                  std::shared_ptr<Clock> clock,
                  UpstreamObserver* observer = nullptr,
                  std::shared_ptr<AsyncTimers> timers = nullptr);

  // Runs the Maesn operation of `binding` (a kUnary binding) for `request`
  // (its input type) and fills `response` (its output type): a GET through
  // Read (retried), every other verb through Write (sent once). A paged
  // list turns page_size/page_token into Maesn's page and limit
  // (page_token.h) and fills next_page_token and total_size; a bad token or
  // page size is INVALID_ARGUMENT before any upstream request.
  // Blocks until AsyncCall() is done.
  absl::Status Call(CallContext& context, const RestBinding& binding,
                    const google::protobuf::Message& request,
                    google::protobuf::Message& response);

  // Call() without blocking: returns at once and runs `done` with the
  // final status once `response` is filled. `context`, `binding`, `request`
  // and `response` must stay valid until then. `done` runs exactly once, on
  // a transport thread, or inline when the call ends before anything is
  // sent (a bad page token, a stub with nothing to wait for).
  void AsyncCall(CallContext& context, const RestBinding& binding,
                 const google::protobuf::Message& request,
                 google::protobuf::Message& response, Done done);

  const std::shared_ptr<MaesnStub>& stub() const { return stub_; }

 private:
  struct Read;
  // One more attempt of a read, and what follows it.
  void StartRead(std::shared_ptr<Read> read);
  void OnReadDone(std::shared_ptr<Read> read, absl::Status status);

 public:
  // Decides whether attempt `n` that failed with `status` is retried, and
  // how long to wait first.
  bool ShouldRetry(const CallContext& context, const absl::Status& status,
                   int n, absl::Duration* wait);
  // Finishes the final error of a read or a write (see the class comment).
  absl::Status FinishError(absl::Status status, const CallContext& context,
                           const google::protobuf::Message& request,
                           bool write) const;

 private:
  static absl::Status LabelWriteOutcome(absl::Status status,
                                        const CallContext& context);
  // The Maesn operation a stub error names ("unknown" if none).
  static std::string OperationOf(const absl::Status& status);

  std::shared_ptr<MaesnStub> stub_;
  const RetryPolicy policy_;
  std::shared_ptr<Clock> clock_;
  UpstreamObserver* const observer_;
  std::shared_ptr<AsyncTimers> timers_;
  absl::Mutex mu_;
  absl::BitGen rng_ ABSL_GUARDED_BY(mu_);
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_MAESN_CONNECTION_H_
