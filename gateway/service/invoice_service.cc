#include "gateway/service/invoice_service.h"

#include "gateway/service/validation.h"

namespace maesn::gateway {

grpc::ServerUnaryReactor* InvoiceServiceImpl::GetInvoice(
    grpc::CallbackServerContext* context, const v1::GetInvoiceRequest* request,
    v1::GetInvoiceResponse* response) {
  return RunUnary(
      env_, context, "/maesn.accounting.v1.InvoiceService/GetInvoice", response,
      [conn = connection_,
       request](CallContext& call) -> absl::StatusOr<v1::GetInvoiceResponse> {
        for (auto s : {ValidateId("invoice_id", request->invoice_id()),
                       ValidateOptional("company_id", request->company_id()),
                       ValidateOptional("environment_name",
                                        request->environment_name())}) {
          if (!s.ok()) return s;
        }
        return conn->GetInvoice(call, *request);
      });
}

}  // namespace maesn::gateway
