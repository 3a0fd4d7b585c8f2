#ifndef MAESN_GATEWAY_MAESN_HTTPS_MAESN_STUB_H_
#define MAESN_GATEWAY_MAESN_HTTPS_MAESN_STUB_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gateway/maesn/http_transport.h"
#include "gateway/maesn/maesn_stub.h"
#include "gateway/observability/upstream_observer.h"

namespace maesn::gateway {

// MaesnStub over HTTPS: builds each operation's request target (ids
// percent-encoded, query parameters only when set), adds the credential
// headers, sends it through the HttpTransport, maps the HTTP status
// (http_status.h) and the JSON body (mapping/) into the response proto.
// Every HTTP attempt is reported to `observer` (may be null; must outlive
// the stub).
class HttpsMaesnStub final : public MaesnStub {
 public:
  explicit HttpsMaesnStub(std::shared_ptr<HttpTransport> transport,
                          UpstreamObserver* observer = nullptr)
      : transport_(std::move(transport)), observer_(observer) {}

  absl::StatusOr<v1::GetInvoiceResponse> GetInvoice(
      CallContext& context, const v1::GetInvoiceRequest& request) override;
  absl::StatusOr<v1::GetBillResponse> GetBill(
      CallContext& context, const v1::GetBillRequest& request) override;
  absl::StatusOr<v1::GetTaskResponse> GetTask(
      CallContext& context, const v1::GetTaskRequest& request) override;

  // Invoices, invoice lines, bills and bill lines beyond GetInvoice and
  // GetBill: https_maesn_stub_invoice_bill.cc.
  absl::StatusOr<v1::ListInvoicesResponse> ListInvoices(
      CallContext& context, const v1::ListInvoicesRequest& request,
      const PagePosition& page) override;
  absl::StatusOr<v1::CreateInvoiceResponse> CreateInvoice(
      CallContext& context, const v1::CreateInvoiceRequest& request) override;
  absl::StatusOr<v1::UpdateInvoiceResponse> UpdateInvoice(
      CallContext& context, const v1::UpdateInvoiceRequest& request) override;
  absl::StatusOr<v1::GetInvoiceDocumentResponse> GetInvoiceDocument(
      CallContext& context,
      const v1::GetInvoiceDocumentRequest& request) override;
  absl::StatusOr<v1::ListInvoiceLineItemsResponse> ListInvoiceLineItems(
      CallContext& context, const v1::ListInvoiceLineItemsRequest& request,
      const PagePosition& page) override;
  absl::StatusOr<v1::GetInvoiceLineItemResponse> GetInvoiceLineItem(
      CallContext& context,
      const v1::GetInvoiceLineItemRequest& request) override;
  absl::StatusOr<v1::CreateInvoiceLineItemResponse> CreateInvoiceLineItem(
      CallContext& context,
      const v1::CreateInvoiceLineItemRequest& request) override;
  absl::StatusOr<v1::UpdateInvoiceLineItemResponse> UpdateInvoiceLineItem(
      CallContext& context,
      const v1::UpdateInvoiceLineItemRequest& request) override;
  absl::StatusOr<v1::ListBillsResponse> ListBills(
      CallContext& context, const v1::ListBillsRequest& request,
      const PagePosition& page) override;
  absl::StatusOr<v1::CreateBillResponse> CreateBill(
      CallContext& context, const v1::CreateBillRequest& request) override;
  absl::StatusOr<v1::UpdateBillResponse> UpdateBill(
      CallContext& context, const v1::UpdateBillRequest& request) override;
  absl::StatusOr<v1::DeleteBillResponse> DeleteBill(
      CallContext& context, const v1::DeleteBillRequest& request) override;
  absl::StatusOr<v1::GetBillDocumentResponse> GetBillDocument(
      CallContext& context, const v1::GetBillDocumentRequest& request) override;
  absl::StatusOr<v1::ListBillLineItemsResponse> ListBillLineItems(
      CallContext& context,
      const v1::ListBillLineItemsRequest& request) override;
  absl::StatusOr<v1::CreateBillLineItemResponse> CreateBillLineItem(
      CallContext& context,
      const v1::CreateBillLineItemRequest& request) override;
  absl::StatusOr<v1::UpdateBillLineItemResponse> UpdateBillLineItem(
      CallContext& context,
      const v1::UpdateBillLineItemRequest& request) override;

 private:
  // Sends one request and returns the 2xx response, or the mapped error.
  absl::StatusOr<HttpResponse> Call(CallContext& context,
                                    absl::string_view operation,
                                    absl::string_view method,
                                    std::string target, std::string body = {});
  // Adds `operation` to a mapping error so the caller sees which call failed.
  static absl::Status Tag(absl::Status s, absl::string_view operation);

  std::shared_ptr<HttpTransport> transport_;
  UpstreamObserver* const observer_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_HTTPS_MAESN_STUB_H_
