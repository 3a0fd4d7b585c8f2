#ifndef MAESN_TESTS_TESTING_ERROR_DETAILS_H_
#define MAESN_TESTS_TESTING_ERROR_DETAILS_H_

#include <grpcpp/client_context.h>
#include <grpcpp/support/status.h>

#include <map>
#include <optional>
#include <string>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace maesn::testing {

// What a client reads from a grpc::Status's google.rpc.Status details
// (grpc-status-details-bin), the way any gRPC client library would.
struct ErrorDetails {
  bool parsed = false;  // the details were present and a google.rpc.Status
  int code = 0;         // google.rpc.Status.code
  std::optional<google::rpc::ErrorInfo> info;
  std::optional<google::rpc::RetryInfo> retry;
  std::optional<google::rpc::BadRequest> bad_request;

  std::string reason() const { return info ? info->reason() : ""; }
  std::string metadata(const std::string& key) const {
    if (!info) return "";
    auto it = info->metadata().find(key);
    return it == info->metadata().end() ? "" : it->second;
  }
  // RetryInfo delay in ms; -1 without one.
  long long retry_ms() const {
    if (!retry) return -1;
    return retry->retry_delay().seconds() * 1000 +
           retry->retry_delay().nanos() / 1000000;
  }
  // field -> description of the BadRequest violations.
  std::map<std::string, std::string> violations() const {
    std::map<std::string, std::string> out;
    if (!bad_request) return out;
    for (const auto& v : bad_request->field_violations()) {
      out[v.field()] = v.description();
    }
    return out;
  }
};

// The first value of trailing metadata `key` of a finished call, "" if none.
inline std::string Trailer(const grpc::ClientContext& ctx,
                           const std::string& key) {
  for (const auto& [k, v] : ctx.GetServerTrailingMetadata()) {
    if (std::string(k.data(), k.size()) == key) {
      return std::string(v.data(), v.size());
    }
  }
  return "";
}

inline ErrorDetails ReadErrorDetails(const grpc::Status& status) {
  ErrorDetails out;
  google::rpc::Status proto;
  if (status.error_details().empty() ||
      !proto.ParseFromString(status.error_details())) {
    return out;
  }
  out.parsed = true;
  out.code = proto.code();
  for (const auto& any : proto.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::RetryInfo retry;
    google::rpc::BadRequest bad;
    if (any.Is<google::rpc::ErrorInfo>() && any.UnpackTo(&info)) {
      out.info = info;
    } else if (any.Is<google::rpc::RetryInfo>() && any.UnpackTo(&retry)) {
      out.retry = retry;
    } else if (any.Is<google::rpc::BadRequest>() && any.UnpackTo(&bad)) {
      out.bad_request = bad;
    }
  }
  return out;
}

}  // namespace maesn::testing

#endif  // MAESN_TESTS_TESTING_ERROR_DETAILS_H_
