#include "gateway/service/wire.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gateway/common/errors.h"

namespace maesn::gateway {

grpc::ByteBuffer ToByteBuffer(const google::protobuf::Message& message) {
  const std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

absl::Status ParseRequest(const grpc::ByteBuffer& bytes,
                          google::protobuf::Message& message) {
  std::vector<grpc::Slice> slices;
  std::string flat;
  if (bytes.Dump(&slices).ok()) {
    for (const grpc::Slice& s : slices) {
      flat.append(reinterpret_cast<const char*>(s.begin()), s.size());
    }
    // ParseFromString checks proto3 strings for valid UTF-8.
    if (message.ParseFromString(flat)) return absl::OkStatus();
  }
  return UnparsableRequestError(message.GetDescriptor()->full_name());
}

absl::Status UnparsableRequestError(absl::string_view type) {
  return WithErrorInfo(
      absl::InvalidArgumentError(absl::StrCat(
          "the request message could not be parsed: it is not a valid "
          "serialized ",
          type.empty() ? "request of this method" : type,
          " (for example a string field holds bytes that are not valid "
          "UTF-8, which proto3 requires)")),
      "INVALID_REQUEST_MESSAGE");
}

}  // namespace maesn::gateway
