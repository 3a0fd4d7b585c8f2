#ifndef MAESN_GATEWAY_MAPPING_JSON_TEXT_H_
#define MAESN_GATEWAY_MAPPING_JSON_TEXT_H_

#include <initializer_list>
#include <optional>

#include "absl/strings/string_view.h"

namespace maesn::gateway::mapping {

// The exact text of the value at `path` in the JSON document `body`, as
// Maesn sent it (numbers keep every digit: a google.protobuf.Value would
// hold them as doubles). Each step of `path` is an object key; where the
// value reached is an array and a key follows, its first element is used
// (Maesn's one-record arrays, as the record readers do). With a key given
// twice the last one counts, as for the readers. nullopt when the value is
// absent or null, or the text is not JSON up to it. Pure; no allocation
// unless a key holds escapes.
std::optional<absl::string_view> FindJsonValueText(
    absl::string_view body, std::initializer_list<absl::string_view> path);

}  // namespace maesn::gateway::mapping

#endif  // MAESN_GATEWAY_MAPPING_JSON_TEXT_H_
