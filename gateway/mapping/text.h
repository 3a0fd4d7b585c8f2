#ifndef MAESN_GATEWAY_MAPPING_TEXT_H_
#define MAESN_GATEWAY_MAPPING_TEXT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace maesn::gateway::mapping {

// Makes upstream text safe to put into a proto3 string (a status message,
// a warning): invalid UTF-8 becomes U+FFFD, and text longer than
// `max_bytes` is cut at a character boundary and marked with "...". Every
// gRPC client can then parse what carries it.
std::string SanitizeText(absl::string_view text, std::size_t max_bytes);

// True if `s` is well-formed UTF-8: no overlong forms, surrogates or values
// past U+10FFFF (what proto3 requires of a string field).
bool IsValidUtf8(absl::string_view s);

}  // namespace maesn::gateway::mapping

#endif  // MAESN_GATEWAY_MAPPING_TEXT_H_
