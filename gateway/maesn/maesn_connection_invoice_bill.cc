// MaesnConnection: invoices, invoice lines, bills and bill lines. GETs go
// through Read() (retried), everything else through Write() (never
// retried, unknown outcomes labelled); lists through ReadPage().
#include "gateway/maesn/maesn_connection.h"

namespace maesn::gateway {

absl::StatusOr<v1::ListInvoicesResponse> MaesnConnection::ListInvoices(
    CallContext& context, const v1::ListInvoicesRequest& request) {
  return ReadPage<v1::ListInvoicesResponse>(
      context, request,
      [&](const PagePosition& page) {
        return stub_->ListInvoices(context, request, page);
      },
      [](const v1::ListInvoicesResponse& r) { return r.invoices_size(); });
}

absl::StatusOr<v1::CreateInvoiceResponse> MaesnConnection::CreateInvoice(
    CallContext& context, const v1::CreateInvoiceRequest& request) {
  return Write(context, request,
               [&] { return stub_->CreateInvoice(context, request); });
}

absl::StatusOr<v1::UpdateInvoiceResponse> MaesnConnection::UpdateInvoice(
    CallContext& context, const v1::UpdateInvoiceRequest& request) {
  return Write(context, request,
               [&] { return stub_->UpdateInvoice(context, request); });
}

absl::StatusOr<v1::GetInvoiceDocumentResponse>
MaesnConnection::GetInvoiceDocument(
    CallContext& context, const v1::GetInvoiceDocumentRequest& request) {
  return Read(context, request,
              [&] { return stub_->GetInvoiceDocument(context, request); });
}

absl::StatusOr<v1::ListInvoiceLineItemsResponse>
MaesnConnection::ListInvoiceLineItems(
    CallContext& context, const v1::ListInvoiceLineItemsRequest& request) {
  return ReadPage<v1::ListInvoiceLineItemsResponse>(
      context, request,
      [&](const PagePosition& page) {
        return stub_->ListInvoiceLineItems(context, request, page);
      },
      [](const v1::ListInvoiceLineItemsResponse& r) {
        return r.line_items_size();
      });
}

absl::StatusOr<v1::GetInvoiceLineItemResponse>
MaesnConnection::GetInvoiceLineItem(
    CallContext& context, const v1::GetInvoiceLineItemRequest& request) {
  return Read(context, request,
              [&] { return stub_->GetInvoiceLineItem(context, request); });
}

absl::StatusOr<v1::CreateInvoiceLineItemResponse>
MaesnConnection::CreateInvoiceLineItem(
    CallContext& context, const v1::CreateInvoiceLineItemRequest& request) {
  return Write(context, request,
               [&] { return stub_->CreateInvoiceLineItem(context, request); });
}

absl::StatusOr<v1::UpdateInvoiceLineItemResponse>
MaesnConnection::UpdateInvoiceLineItem(
    CallContext& context, const v1::UpdateInvoiceLineItemRequest& request) {
  return Write(context, request,
               [&] { return stub_->UpdateInvoiceLineItem(context, request); });
}

absl::StatusOr<v1::ListBillsResponse> MaesnConnection::ListBills(
    CallContext& context, const v1::ListBillsRequest& request) {
  return ReadPage<v1::ListBillsResponse>(
      context, request,
      [&](const PagePosition& page) {
        return stub_->ListBills(context, request, page);
      },
      [](const v1::ListBillsResponse& r) { return r.bills_size(); });
}

absl::StatusOr<v1::CreateBillResponse> MaesnConnection::CreateBill(
    CallContext& context, const v1::CreateBillRequest& request) {
  return Write(context, request,
               [&] { return stub_->CreateBill(context, request); });
}

absl::StatusOr<v1::UpdateBillResponse> MaesnConnection::UpdateBill(
    CallContext& context, const v1::UpdateBillRequest& request) {
  return Write(context, request,
               [&] { return stub_->UpdateBill(context, request); });
}

absl::StatusOr<v1::DeleteBillResponse> MaesnConnection::DeleteBill(
    CallContext& context, const v1::DeleteBillRequest& request) {
  return Write(context, request,
               [&] { return stub_->DeleteBill(context, request); });
}

absl::StatusOr<v1::GetBillDocumentResponse> MaesnConnection::GetBillDocument(
    CallContext& context, const v1::GetBillDocumentRequest& request) {
  return Read(context, request,
              [&] { return stub_->GetBillDocument(context, request); });
}

absl::StatusOr<v1::ListBillLineItemsResponse>
MaesnConnection::ListBillLineItems(
    CallContext& context, const v1::ListBillLineItemsRequest& request) {
  return Read(context, request,
              [&] { return stub_->ListBillLineItems(context, request); });
}

absl::StatusOr<v1::CreateBillLineItemResponse>
MaesnConnection::CreateBillLineItem(
    CallContext& context, const v1::CreateBillLineItemRequest& request) {
  return Write(context, request,
               [&] { return stub_->CreateBillLineItem(context, request); });
}

absl::StatusOr<v1::UpdateBillLineItemResponse>
MaesnConnection::UpdateBillLineItem(
    CallContext& context, const v1::UpdateBillLineItemRequest& request) {
  return Write(context, request,
               [&] { return stub_->UpdateBillLineItem(context, request); });
}

}  // namespace maesn::gateway
