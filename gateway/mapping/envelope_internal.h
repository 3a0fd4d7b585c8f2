#ifndef MAESN_GATEWAY_MAPPING_ENVELOPE_INTERNAL_H_
#define MAESN_GATEWAY_MAPPING_ENVELOPE_INTERNAL_H_

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/common/v1.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "maesn/accounting/v1/common.pb.h"

namespace maesn::gateway::mapping::internal {

// Parses `body` as a JSON object (the envelope) without throwing.
absl::StatusOr<nlohmann::json> ParseEnvelope(absl::string_view body);

// Reads `meta` (warnings, pagination) of the envelope into `meta`.
void ReadMeta(const nlohmann::json& envelope, v1::ResponseMeta& meta);

// ParseRecordResponse reading through a JSON tree: the reference reader,
// used for every document the streaming reader (json_stream_reader.h) does
// not take.
absl::Status ParseRecordResponseTree(absl::string_view body,
                                     google::protobuf::Message& record,
                                     v1::ResponseMeta& meta,
                                     google::protobuf::Struct* raw_data,
                                     absl::string_view record_path);

// The INTERNAL/INVALID_UPSTREAM_RESPONSE error used by the mapping layer.
absl::Status InvalidResponse(absl::string_view what);

}  // namespace maesn::gateway::mapping::internal

#endif  // MAESN_GATEWAY_MAPPING_ENVELOPE_INTERNAL_H_
