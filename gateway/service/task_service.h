#ifndef MAESN_GATEWAY_SERVICE_TASK_SERVICE_H_
#define MAESN_GATEWAY_SERVICE_TASK_SERVICE_H_

#include <memory>

#include "gateway/maesn/maesn_connection.h"
#include "gateway/service/unary_call.h"
#include "gateway/watch/watch_hub.h"
#include "maesn/accounting/v1/task.grpc.pb.h"

namespace maesn::gateway {

// maesn.accounting.v1.TaskService; see InvoiceServiceImpl. WatchTask and
// WaitTask are served by `hub` (see service/watch_calls.h), which outlives
// the service.
class TaskServiceImpl final : public v1::TaskService::CallbackService {
 public:
  TaskServiceImpl(const ServiceEnvironment& env,
                  std::shared_ptr<MaesnConnection> connection, WatchHub* hub)
      : env_(env), connection_(std::move(connection)), hub_(hub) {}

  grpc::ServerUnaryReactor* GetTask(grpc::CallbackServerContext* context,
                                    const v1::GetTaskRequest* request,
                                    v1::GetTaskResponse* response) override;
  grpc::ServerWriteReactor<v1::WatchTaskResponse>* WatchTask(
      grpc::CallbackServerContext* context,
      const v1::WatchTaskRequest* request) override;
  grpc::ServerUnaryReactor* WaitTask(grpc::CallbackServerContext* context,
                                     const v1::WaitTaskRequest* request,
                                     v1::WaitTaskResponse* response) override;

 private:
  const ServiceEnvironment& env_;
  std::shared_ptr<MaesnConnection> connection_;
  WatchHub* hub_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_TASK_SERVICE_H_
