#ifndef MAESN_GATEWAY_MAPPING_JSON_PROTO_H_
#define MAESN_GATEWAY_MAPPING_JSON_PROTO_H_

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/common/v1.h"
#include "gateway/mapping/enum_spelling.h"
#include "gateway/mapping/time_format.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "maesn/accounting/v1/common.pb.h"

namespace maesn::gateway::mapping {

// Descriptor-driven conversion between Maesn JSON and the gateway's protos.
//
// A proto field carries the Maesn property whose name equals the field's
// camelCase (json) name: `address_line1` <-> "addressLine1". Types follow
// the contract's modelling rules: strings, doubles (exactly the JSON
// number), int64 counts, bools, enums (Maesn's string is the value name
// without the enum prefix, or the `maesn_value` option), Timestamps (dates),
// Struct/Value (free JSON), bytes (base64), nested messages and repeated.

// The path of the field being read, built into a string only for warnings.
struct FieldPath {
  const FieldPath* parent = nullptr;
  absl::string_view name;
  int index = -1;  // >= 0 for a repeated element

  std::string ToString() const;
};

// Collects what could not be read (never fails the call).
class Warnings {
 public:
  explicit Warnings(v1::ResponseMeta* meta) : meta_(meta) {}
  void Add(const FieldPath& path, const nlohmann::json& raw,
           absl::string_view message);

 private:
  v1::ResponseMeta* meta_;
};

// Reads the Maesn object `json` into `message` (which it does not clear).
// Tolerant: null means absent; unknown properties are ignored; a value of
// the wrong type, an unknown enum string or an unreadable date leaves the
// field as it was (enums: UNSPECIFIED) and adds a warning; a single object
// where an array is expected is read as a one-element array.
void ReadMessage(const nlohmann::json& json, google::protobuf::Message& message,
                 const FieldPath& path, Warnings& warnings);

// Restricts WriteMessage to some top-level fields (a FieldMask's paths).
struct WriteOptions {
  // Proto field names (top level) to write; null = every field that is set.
  // A named field that is unset is written as JSON null (an empty repeated
  // field too): that is how a PATCH clears a value.
  const absl::flat_hash_set<std::string>* only_fields = nullptr;
  // Without only_fields: repeated top-level fields (proto names) written as
  // [] when empty, instead of being left out; null = none. How a full
  // replacement (PUT) says "no lines" rather than "leave them out".
  const absl::flat_hash_set<std::string>* send_empty = nullptr;
};

// Writes `message` as a Maesn JSON object: exactly the fields the caller
// set (presence), nested and repeated included, or with `only_fields`
// exactly those fields. Fails with INVALID_ARGUMENT (BadRequest naming
// `path`.field) on an enum that is UNSPECIFIED or not a known value, a
// non-finite number or an out-of-range timestamp, the request values Maesn
// could not understand, and on an `only_fields` name the message lacks.
absl::Status WriteMessage(const google::protobuf::Message& message,
                          const std::string& path, nlohmann::json& out,
                          const WriteOptions& options = {});

// The year, month and day of a google.type.Date (any message with int32
// fields 1, 2 and 3, read by reflection).
CalendarDate GetDate(const google::protobuf::Message& date);

// OK for a full, real google.type.Date; INVALID_ARGUMENT naming `field`
// otherwise (a date Maesn could not take). For bodies and query parameters
// alike.
absl::Status CheckCalendarDate(const std::string& field,
                               const google::protobuf::Message& date);

// Maesn's spelling of value `number` of request field `field`, for a body
// (JSON or a form's text part): INVALID_ARGUMENT naming `path` when the
// value has none (UNSPECIFIED or unknown) or the operation does not accept
// it (maesn_accepts).
absl::StatusOr<std::string> EnumToSend(
    const google::protobuf::FieldDescriptor& field, int number,
    const std::string& path);

// google.protobuf.Value/Struct <-> JSON. JSON nested deeper than
// kMaxValueDepth below `json` is kept as a string holding its compact JSON
// text, so that every gRPC client can parse the response (protobuf's
// default recursion limit is 100, and each JSON level costs 2-3 levels).
inline constexpr int kMaxValueDepth = 20;
void JsonToValue(const nlohmann::json& json, google::protobuf::Value& value);
nlohmann::json ValueToJson(const google::protobuf::Value& value);
nlohmann::json StructToJson(const google::protobuf::Struct& s);

// EnumToMaesn / EnumFromMaesn: see enum_spelling.h.

}  // namespace maesn::gateway::mapping

#endif  // MAESN_GATEWAY_MAPPING_JSON_PROTO_H_
