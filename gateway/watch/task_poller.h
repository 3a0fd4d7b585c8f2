#ifndef MAESN_GATEWAY_WATCH_TASK_POLLER_H_
#define MAESN_GATEWAY_WATCH_TASK_POLLER_H_

#include <memory>

#include "absl/status/statusor.h"
#include "gateway/common/call_context.h"
#include "gateway/maesn/maesn_stub.h"
#include "gateway/maesn/rest_binding.h"
#include "maesn/accounting/v1/task.pb.h"

namespace maesn::gateway {

// What the watch hub needs of Maesn: read a task's state once (one
// upstream attempt, no retries; the hub's own schedule is the retry).
// Implementations are thread-safe.
class TaskPoller {
 public:
  virtual ~TaskPoller() = default;
  virtual absl::StatusOr<v1::GetTaskResponse> PollTask(
      CallContext& context, const v1::GetTaskRequest& request) = 0;
};

// A TaskPoller that makes one MaesnStub call of the task-reading rpc's
// binding (TaskService.GetTask; `binding` outlives the poller).
class StubTaskPoller final : public TaskPoller {
 public:
  StubTaskPoller(std::shared_ptr<MaesnStub> stub, const RestBinding& binding)
      : stub_(std::move(stub)), binding_(binding) {}

  absl::StatusOr<v1::GetTaskResponse> PollTask(
      CallContext& context, const v1::GetTaskRequest& request) override {
    v1::GetTaskResponse response;
    absl::Status s = stub_->Call(context, binding_, request, nullptr, response);
    if (!s.ok()) return s;
    return response;
  }

 private:
  std::shared_ptr<MaesnStub> stub_;
  const RestBinding& binding_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_WATCH_TASK_POLLER_H_
