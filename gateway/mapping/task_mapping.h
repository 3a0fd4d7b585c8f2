#ifndef MAESN_GATEWAY_MAPPING_TASK_MAPPING_H_
#define MAESN_GATEWAY_MAPPING_TASK_MAPPING_H_

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gateway/common/v1.h"
#include "maesn/accounting/v1/common.pb.h"
#include "maesn/accounting/v1/task.pb.h"

namespace maesn::gateway::mapping {

// True for the statuses after which a Maesn task never changes again
// (docs/maesn-api.md §4): FINISHED, SUCCESS, FAILED, PARTIAL_SUCCESS,
// CANCELLED_SUCCESSFULLY, CANCEL_FAILED, DELETED.
bool IsTerminal(v1::TaskStatus status);

// Reads GET /accounting/asyncTask/{taskId}. Sets task_id, raw_status (the
// status string verbatim, also when it is not a known TaskStatus, which
// then stays UNSPECIFIED with a warning) and done.
absl::Status ParseTaskResponse(absl::string_view body,
                               const std::string& task_id, v1::Task& task,
                               v1::ResponseMeta& meta);

}  // namespace maesn::gateway::mapping

#endif  // MAESN_GATEWAY_MAPPING_TASK_MAPPING_H_
