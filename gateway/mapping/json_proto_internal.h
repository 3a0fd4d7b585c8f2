#ifndef MAESN_GATEWAY_MAPPING_JSON_PROTO_INTERNAL_H_
#define MAESN_GATEWAY_MAPPING_JSON_PROTO_INTERNAL_H_

#include <nlohmann/json.hpp>
#include <string>

#include "absl/strings/string_view.h"
#include "gateway/mapping/json_proto.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

// Pieces of ReadMessage for other readers in the mapping layer, so that they
// read every value exactly as ReadMessage does.
namespace maesn::gateway::mapping::internal {

// Reads one JSON value into field `field` of `message` as ReadMessage does
// for one property (repeated == false) or one array element (true).
void ReadFieldValue(const nlohmann::json& json,
                    google::protobuf::Message& message,
                    const google::protobuf::FieldDescriptor& field,
                    bool repeated, const FieldPath& path, Warnings& warnings);

// The field Maesn's property `key` names: the field whose explicit
// json_name is `key` (Maesn's spelling where it is not lowerCamelCase, e.g.
// "allowed_file_extensions"), else the one whose lowerCamelCase name is.
const google::protobuf::FieldDescriptor* PropertyField(
    const google::protobuf::Descriptor& message, const std::string& key);

// The property `key` stands in for on `message` when the spec's property is
// absent (docs/maesn-api.md §5 spellings, e.g. "lineAmountType" for
// "lineAmountTypes"); empty if `key` is no such alias.
absl::string_view AliasedProperty(const google::protobuf::Descriptor& message,
                                  absl::string_view key);

}  // namespace maesn::gateway::mapping::internal

#endif  // MAESN_GATEWAY_MAPPING_JSON_PROTO_INTERNAL_H_
