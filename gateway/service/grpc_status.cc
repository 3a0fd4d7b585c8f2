#include "gateway/service/grpc_status.h"

#include <optional>
#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_replace.h"
#include "gateway/common/errors.h"
#include "google/protobuf/any.pb.h"
#include "google/rpc/error_details.pb.h"
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

// Cuts every credential out of `text`.
std::string Redact(std::string text, const Credentials& credentials) {
  for (const std::string* key :
       {&credentials.api_key, &credentials.account_key}) {
    if (!key->empty() && absl::StrContains(text, *key)) {
      text = absl::StrReplaceAll(text, {{*key, "[REDACTED]"}});
    }
  }
  return text;
}

// The payload with every credential cut out of its strings; nullopt when it
// cannot be cleaned (an unknown type that contains a key).
std::optional<std::string> RedactPayload(absl::string_view url,
                                         std::string bytes,
                                         const Credentials& credentials) {
  if (!Contains(bytes, credentials.api_key) &&
      !Contains(bytes, credentials.account_key)) {
    return bytes;
  }
  if (url == kErrorInfoUrl) {
    google::rpc::ErrorInfo info;
    if (!info.ParseFromString(bytes)) return std::nullopt;
    info.set_reason(Redact(info.reason(), credentials));
    google::protobuf::Map<std::string, std::string> clean;
    for (const auto& [k, v] : info.metadata()) {
      clean[Redact(k, credentials)] = Redact(v, credentials);
    }
    *info.mutable_metadata() = std::move(clean);
    return info.SerializeAsString();
  }
  if (url == kBadRequestUrl) {
    google::rpc::BadRequest req;
    if (!req.ParseFromString(bytes)) return std::nullopt;
    for (auto& v : *req.mutable_field_violations()) {
      v.set_field(Redact(v.field(), credentials));
      v.set_description(Redact(v.description(), credentials));
    }
    return req.SerializeAsString();
  }
  return std::nullopt;  // RetryInfo holds no strings; anything else: drop
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
  if (credentials != nullptr)
    message = Redact(std::move(message), *credentials);
  google::rpc::Status proto;
  proto.set_code(static_cast<int>(status.code()));
  proto.set_message(message);
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    std::optional<std::string> bytes(payload);
    if (credentials != nullptr) {
      bytes = RedactPayload(url, *std::move(bytes), *credentials);
    }
    if (!bytes.has_value()) return;
    google::protobuf::Any* any = proto.add_details();
    any->set_type_url(std::string(url));
    any->set_value(*std::move(bytes));
  });
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), message,
                      proto.SerializeAsString());
}

absl::Status FromGrpcStatus(const grpc::Status& in) {
  if (in.ok()) return absl::OkStatus();
  absl::Status status(static_cast<absl::StatusCode>(in.error_code()),
                      in.error_message());
  google::rpc::Status proto;
  if (!in.error_details().empty() &&
      proto.ParseFromString(in.error_details())) {
    for (const google::protobuf::Any& any : proto.details()) {
      status.SetPayload(any.type_url(), absl::Cord(any.value()));
    }
  }
  return status;
}

}  // namespace maesn::gateway
