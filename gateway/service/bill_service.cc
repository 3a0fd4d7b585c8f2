#include "gateway/service/bill_service.h"

#include "gateway/service/validation.h"

namespace maesn::gateway {

grpc::ServerUnaryReactor* BillServiceImpl::GetBill(
    grpc::CallbackServerContext* context, const v1::GetBillRequest* request,
    v1::GetBillResponse* response) {
  return RunUnary(
      env_, context, "/maesn.accounting.v1.BillService/GetBill", response,
      [conn = connection_,
       request](CallContext& call) -> absl::StatusOr<v1::GetBillResponse> {
        for (auto s : {ValidateId("bill_id", request->bill_id()),
                       ValidateOptional("company_id", request->company_id()),
                       ValidateOptional("environment_name",
                                        request->environment_name())}) {
          if (!s.ok()) return s;
        }
        return conn->GetBill(call, *request);
      });
}

}  // namespace maesn::gateway
