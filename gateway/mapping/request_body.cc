#include "gateway/mapping/request_body.h"

#include <nlohmann/json.hpp>

#include "gateway/mapping/json_proto.h"

namespace maesn::gateway::mapping {

absl::StatusOr<std::string> RequestBody(
    const google::protobuf::Message& message, const std::string& path,
    const WriteOptions& options) {
  nlohmann::json out;
  absl::Status s = WriteMessage(message, path, out, options);
  if (!s.ok()) return s;
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace maesn::gateway::mapping
