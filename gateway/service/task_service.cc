#include "gateway/service/task_service.h"

#include "gateway/common/errors.h"
#include "gateway/service/validation.h"
#include "gateway/service/watch_calls.h"

namespace maesn::gateway {

grpc::ServerUnaryReactor* TaskServiceImpl::GetTask(
    grpc::CallbackServerContext* context, const v1::GetTaskRequest* request,
    v1::GetTaskResponse* response) {
  return RunUnary(
      env_, context, "/maesn.accounting.v1.TaskService/GetTask", response,
      [conn = connection_,
       request](CallContext& call) -> absl::StatusOr<v1::GetTaskResponse> {
        for (auto s : {ValidateId("task_id", request->task_id()),
                       ValidateOptional("company_id", request->company_id()),
                       ValidateOptional("environment_name",
                                        request->environment_name())}) {
          if (!s.ok()) return s;
        }
        if (request->page() < 0) {
          return InvalidField("page", "must not be negative");
        }
        return conn->GetTask(call, *request);
      });
}

grpc::ServerWriteReactor<v1::WatchTaskResponse>* TaskServiceImpl::WatchTask(
    grpc::CallbackServerContext* context, const v1::WatchTaskRequest* request) {
  return StartWatchTask(env_, hub_, context, request);
}

grpc::ServerUnaryReactor* TaskServiceImpl::WaitTask(
    grpc::CallbackServerContext* context, const v1::WaitTaskRequest* request,
    v1::WaitTaskResponse* response) {
  return StartWaitTask(env_, hub_, context, request, response);
}

}  // namespace maesn::gateway
