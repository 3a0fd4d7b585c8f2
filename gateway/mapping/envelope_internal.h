#ifndef MAESN_GATEWAY_MAPPING_ENVELOPE_INTERNAL_H_
#define MAESN_GATEWAY_MAPPING_ENVELOPE_INTERNAL_H_

#include <nlohmann/json.hpp>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/common/v1.h"
#include "gateway/mapping/json_proto.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "maesn/accounting/v1/common.pb.h"

namespace maesn::gateway::mapping::internal {

// Maesn bodies nested deeper than this are refused as unusable: the JSON
// library serialises (and the tree reader converts) values recursively, so
// an answer nested a hundred thousand levels deep would overflow the stack.
inline constexpr int kMaxJsonNesting = 128;

// Whether `body` opens more than `limit` arrays/objects inside each other
// (strings skipped; the text need not be valid JSON).
bool NestedDeeperThan(absl::string_view body, int limit);

// Parses `body` as a JSON object (the envelope) without throwing; fails
// (InvalidResponse) when it is not one or is nested deeper than
// kMaxJsonNesting.
absl::StatusOr<nlohmann::json> ParseEnvelope(absl::string_view body);

// The text of a JSON value in an error: a string as it is, an array's
// elements' texts joined with "; ", null as empty, anything else as compact
// JSON.
std::string JsonText(const nlohmann::json& j);

// Reads `meta` (warnings, pagination) and `errors` of the envelope into
// `meta`.
void ReadMeta(const nlohmann::json& envelope, v1::ResponseMeta& meta);

// ParseRecordResponse reading through a JSON tree: the reference reader,
// used for every document the streaming reader (json_stream_reader.h) does
// not take.
absl::Status ParseRecordResponseTree(absl::string_view body,
                                     google::protobuf::Message& record,
                                     v1::ResponseMeta& meta,
                                     google::protobuf::Struct* raw_data,
                                     absl::string_view record_path);

// The one record of a single-record answer (a record, a document, a task),
// with the same rules for all: `data` is an object, or an array whose first
// element is used (docs/maesn-api.md §5.1); an empty array is NOT_FOUND
// (UPSTREAM_NOT_FOUND); several records add a warning at `path` and the
// first is used; no `data` or a non-object is an unusable answer.
absl::StatusOr<const nlohmann::json*> SingleRecord(
    const nlohmann::json& envelope, const FieldPath& path, Warnings& w);

// The INTERNAL/INVALID_UPSTREAM_RESPONSE error used by the mapping layer.
absl::Status InvalidResponse(absl::string_view what);

}  // namespace maesn::gateway::mapping::internal

#endif  // MAESN_GATEWAY_MAPPING_ENVELOPE_INTERNAL_H_
