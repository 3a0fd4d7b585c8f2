#include "gateway/service/grpc_status.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "gateway/common/errors.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/status.pb.h"

namespace maesn::gateway {
namespace {

const char* DefaultReason(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case absl::StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    case absl::StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case absl::StatusCode::kCancelled:
      return "CANCELLED";
    case absl::StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case absl::StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case absl::StatusCode::kNotFound:
      return "NOT_FOUND";
    case absl::StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    default:
      return "INTERNAL";
  }
}

bool Contains(absl::string_view haystack, const std::string& needle) {
  return !needle.empty() && absl::StrContains(haystack, needle);
}

}  // namespace

grpc::Status ToGrpcStatus(const absl::Status& in,
                          const Credentials* credentials) {
  if (in.ok()) return grpc::Status::OK;
  absl::Status status = in;
  if (ErrorReason(status).empty()) {
    // The reason first: argument order is unspecified, and clang moves
    // `status` away before reading its code.
    const char* reason = DefaultReason(status.code());
    status = WithErrorInfo(std::move(status), reason);
  }
  std::string message(status.message());
  if (credentials != nullptr) {
    for (const std::string* key :
         {&credentials->api_key, &credentials->account_key}) {
      if (!key->empty()) {
        message = absl::StrReplaceAll(message, {{*key, "[REDACTED]"}});
      }
    }
  }
  google::rpc::Status proto;
  proto.set_code(static_cast<int>(status.code()));
  proto.set_message(message);
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    const std::string bytes(payload);
    if (credentials != nullptr && (Contains(bytes, credentials->api_key) ||
                                   Contains(bytes, credentials->account_key))) {
      return;
    }
    google::protobuf::Any* any = proto.add_details();
    any->set_type_url(std::string(url));
    any->set_value(bytes);
  });
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      proto.SerializeAsString());
}

}  // namespace maesn::gateway
