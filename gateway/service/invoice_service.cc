#include "gateway/service/invoice_service.h"

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/service/page_streamer.h"
#include "gateway/service/validated_call.h"
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

namespace {

constexpr absl::string_view kInvoiceService =
    "/maesn.accounting.v1.InvoiceService/";

std::string Rpc(absl::string_view name) {
  return absl::StrCat(kInvoiceService, name);
}

}  // namespace

grpc::ServerUnaryReactor* InvoiceServiceImpl::ListInvoices(
    grpc::CallbackServerContext* context,
    const v1::ListInvoicesRequest* request,
    v1::ListInvoicesResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("ListInvoices"), request,
                           response, connection_,
                           &MaesnConnection::ListInvoices);
}

grpc::ServerWriteReactor<v1::StreamInvoicesResponse>*
InvoiceServiceImpl::StreamInvoices(grpc::CallbackServerContext* context,
                                   const v1::StreamInvoicesRequest* request) {
  absl::Status validation = ValidateRequest(*request);
  // StreamInvoicesRequest has ListInvoicesRequest's field numbers (only
  // page_token is reserved), so the wire form converts one into the other.
  auto list = std::make_shared<v1::ListInvoicesRequest>();
  if (validation.ok() && !list->ParseFromString(request->SerializeAsString())) {
    validation = absl::InternalError("cannot convert the stream request");
  }
  PageFetcher fetch = [connection = connection_,
                       list](CallContext& call) -> absl::StatusOr<StreamPage> {
    absl::StatusOr<v1::ListInvoicesResponse> page =
        connection->ListInvoices(call, *list);
    if (!page.ok()) return page.status();
    StreamPage out;
    out.last = page->next_page_token().empty();
    list->set_page_token(page->next_page_token());
    out.messages.reserve(static_cast<std::size_t>(page->invoices_size()));
    for (int i = 0; i < page->invoices_size(); ++i) {
      v1::StreamInvoicesResponse message;
      message.mutable_invoice()->Swap(page->mutable_invoices(i));
      if (i == 0) message.mutable_meta()->Swap(page->mutable_meta());
      message.set_total_size(page->total_size());
      out.messages.push_back(message.SerializeAsString());
    }
    return out;
  };
  return PageStreamer<v1::StreamInvoicesResponse>::Start(
      env_, context, Rpc("StreamInvoices"), std::move(validation),
      std::move(fetch));
}

grpc::ServerUnaryReactor* InvoiceServiceImpl::CreateInvoice(
    grpc::CallbackServerContext* context,
    const v1::CreateInvoiceRequest* request,
    v1::CreateInvoiceResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("CreateInvoice"), request,
                           response, connection_,
                           &MaesnConnection::CreateInvoice);
}

grpc::ServerUnaryReactor* InvoiceServiceImpl::UpdateInvoice(
    grpc::CallbackServerContext* context,
    const v1::UpdateInvoiceRequest* request,
    v1::UpdateInvoiceResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("UpdateInvoice"), request,
                           response, connection_,
                           &MaesnConnection::UpdateInvoice);
}

grpc::ServerUnaryReactor* InvoiceServiceImpl::GetInvoiceDocument(
    grpc::CallbackServerContext* context,
    const v1::GetInvoiceDocumentRequest* request,
    v1::GetInvoiceDocumentResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("GetInvoiceDocument"), request,
                           response, connection_,
                           &MaesnConnection::GetInvoiceDocument);
}

grpc::ServerUnaryReactor* InvoiceServiceImpl::ListInvoiceLineItems(
    grpc::CallbackServerContext* context,
    const v1::ListInvoiceLineItemsRequest* request,
    v1::ListInvoiceLineItemsResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("ListInvoiceLineItems"), request,
                           response, connection_,
                           &MaesnConnection::ListInvoiceLineItems);
}

grpc::ServerUnaryReactor* InvoiceServiceImpl::GetInvoiceLineItem(
    grpc::CallbackServerContext* context,
    const v1::GetInvoiceLineItemRequest* request,
    v1::GetInvoiceLineItemResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("GetInvoiceLineItem"), request,
                           response, connection_,
                           &MaesnConnection::GetInvoiceLineItem);
}

grpc::ServerUnaryReactor* InvoiceServiceImpl::CreateInvoiceLineItem(
    grpc::CallbackServerContext* context,
    const v1::CreateInvoiceLineItemRequest* request,
    v1::CreateInvoiceLineItemResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("CreateInvoiceLineItem"), request,
                           response, connection_,
                           &MaesnConnection::CreateInvoiceLineItem);
}

grpc::ServerUnaryReactor* InvoiceServiceImpl::UpdateInvoiceLineItem(
    grpc::CallbackServerContext* context,
    const v1::UpdateInvoiceLineItemRequest* request,
    v1::UpdateInvoiceLineItemResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("UpdateInvoiceLineItem"), request,
                           response, connection_,
                           &MaesnConnection::UpdateInvoiceLineItem);
}

}  // namespace maesn::gateway
