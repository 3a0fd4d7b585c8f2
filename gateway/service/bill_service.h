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
  grpc::ServerUnaryReactor* ListBills(grpc::CallbackServerContext* context,
                                      const v1::ListBillsRequest* request,
                                      v1::ListBillsResponse* response) override;
  // Every matching bill of every page, in Maesn's order (page_streamer.h).
  grpc::ServerWriteReactor<v1::StreamBillsResponse>* StreamBills(
      grpc::CallbackServerContext* context,
      const v1::StreamBillsRequest* request) override;
  grpc::ServerUnaryReactor* CreateBill(
      grpc::CallbackServerContext* context,
      const v1::CreateBillRequest* request,
      v1::CreateBillResponse* response) override;
  grpc::ServerUnaryReactor* UpdateBill(
      grpc::CallbackServerContext* context,
      const v1::UpdateBillRequest* request,
      v1::UpdateBillResponse* response) override;
  grpc::ServerUnaryReactor* DeleteBill(
      grpc::CallbackServerContext* context,
      const v1::DeleteBillRequest* request,
      v1::DeleteBillResponse* response) override;
  grpc::ServerUnaryReactor* GetBillDocument(
      grpc::CallbackServerContext* context,
      const v1::GetBillDocumentRequest* request,
      v1::GetBillDocumentResponse* response) override;
  grpc::ServerUnaryReactor* ListBillLineItems(
      grpc::CallbackServerContext* context,
      const v1::ListBillLineItemsRequest* request,
      v1::ListBillLineItemsResponse* response) override;
  grpc::ServerUnaryReactor* CreateBillLineItem(
      grpc::CallbackServerContext* context,
      const v1::CreateBillLineItemRequest* request,
      v1::CreateBillLineItemResponse* response) override;
  grpc::ServerUnaryReactor* UpdateBillLineItem(
      grpc::CallbackServerContext* context,
      const v1::UpdateBillLineItemRequest* request,
      v1::UpdateBillLineItemResponse* response) override;

 private:
  const ServiceEnvironment& env_;
  std::shared_ptr<MaesnConnection> connection_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_BILL_SERVICE_H_
