#ifndef MAESN_GATEWAY_MAPPING_ASYNC_ANSWER_H_
#define MAESN_GATEWAY_MAPPING_ASYNC_ANSWER_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace maesn::gateway::mapping {

// The task id of an answer Maesn processed asynchronously: `data.taskId`
// when `data` is an object (the partial record or just {taskId}) or an
// array whose first element carries one. Nothing when the body is not JSON
// or carries no task id. Never throws.
std::optional<std::string> ReadTaskId(absl::string_view body);

}  // namespace maesn::gateway::mapping

#endif  // MAESN_GATEWAY_MAPPING_ASYNC_ANSWER_H_
