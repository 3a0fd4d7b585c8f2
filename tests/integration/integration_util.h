// Small helpers shared by the integration tests: reading a gRPC error's
// google.rpc details and the simulator's request log.
#ifndef MAESN_TESTS_INTEGRATION_INTEGRATION_UTIL_H_
#define MAESN_TESTS_INTEGRATION_INTEGRATION_UTIL_H_

#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "simulator.h"

namespace maesn::testing {

// The ErrorInfo of a gRPC error (empty if none).
inline google::rpc::ErrorInfo ErrorInfoOf(const grpc::Status& s) {
  google::rpc::Status details;
  google::rpc::ErrorInfo info;
  if (!details.ParseFromString(s.error_details())) return info;
  for (const auto& any : details.details()) {
    if (any.UnpackTo(&info)) return info;
  }
  return info;
}

// The BadRequest field paths of a gRPC error, in order.
inline std::vector<std::string> ViolationFields(const grpc::Status& s) {
  google::rpc::Status details;
  std::vector<std::string> fields;
  if (!details.ParseFromString(s.error_details())) return fields;
  for (const auto& any : details.details()) {
    google::rpc::BadRequest br;
    if (!any.UnpackTo(&br)) continue;
    for (const auto& v : br.field_violations()) fields.push_back(v.field());
  }
  return fields;
}

// The recorded requests with this method and decoded path.
inline std::vector<sim::RecordedRequest> RequestsTo(
    const sim::MaesnSimulator& sim, const std::string& method,
    const std::string& path) {
  std::vector<sim::RecordedRequest> out;
  for (auto& r : sim.Requests()) {
    if (r.method == method && r.path == path) out.push_back(r);
  }
  return out;
}

// The value of query parameter `name` of a recorded request ("" if absent).
inline std::string QueryValue(const sim::RecordedRequest& r,
                              const std::string& name) {
  for (const auto& [k, v] : r.query) {
    if (k == name) return v;
  }
  return "";
}

}  // namespace maesn::testing

#endif  // MAESN_TESTS_INTEGRATION_INTEGRATION_UTIL_H_
