#ifndef MAESN_GATEWAY_SERVICE_GRPC_STATUS_H_
#define MAESN_GATEWAY_SERVICE_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "gateway/common/call_context.h"

namespace maesn::gateway {

// The only place that turns an absl::Status into a grpc::Status.
//
// The code is carried over one to one (both follow google.rpc.Code). Every
// payload attached with common/errors.h (ErrorInfo, RetryInfo, BadRequest)
// becomes a google.protobuf.Any in the google.rpc.Status sent as
// grpc-status-details-bin. Non-OK statuses without an ErrorInfo get one
// (reason from the code) so that every error has a reason. As a last line
// of defence, `credentials` (when given) are cut out of the message and of
// the ErrorInfo and BadRequest strings; any other payload that contains one
// is dropped.
grpc::Status ToGrpcStatus(const absl::Status& status,
                          const Credentials* credentials = nullptr);

// The inverse: code, message and the google.rpc.Status details (as payloads
// keyed by type URL) of a grpc::Status.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_GRPC_STATUS_H_
