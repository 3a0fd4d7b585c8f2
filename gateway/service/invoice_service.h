#ifndef MAESN_GATEWAY_SERVICE_INVOICE_SERVICE_H_
#define MAESN_GATEWAY_SERVICE_INVOICE_SERVICE_H_

#include <memory>

#include "gateway/maesn/maesn_connection.h"
#include "gateway/service/unary_call.h"
#include "maesn/accounting/v1/invoice.grpc.pb.h"

namespace maesn::gateway {

// maesn.accounting.v1.InvoiceService: validates each request, runs it on
// the executor through the MaesnConnection and answers. Holds no state of
// its own; thread-safe.
class InvoiceServiceImpl final : public v1::InvoiceService::CallbackService {
 public:
  InvoiceServiceImpl(const ServiceEnvironment& env,
                     std::shared_ptr<MaesnConnection> connection)
      : env_(env), connection_(std::move(connection)) {}

  grpc::ServerUnaryReactor* GetInvoice(
      grpc::CallbackServerContext* context,
      const v1::GetInvoiceRequest* request,
      v1::GetInvoiceResponse* response) override;

 private:
  const ServiceEnvironment& env_;
  std::shared_ptr<MaesnConnection> connection_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_INVOICE_SERVICE_H_
