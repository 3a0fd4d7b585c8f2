#ifndef MAESN_GATEWAY_SERVICE_BILL_SERVICE_H_
#define MAESN_GATEWAY_SERVICE_BILL_SERVICE_H_

#include <memory>

#include "gateway/maesn/maesn_connection.h"
#include "gateway/service/unary_call.h"
#include "maesn/accounting/v1/bill.grpc.pb.h"

namespace maesn::gateway {

// maesn.accounting.v1.BillService; see InvoiceServiceImpl.
class BillServiceImpl final : public v1::BillService::CallbackService {
 public:
  BillServiceImpl(const ServiceEnvironment& env,
                  std::shared_ptr<MaesnConnection> connection)
      : env_(env), connection_(std::move(connection)) {}

  grpc::ServerUnaryReactor* GetBill(grpc::CallbackServerContext* context,
                                    const v1::GetBillRequest* request,
                                    v1::GetBillResponse* response) override;

 private:
  const ServiceEnvironment& env_;
  std::shared_ptr<MaesnConnection> connection_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_BILL_SERVICE_H_
