#include "gateway/service/bill_service.h"

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/service/page_streamer.h"
#include "gateway/service/validated_call.h"
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

namespace {

constexpr absl::string_view kBillService = "/maesn.accounting.v1.BillService/";

std::string Rpc(absl::string_view name) {
  return absl::StrCat(kBillService, name);
}

}  // namespace

grpc::ServerUnaryReactor* BillServiceImpl::ListBills(
    grpc::CallbackServerContext* context, const v1::ListBillsRequest* request,
    v1::ListBillsResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("ListBills"), request, response,
                           connection_, &MaesnConnection::ListBills);
}

grpc::ServerWriteReactor<v1::StreamBillsResponse>* BillServiceImpl::StreamBills(
    grpc::CallbackServerContext* context,
    const v1::StreamBillsRequest* request) {
  absl::Status validation = ValidateRequest(*request);
  // StreamBillsRequest has ListBillsRequest's field numbers (only page_token
  // is reserved), so the wire form converts one into the other.
  auto list = std::make_shared<v1::ListBillsRequest>();
  if (validation.ok() && !list->ParseFromString(request->SerializeAsString())) {
    validation = absl::InternalError("cannot convert the stream request");
  }
  PageFetcher fetch = [connection = connection_,
                       list](CallContext& call) -> absl::StatusOr<StreamPage> {
    absl::StatusOr<v1::ListBillsResponse> page =
        connection->ListBills(call, *list);
    if (!page.ok()) return page.status();
    StreamPage out;
    out.last = page->next_page_token().empty();
    list->set_page_token(page->next_page_token());
    out.messages.reserve(static_cast<std::size_t>(page->bills_size()));
    for (int i = 0; i < page->bills_size(); ++i) {
      v1::StreamBillsResponse message;
      message.mutable_bill()->Swap(page->mutable_bills(i));
      if (i == 0) message.mutable_meta()->Swap(page->mutable_meta());
      message.set_total_size(page->total_size());
      out.messages.push_back(message.SerializeAsString());
    }
    return out;
  };
  return PageStreamer<v1::StreamBillsResponse>::Start(
      env_, context, Rpc("StreamBills"), std::move(validation),
      std::move(fetch));
}

grpc::ServerUnaryReactor* BillServiceImpl::CreateBill(
    grpc::CallbackServerContext* context, const v1::CreateBillRequest* request,
    v1::CreateBillResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("CreateBill"), request, response,
                           connection_, &MaesnConnection::CreateBill);
}

grpc::ServerUnaryReactor* BillServiceImpl::UpdateBill(
    grpc::CallbackServerContext* context, const v1::UpdateBillRequest* request,
    v1::UpdateBillResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("UpdateBill"), request, response,
                           connection_, &MaesnConnection::UpdateBill);
}

grpc::ServerUnaryReactor* BillServiceImpl::DeleteBill(
    grpc::CallbackServerContext* context, const v1::DeleteBillRequest* request,
    v1::DeleteBillResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("DeleteBill"), request, response,
                           connection_, &MaesnConnection::DeleteBill);
}

grpc::ServerUnaryReactor* BillServiceImpl::GetBillDocument(
    grpc::CallbackServerContext* context,
    const v1::GetBillDocumentRequest* request,
    v1::GetBillDocumentResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("GetBillDocument"), request,
                           response, connection_,
                           &MaesnConnection::GetBillDocument);
}

grpc::ServerUnaryReactor* BillServiceImpl::ListBillLineItems(
    grpc::CallbackServerContext* context,
    const v1::ListBillLineItemsRequest* request,
    v1::ListBillLineItemsResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("ListBillLineItems"), request,
                           response, connection_,
                           &MaesnConnection::ListBillLineItems);
}

grpc::ServerUnaryReactor* BillServiceImpl::CreateBillLineItem(
    grpc::CallbackServerContext* context,
    const v1::CreateBillLineItemRequest* request,
    v1::CreateBillLineItemResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("CreateBillLineItem"), request,
                           response, connection_,
                           &MaesnConnection::CreateBillLineItem);
}

grpc::ServerUnaryReactor* BillServiceImpl::UpdateBillLineItem(
    grpc::CallbackServerContext* context,
    const v1::UpdateBillLineItemRequest* request,
    v1::UpdateBillLineItemResponse* response) {
  return RunValidatedUnary(env_, context, Rpc("UpdateBillLineItem"), request,
                           response, connection_,
                           &MaesnConnection::UpdateBillLineItem);
}

}  // namespace maesn::gateway
