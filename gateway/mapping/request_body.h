#ifndef MAESN_GATEWAY_MAPPING_REQUEST_BODY_H_
#define MAESN_GATEWAY_MAPPING_REQUEST_BODY_H_

#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/status/statusor.h"
#include "gateway/mapping/json_proto.h"
#include "google/protobuf/message.h"

namespace maesn::gateway::mapping {

// The JSON body of a Maesn write (POST, PUT, PATCH) made from a request
// proto, for layers that do not see JSON. Without `options.only_fields` it
// carries exactly the fields the caller set (presence) plus the empty
// repeated fields `options.send_empty` names, as []; with it (a FieldMask's
// top-level paths) exactly the named fields, an unset one as null. Fails
// with INVALID_ARGUMENT and a BadRequest naming `path`.<field> when a value
// cannot be sent (see WriteMessage in json_proto.h).
absl::StatusOr<std::string> RequestBody(
    const google::protobuf::Message& message, const std::string& path,
    const WriteOptions& options = {});

}  // namespace maesn::gateway::mapping

#endif  // MAESN_GATEWAY_MAPPING_REQUEST_BODY_H_
