#ifndef MAESN_GATEWAY_SERVICE_VALIDATION_H_
#define MAESN_GATEWAY_SERVICE_VALIDATION_H_

#include <cstddef>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace maesn::gateway {

// Longest id the gateway forwards (Maesn ids are UUIDs or short codes).
inline constexpr std::size_t kMaxIdLength = 512;

// Checks a caller-supplied id that becomes one path segment: not empty, not
// only whitespace, at most kMaxIdLength bytes, valid UTF-8, no control
// characters (NUL included), and not "." or "..". Ids that pass are still
// percent-encoded (path_builder.h), so they can never change the path.
// Fails with INVALID_ARGUMENT and a BadRequest naming `field`.
absl::Status ValidateId(absl::string_view field, absl::string_view value);

// Checks an optional scoping value (company_id, environment_name): may be
// empty; otherwise the same rules as ValidateId.
absl::Status ValidateOptional(absl::string_view field, absl::string_view value);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_VALIDATION_H_
