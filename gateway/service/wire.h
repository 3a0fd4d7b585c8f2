#ifndef MAESN_GATEWAY_SERVICE_WIRE_H_
#define MAESN_GATEWAY_SERVICE_WIRE_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"

namespace maesn::gateway {

// The wire form of a message, as gRPC sends it.
grpc::ByteBuffer ToByteBuffer(const google::protobuf::Message& message);

// INVALID_ARGUMENT (reason INVALID_REQUEST_MESSAGE) for a request that could
// not be parsed as `type` (its full name; empty: the method's request type,
// when the caller does not know it).
absl::Status UnparsableRequestError(absl::string_view type);

// Reads a request from its wire form into `message`. INVALID_ARGUMENT
// (reason INVALID_REQUEST_MESSAGE) when the bytes are not a `message` or
// hold text that is not valid UTF-8.
absl::Status ParseRequest(const grpc::ByteBuffer& bytes,
                          google::protobuf::Message& message);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_WIRE_H_
