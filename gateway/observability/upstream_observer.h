#ifndef MAESN_GATEWAY_OBSERVABILITY_UPSTREAM_OBSERVER_H_
#define MAESN_GATEWAY_OBSERVABILITY_UPSTREAM_OBSERVER_H_

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace maesn::gateway {

// Receives every HTTP request the gateway makes to Maesn (metrics). Called
// from executor threads: implementations are thread-safe and never block.
// Nothing passed here holds a credential.
class UpstreamObserver {
 public:
  virtual ~UpstreamObserver() = default;
  // One HTTP attempt of Maesn operation `operation` (e.g. "getInvoice")
  // ended after `latency`; `http_status` is 0 when no response arrived
  // (connection, TLS or timeout failure).
  virtual void OnUpstreamAttempt(absl::string_view operation, int http_status,
                                 absl::Duration latency) = 0;
  // The connection decided to retry a failed idempotent `operation`.
  virtual void OnUpstreamRetry(absl::string_view operation) = 0;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_OBSERVABILITY_UPSTREAM_OBSERVER_H_
