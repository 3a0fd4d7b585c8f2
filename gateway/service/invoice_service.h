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
  grpc::ServerUnaryReactor* ListInvoices(
      grpc::CallbackServerContext* context,
      const v1::ListInvoicesRequest* request,
      v1::ListInvoicesResponse* response) override;
  // Every matching invoice of every page, in Maesn's order (page_streamer.h).
  grpc::ServerWriteReactor<v1::StreamInvoicesResponse>* StreamInvoices(
      grpc::CallbackServerContext* context,
      const v1::StreamInvoicesRequest* request) override;
  grpc::ServerUnaryReactor* CreateInvoice(
      grpc::CallbackServerContext* context,
      const v1::CreateInvoiceRequest* request,
      v1::CreateInvoiceResponse* response) override;
  grpc::ServerUnaryReactor* UpdateInvoice(
      grpc::CallbackServerContext* context,
      const v1::UpdateInvoiceRequest* request,
      v1::UpdateInvoiceResponse* response) override;
  grpc::ServerUnaryReactor* GetInvoiceDocument(
      grpc::CallbackServerContext* context,
      const v1::GetInvoiceDocumentRequest* request,
      v1::GetInvoiceDocumentResponse* response) override;
  grpc::ServerUnaryReactor* ListInvoiceLineItems(
      grpc::CallbackServerContext* context,
      const v1::ListInvoiceLineItemsRequest* request,
      v1::ListInvoiceLineItemsResponse* response) override;
  grpc::ServerUnaryReactor* GetInvoiceLineItem(
      grpc::CallbackServerContext* context,
      const v1::GetInvoiceLineItemRequest* request,
      v1::GetInvoiceLineItemResponse* response) override;
  grpc::ServerUnaryReactor* CreateInvoiceLineItem(
      grpc::CallbackServerContext* context,
      const v1::CreateInvoiceLineItemRequest* request,
      v1::CreateInvoiceLineItemResponse* response) override;
  grpc::ServerUnaryReactor* UpdateInvoiceLineItem(
      grpc::CallbackServerContext* context,
      const v1::UpdateInvoiceLineItemRequest* request,
      v1::UpdateInvoiceLineItemResponse* response) override;

 private:
  const ServiceEnvironment& env_;
  std::shared_ptr<MaesnConnection> connection_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_INVOICE_SERVICE_H_
