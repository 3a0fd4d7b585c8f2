#ifndef MAESN_GATEWAY_COMMON_CALL_CONTEXT_H_
#define MAESN_GATEWAY_COMMON_CALL_CONTEXT_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace maesn::gateway {

// The caller's Maesn credentials. They are sent upstream as X-API-KEY and
// X-ACCOUNT-KEY and nowhere else: there is deliberately no way to print or
// log this type, and no layer copies the values into a status or a metric.
struct Credentials {
  std::string api_key;
  std::string account_key;

  friend bool operator==(const Credentials& a, const Credentials& b) {
    return a.api_key == b.api_key && a.account_key == b.account_key;
  }
};

// Figures one call gathers on its way down, read by the per-RPC log line and
// the metrics. Written by the worker that runs the call only.
struct CallStats {
  int attempts = 0;         // upstream attempts made (retries included)
  int upstream_status = 0;  // HTTP status of the last attempt; 0 = none
};

// Tells a call's asynchronous work that its caller went away. The work in
// progress registers how to abort itself (SetHook: cancel the transfer or
// the retry timer); Cancel() runs that hook at once, so an abandoned call
// stops costing upstream capacity without anybody polling a flag.
// Thread-safe; hooks run without the lock held and must not block.
class CancelSource {
 public:
  // Marks the call cancelled and runs the current hook (once). Idempotent.
  void Cancel() {
    std::function<void()> hook;
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) return;
      cancelled_ = true;
      hook = std::move(hook_);
      hook_ = nullptr;
    }
    if (hook) hook();
  }
  bool cancelled() const {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }
  // Replaces the hook; runs `hook` at once when already cancelled.
  void SetHook(std::function<void()> hook) {
    {
      absl::MutexLock lock(&mu_);
      if (!cancelled_) {
        hook_ = std::move(hook);
        return;
      }
    }
    if (hook) hook();
  }
  void ClearHook() {
    absl::MutexLock lock(&mu_);
    hook_ = nullptr;
  }

 private:
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  std::function<void()> hook_ ABSL_GUARDED_BY(mu_);
};

// Everything a Maesn call needs besides its request: who calls, until when,
// and whether the caller still waits. Built once per RPC by the service layer.
struct CallContext {
  Credentials credentials;
  // The caller's gRPC deadline (InfiniteFuture when it set none).
  absl::Time deadline = absl::InfiniteFuture();
  // True once the caller went away; may be empty (never cancelled).
  std::function<bool()> is_cancelled;
  // Cancels the call's asynchronous work at once when the caller goes away;
  // may be null (the work then only sees is_cancelled when it checks).
  std::shared_ptr<CancelSource> cancel;
  // Forwarded upstream as X-Request-Id and logged.
  std::string request_id;
  // W3C trace context forwarded upstream when the caller sent one.
  std::string traceparent;
  CallStats stats;

  bool Cancelled() const {
    return (cancel != nullptr && cancel->cancelled()) ||
           (is_cancelled && is_cancelled());
  }
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_COMMON_CALL_CONTEXT_H_
