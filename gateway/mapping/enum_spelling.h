#ifndef MAESN_GATEWAY_MAPPING_ENUM_SPELLING_H_
#define MAESN_GATEWAY_MAPPING_ENUM_SPELLING_H_

#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace maesn::gateway::mapping {

// How the contract's enums are spelled on Maesn's wire: the value name
// without the enum's UPPER_SNAKE prefix (the _UNSPECIFIED value's name minus
// "UNSPECIFIED"), or the value's `maesn_value` option when it has one. Used
// for JSON bodies and for query parameters. Thread-safe (descriptors only).

// Maesn's spelling of an enum value; empty for UNSPECIFIED/unknown numbers.
std::string EnumToMaesn(const google::protobuf::EnumDescriptor& type,
                        int number);
// The enum number for Maesn's string (also accepting the contract's own
// spelling and upper-casing as a second try); -1 if the enum has no such
// value.
int EnumFromMaesn(const google::protobuf::EnumDescriptor& type,
                  absl::string_view text);

// When request field `field` carries the `maesn_accepts` option (its enum is
// wider than what Maesn's operation accepts) and `number` is not among the
// accepted values: a description of the refusal naming the value and what
// is accepted. Empty when the value is accepted.
std::string RefusedEnumValue(const google::protobuf::FieldDescriptor& field,
                             int number);

}  // namespace maesn::gateway::mapping

#endif  // MAESN_GATEWAY_MAPPING_ENUM_SPELLING_H_
