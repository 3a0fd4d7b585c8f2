#ifndef MAESN_GATEWAY_MAESN_MAESN_STUB_H_
#define MAESN_GATEWAY_MAESN_MAESN_STUB_H_

#include "absl/status/statusor.h"
#include "gateway/common/call_context.h"
#include "gateway/common/v1.h"
#include "gateway/maesn/page_token.h"
#include "maesn/accounting/v1/bill.pb.h"
#include "maesn/accounting/v1/invoice.pb.h"
#include "maesn/accounting/v1/task.pb.h"

namespace maesn::gateway {

// One method per Maesn REST operation: one attempt, no retries, no
// pagination logic. The request and response are the gateway's protos; how
// they become HTTP and JSON is the implementation's business. A non-2xx
// answer is returned as the error status from http_status.h.
//
// List operations fetch the Maesn page and limit given by `page` and ignore
// the request's page_size and page_token (the connection turns those into
// `page`, and fills next_page_token and total_size). Write bodies carry
// only the fields the caller set; UpdateInvoice and UpdateInvoiceLineItem
// carry exactly the update_mask's fields (unset ones as null). A value that
// cannot be sent fails with INVALID_ARGUMENT before any request is made.
// Implementations are thread-safe.
class MaesnStub {
 public:
  virtual ~MaesnStub() = default;

  // GET /accounting/invoices/{invoiceId} (getInvoice)
  virtual absl::StatusOr<v1::GetInvoiceResponse> GetInvoice(
      CallContext& context, const v1::GetInvoiceRequest& request) = 0;
  // GET /accounting/bills/{billId} (getBill)
  virtual absl::StatusOr<v1::GetBillResponse> GetBill(
      CallContext& context, const v1::GetBillRequest& request) = 0;
  // GET /accounting/asyncTask/{taskId} (getAsyncTaskInfo)
  virtual absl::StatusOr<v1::GetTaskResponse> GetTask(
      CallContext& context, const v1::GetTaskRequest& request) = 0;

  // --- Invoices (api-notes §3, §4) ---
  // GET /accounting/invoices (getInvoices)
  virtual absl::StatusOr<v1::ListInvoicesResponse> ListInvoices(
      CallContext& context, const v1::ListInvoicesRequest& request,
      const PagePosition& page) = 0;
  // POST /accounting/invoices (createInvoice)
  virtual absl::StatusOr<v1::CreateInvoiceResponse> CreateInvoice(
      CallContext& context, const v1::CreateInvoiceRequest& request) = 0;
  // PATCH /accounting/invoices/{invoiceId} (patchInvoice)
  virtual absl::StatusOr<v1::UpdateInvoiceResponse> UpdateInvoice(
      CallContext& context, const v1::UpdateInvoiceRequest& request) = 0;
  // GET /accounting/invoices/{invoiceId}/document (getInvoiceDocument)
  virtual absl::StatusOr<v1::GetInvoiceDocumentResponse> GetInvoiceDocument(
      CallContext& context, const v1::GetInvoiceDocumentRequest& request) = 0;
  // GET /accounting/invoices/{invoiceId}/lineItems (getLineItems)
  virtual absl::StatusOr<v1::ListInvoiceLineItemsResponse> ListInvoiceLineItems(
      CallContext& context, const v1::ListInvoiceLineItemsRequest& request,
      const PagePosition& page) = 0;
  // GET /accounting/invoices/{invoiceId}/lineItems/{lineItemId} (getLineItem)
  virtual absl::StatusOr<v1::GetInvoiceLineItemResponse> GetInvoiceLineItem(
      CallContext& context, const v1::GetInvoiceLineItemRequest& request) = 0;
  // POST /accounting/invoices/{invoiceId}/lineItems (createLineItem)
  virtual absl::StatusOr<v1::CreateInvoiceLineItemResponse>
  CreateInvoiceLineItem(CallContext& context,
                        const v1::CreateInvoiceLineItemRequest& request) = 0;
  // PATCH /accounting/invoices/{invoiceId}/lineItems/{lineItemId}
  // (patchLineItem)
  virtual absl::StatusOr<v1::UpdateInvoiceLineItemResponse>
  UpdateInvoiceLineItem(CallContext& context,
                        const v1::UpdateInvoiceLineItemRequest& request) = 0;

  // --- Bills (api-notes §5, §6) ---
  // GET /accounting/bills (getBills)
  virtual absl::StatusOr<v1::ListBillsResponse> ListBills(
      CallContext& context, const v1::ListBillsRequest& request,
      const PagePosition& page) = 0;
  // POST /accounting/bills (createBill)
  virtual absl::StatusOr<v1::CreateBillResponse> CreateBill(
      CallContext& context, const v1::CreateBillRequest& request) = 0;
  // PUT /accounting/bills/{billId} (updateBill)
  virtual absl::StatusOr<v1::UpdateBillResponse> UpdateBill(
      CallContext& context, const v1::UpdateBillRequest& request) = 0;
  // DELETE /accounting/bills/{billId} (deleteBill)
  virtual absl::StatusOr<v1::DeleteBillResponse> DeleteBill(
      CallContext& context, const v1::DeleteBillRequest& request) = 0;
  // GET /accounting/bills/{billId}/document (getBillDocument)
  virtual absl::StatusOr<v1::GetBillDocumentResponse> GetBillDocument(
      CallContext& context, const v1::GetBillDocumentRequest& request) = 0;
  // GET /accounting/bills/{billId}/lineItems (getBillLineItems)
  virtual absl::StatusOr<v1::ListBillLineItemsResponse> ListBillLineItems(
      CallContext& context, const v1::ListBillLineItemsRequest& request) = 0;
  // POST /accounting/bills/{billId}/lineItems (createBillLineItem)
  virtual absl::StatusOr<v1::CreateBillLineItemResponse> CreateBillLineItem(
      CallContext& context, const v1::CreateBillLineItemRequest& request) = 0;
  // PUT /accounting/bills/{billId}/lineItems/{lineItemId}
  // (updateBillLineItem)
  virtual absl::StatusOr<v1::UpdateBillLineItemResponse> UpdateBillLineItem(
      CallContext& context, const v1::UpdateBillLineItemRequest& request) = 0;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_MAESN_MAESN_STUB_H_
