#ifndef MAESN_GATEWAY_OBSERVABILITY_RPC_OBSERVER_H_
#define MAESN_GATEWAY_OBSERVABILITY_RPC_OBSERVER_H_

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gateway/common/call_context.h"

namespace maesn::gateway {

// What is known about one RPC when it ends. Holds no credential.
struct RpcRecord {
  std::string method;  // full gRPC method, "/maesn.accounting.v1.X/Y"
  // "unary", "server_stream", "client_stream" or "bidi_stream".
  std::string grpc_type = "unary";
  absl::Time start;
  absl::Duration duration;
  absl::StatusCode code = absl::StatusCode::kOk;
  std::string error_reason;  // the status message (already credential-free)
  std::string request_id;
  std::string traceparent;  // the caller's W3C traceparent, if well-formed
  CallStats stats;
};

// Receives every RPC's start and end (logs, metrics). Called from gRPC and
// executor threads: implementations are thread-safe and never block.
class RpcObserver {
 public:
  virtual ~RpcObserver() = default;
  virtual void OnRpcStart(const RpcRecord& record) = 0;
  virtual void OnRpcEnd(const RpcRecord& record) = 0;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_OBSERVABILITY_RPC_OBSERVER_H_
