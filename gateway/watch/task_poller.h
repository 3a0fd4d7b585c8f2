#ifndef MAESN_GATEWAY_WATCH_TASK_POLLER_H_
#define MAESN_GATEWAY_WATCH_TASK_POLLER_H_

#include <memory>
#include <utility>

#include "absl/functional/any_invocable.h"
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
  using Done = absl::AnyInvocable<void(absl::StatusOr<v1::GetTaskResponse>) &&>;

  virtual ~TaskPoller() = default;
  // Blocking.
  virtual absl::StatusOr<v1::GetTaskResponse> PollTask(
      CallContext& context, const v1::GetTaskRequest& request) = 0;
  // Non-blocking: returns at once and runs `done` with PollTask()'s result.
  // `context` and `request` stay valid until then. The default runs
  // PollTask() inline (pollers with nothing to wait for, test doubles).
  virtual void StartPoll(CallContext& context,
                         const v1::GetTaskRequest& request, Done done) {
    std::move(done)(PollTask(context, request));
  }
};

// A TaskPoller that makes one MaesnStub call of the task-reading rpc's
// binding (TaskService.GetTask; `binding` outlives the poller). When the
// task's results come in pages, the response's next_page_token says where
// GetTask continues.
class StubTaskPoller final : public TaskPoller {
 public:
  StubTaskPoller(std::shared_ptr<MaesnStub> stub, const RestBinding& binding)
      : stub_(std::move(stub)), binding_(binding) {}

  absl::StatusOr<v1::GetTaskResponse> PollTask(
      CallContext& context, const v1::GetTaskRequest& request) override {
    v1::GetTaskResponse response;
    absl::Status s = stub_->Call(context, binding_, request, nullptr, response);
    if (!s.ok()) return s;
    SetPageOutcome(binding_, request, kFirstPage, response);
    return response;
  }

  // Holds no thread while Maesn answers (MaesnStub::AsyncCall).
  void StartPoll(CallContext& context, const v1::GetTaskRequest& request,
                 Done done) override {
    auto response = std::make_shared<v1::GetTaskResponse>();
    v1::GetTaskResponse& into = *response;
    stub_->AsyncCall(context, binding_, request, nullptr, into,
                     [this, &request, response = std::move(response),
                      done = std::move(done)](absl::Status s) mutable {
                       if (!s.ok()) {
                         std::move(done)(std::move(s));
                         return;
                       }
                       SetPageOutcome(binding_, request, kFirstPage, *response);
                       std::move(done)(std::move(*response));
                     });
  }

 private:
  // A poll asks for Maesn's first page of the results and sends neither
  // `page` nor `limit`; its next_page_token continues with GetTask.
  static constexpr PagePosition kFirstPage{1, 0, false};

  std::shared_ptr<MaesnStub> stub_;
  const RestBinding& binding_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_WATCH_TASK_POLLER_H_
