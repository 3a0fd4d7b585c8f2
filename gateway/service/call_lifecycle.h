#ifndef MAESN_GATEWAY_SERVICE_CALL_LIFECYCLE_H_
#define MAESN_GATEWAY_SERVICE_CALL_LIFECYCLE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gateway/common/call_context.h"
#include "gateway/observability/rpc_observer.h"
#include "gateway/service/grpc_status.h"

namespace maesn::gateway {

// Admission control for requests to Maesn: at most `max` in flight
// (UPSTREAM_MAX_IN_FLIGHT). A unary call holds one slot from before its
// first attempt until its answer; a page stream holds one per page fetch.
// Lock-free, thread-safe.
class InFlightLimit {
 public:
  explicit InFlightLimit(std::int64_t max) : max_(max) {}
  // Takes a slot; false (and counts a refusal) when all are taken.
  bool TryAcquire();
  void Release() { in_flight_.fetch_sub(1, std::memory_order_relaxed); }

  std::int64_t max() const { return max_; }
  std::int64_t in_flight() const {
    return in_flight_.load(std::memory_order_relaxed);
  }
  std::int64_t refused() const {
    return refused_.load(std::memory_order_relaxed);
  }

 private:
  const std::int64_t max_;
  std::atomic<std::int64_t> in_flight_{0};
  std::atomic<std::int64_t> refused_{0};
};

// What every service needs to run a call; owned by the server, shared by
// all services, outlives every call.
struct ServiceEnvironment {
  // May be null: no limit.
  InFlightLimit* upstream_limit = nullptr;
  // Used when the caller sends no x-api-key; may be empty.
  std::string default_api_key;
  // May be null.
  RpcObserver* observer = nullptr;
};

// Builds the CallContext of an incoming call from its metadata: the
// credentials (x-account-key required; x-api-key, else the configured key),
// deadline, cancellation, x-request-id (taken if well-formed, else made
// up) and traceparent. Fails with UNAUTHENTICATED without echoing a key.
// Sends nothing to the caller.
absl::Status ReadCallContext(const ServiceEnvironment& env,
                             grpc::CallbackServerContext* server_context,
                             CallContext& call);

// Puts the gRPC trailers that go with a final status: grpc-retry-pushback-ms
// = the RetryInfo delay in ms when the status asks the caller to wait, so a
// stock gRPC client with a retry policy waits as long as Maesn asked; and
// grpc-retry-pushback-ms = -1 ("do not retry", gRPC A6) for a write whose
// outcome is UNKNOWN or APPLIED, so no automatic retry can duplicate it.
void AddStatusTrailers(grpc::CallbackServerContext* server_context,
                       const absl::Status& status);

// RESOURCE_EXHAUSTED (reason GATEWAY_OVERLOADED, RetryInfo 1 s) for a call
// refused because UPSTREAM_MAX_IN_FLIGHT requests to Maesn are in flight.
absl::Status OverloadedError();

// The one bookkeeping every rpc goes through, whatever its kind: the
// RpcRecord (method, grpc_type, request id, trace id, upstream figures,
// final code) that the JSON log line and the metrics read, the call's
// CallContext from its metadata, and the trailers and grpc::Status of its
// end. A unary rpc sends x-request-id with its answer (initial metadata on
// success, trailers on error, so an error stays trailers-only and a stock
// retry policy may retry it); a server stream sends it at once in the
// initial metadata that goes out with its first message. Not thread-safe:
// the owning reactor calls Begin once, then End once.
class CallLifecycle {
 public:
  // Reports the start of `rpc` (full gRPC method name) to the observer.
  CallLifecycle(const ServiceEnvironment& env, absl::string_view rpc,
                bool server_stream);

  // Fills `call` from the metadata (ReadCallContext). Not OK (missing or
  // malformed credentials) is the status to End with.
  absl::Status Begin(grpc::CallbackServerContext* server_context,
                     CallContext& call);

  // Adds the trailers that go with `status`, records the end and returns
  // the status to finish with (credentials redacted). `call` is the call's
  // context as it stands (its stats).
  grpc::Status End(grpc::CallbackServerContext* server_context,
                   const absl::Status& status, const CallContext& call);

 private:
  const ServiceEnvironment& env_;
  RpcObserver* const observer_;
  const bool server_stream_;
  RpcRecord record_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_CALL_LIFECYCLE_H_
