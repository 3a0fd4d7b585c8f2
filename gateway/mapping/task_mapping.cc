#include "gateway/mapping/task_mapping.h"

#include <string>

#include "gateway/mapping/envelope_internal.h"
#include "gateway/mapping/json_proto.h"
#include "gateway/mapping/json_text.h"

namespace maesn::gateway::mapping {

bool IsTerminal(v1::TaskStatus status) {
  switch (status) {
    case v1::TASK_STATUS_FINISHED:
    case v1::TASK_STATUS_SUCCESS:
    case v1::TASK_STATUS_FAILED:
    case v1::TASK_STATUS_PARTIAL_SUCCESS:
    case v1::TASK_STATUS_CANCELLED_SUCCESSFULLY:
    case v1::TASK_STATUS_CANCEL_FAILED:
    case v1::TASK_STATUS_DELETED:
      return true;
    default:
      return false;
  }
}

absl::Status ParseTaskResponse(absl::string_view body,
                               const std::string& task_id, v1::Task& task,
                               v1::ResponseMeta& meta) {
  auto env = internal::ParseEnvelope(body);
  if (!env.ok()) return env.status();
  internal::ReadMeta(*env, meta);
  Warnings w(&meta);
  const FieldPath path{nullptr, "task"};
  absl::StatusOr<const nlohmann::json*> single =
      internal::SingleRecord(*env, path, w);
  if (!single.ok()) return single.status();
  const nlohmann::json* obj = *single;
  ReadMessage(*obj, task, path, w);
  task.set_task_id(task_id);
  if (auto s = obj->find("status"); s != obj->end() && s->is_string()) {
    task.set_raw_status(s->get<std::string>());
  }
  if (task.has_response_data()) {
    if (auto text = FindJsonValueText(body, {"data", "responseData"})) {
      task.set_response_data_json(std::string(*text));
    }
  }
  task.set_done(task.has_status() && IsTerminal(task.status()));
  return absl::OkStatus();
}

}  // namespace maesn::gateway::mapping
