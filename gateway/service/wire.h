#ifndef MAESN_GATEWAY_SERVICE_WIRE_H_
#define MAESN_GATEWAY_SERVICE_WIRE_H_

#include <grpcpp/grpcpp.h>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace maesn::gateway {

// The wire form of a message, as gRPC sends it.
grpc::ByteBuffer ToByteBuffer(const google::protobuf::Message& message);

// Reads a request from its wire form into `message`. INVALID_ARGUMENT
// (reason INVALID_REQUEST_MESSAGE) when the bytes are not a `message` or
// hold text that is not valid UTF-8.
absl::Status ParseRequest(const grpc::ByteBuffer& bytes,
                          google::protobuf::Message& message);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_WIRE_H_
