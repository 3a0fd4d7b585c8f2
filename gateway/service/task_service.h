#ifndef MAESN_GATEWAY_SERVICE_TASK_SERVICE_H_
#define MAESN_GATEWAY_SERVICE_TASK_SERVICE_H_

#include <memory>

#include "gateway/maesn/maesn_connection.h"
#include "gateway/service/unary_call.h"
#include "maesn/accounting/v1/task.grpc.pb.h"

namespace maesn::gateway {

// maesn.accounting.v1.TaskService; see InvoiceServiceImpl.
class TaskServiceImpl final : public v1::TaskService::CallbackService {
 public:
  TaskServiceImpl(const ServiceEnvironment& env,
                  std::shared_ptr<MaesnConnection> connection)
      : env_(env), connection_(std::move(connection)) {}

  grpc::ServerUnaryReactor* GetTask(grpc::CallbackServerContext* context,
                                    const v1::GetTaskRequest* request,
                                    v1::GetTaskResponse* response) override;

 private:
  const ServiceEnvironment& env_;
  std::shared_ptr<MaesnConnection> connection_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_TASK_SERVICE_H_
