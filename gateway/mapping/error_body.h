#ifndef MAESN_GATEWAY_MAPPING_ERROR_BODY_H_
#define MAESN_GATEWAY_MAPPING_ERROR_BODY_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace maesn::gateway {

// What the gateway can read from a Maesn error body. Maesn documents no
// error schema (docs/maesn-api.md §2.2): the body is read as JSON when it is
// JSON
// (`message` string or array, `error`, `validationErrors`), otherwise its
// text is quoted, shortened and stripped of control characters.
struct MaesnErrorBody {
  std::string message;
  // (Maesn property path, description) from `validationErrors`.
  std::vector<std::pair<std::string, std::string>> violations;
  // Maesn's text says the endpoint is not supported by the target system.
  bool not_supported = false;
};

MaesnErrorBody ParseMaesnErrorBody(absl::string_view body);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAPPING_ERROR_BODY_H_
