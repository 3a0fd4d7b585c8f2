#ifndef MAESN_GATEWAY_SERVICE_REQUEST_VALIDATION_H_
#define MAESN_GATEWAY_SERVICE_REQUEST_VALIDATION_H_

#include "absl/status/status.h"
#include "gateway/common/v1.h"
#include "maesn/accounting/v1/bill.pb.h"
#include "maesn/accounting/v1/invoice.pb.h"

namespace maesn::gateway {

// The checks each invoice and bill request passes before any upstream
// request is made. A failure is INVALID_ARGUMENT with a google.rpc.BadRequest
// whose field violations name proto field paths of the request (e.g.
// "invoice.line_items[0].quantity", "update_mask.paths[1]"); body checks
// report every violation at once. They cover: ids (validation.h), scoping
// values, page_size >= 0, explicitly set filter enums that are UNSPECIFIED
// or unknown, timestamps outside RFC 3339's range, the fields Maesn
// requires (invoice_date, line_items and each line's quantity on invoice
// create; line_item_id on each changed line; name and category_name of
// bill dimensions), and update masks (non-empty, top-level fields of the
// update message only). Value-level problems inside bodies (an UNSPECIFIED
// enum, a non-finite amount) are reported by the request body mapping, also
// before sending. Pure functions, thread-safe.

absl::Status ValidateRequest(const v1::ListInvoicesRequest& request);
absl::Status ValidateRequest(const v1::StreamInvoicesRequest& request);
absl::Status ValidateRequest(const v1::CreateInvoiceRequest& request);
absl::Status ValidateRequest(const v1::UpdateInvoiceRequest& request);
absl::Status ValidateRequest(const v1::GetInvoiceDocumentRequest& request);
absl::Status ValidateRequest(const v1::ListInvoiceLineItemsRequest& request);
absl::Status ValidateRequest(const v1::GetInvoiceLineItemRequest& request);
absl::Status ValidateRequest(const v1::CreateInvoiceLineItemRequest& request);
absl::Status ValidateRequest(const v1::UpdateInvoiceLineItemRequest& request);

absl::Status ValidateRequest(const v1::ListBillsRequest& request);
absl::Status ValidateRequest(const v1::StreamBillsRequest& request);
absl::Status ValidateRequest(const v1::CreateBillRequest& request);
absl::Status ValidateRequest(const v1::UpdateBillRequest& request);
absl::Status ValidateRequest(const v1::DeleteBillRequest& request);
absl::Status ValidateRequest(const v1::GetBillDocumentRequest& request);
absl::Status ValidateRequest(const v1::ListBillLineItemsRequest& request);
absl::Status ValidateRequest(const v1::CreateBillLineItemRequest& request);
absl::Status ValidateRequest(const v1::UpdateBillLineItemRequest& request);

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVICE_REQUEST_VALIDATION_H_
