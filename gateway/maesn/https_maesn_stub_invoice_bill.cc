// HttpsMaesnStub: the invoice, invoice-line, bill and bill-line operations
// beyond GetInvoice/GetBill (api-notes §3-§6).
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gateway/common/errors.h"
#include "gateway/maesn/https_maesn_stub.h"
#include "gateway/maesn/path_builder.h"
#include "gateway/mapping/document_mapping.h"
#include "gateway/mapping/enum_spelling.h"
#include "gateway/mapping/envelope.h"
#include "gateway/mapping/request_body.h"
#include "gateway/mapping/time_format.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "google/protobuf/timestamp.pb.h"

namespace maesn::gateway {
namespace {

constexpr absl::string_view kInvoices = "/accounting/invoices";
constexpr absl::string_view kBills = "/accounting/bills";

// RFC 3339 UTC, as Maesn's ISO 8601 query parameters expect.
std::string TimeQuery(const google::protobuf::Timestamp& ts) {
  return mapping::FormatMaesnTime(absl::FromUnixSeconds(ts.seconds()) +
                                  absl::Nanoseconds(ts.nanos()));
}

// Maesn's spelling of an enum filter; empty (not sent) for UNSPECIFIED,
// which the service layer has already refused when it was set explicitly.
template <typename E>
std::string EnumQuery(E value) {
  return mapping::EnumToMaesn(*google::protobuf::GetEnumDescriptor<E>(),
                              static_cast<int>(value));
}

void Scope(Target& t, const std::string& environment_name,
           const std::string& company_id) {
  t.Query("environmentName", environment_name).Query("companyId", company_id);
}

void Paging(Target& t, const PagePosition& page) {
  t.Query("page", absl::StrCat(page.page));
  if (page.limit > 0) t.Query("limit", absl::StrCat(page.limit));
}

// The query of a page of invoices or bills: the filters both lists share
// (same field names), in Maesn's order.
template <typename Request>
void ListQuery(Target& t, const Request& request, const PagePosition& page) {
  Paging(t, page);
  if (request.has_modified_since()) {
    t.Query("lastModifiedAt", TimeQuery(request.modified_since()));
  }
  Scope(t, request.environment_name(), request.company_id());
  if (request.has_status()) t.Query("status", EnumQuery(request.status()));
  if (request.has_payment_status()) {
    t.Query("paymentStatus", EnumQuery(request.payment_status()));
  }
  t.QueryFlag("rawData", request.raw_data());
  if (request.has_order_by()) {
    t.Query("orderField", EnumQuery(request.order_by()));
  }
  if (request.has_order_direction()) {
    t.Query("orderDir", EnumQuery(request.order_direction()));
  }
}

}  // namespace

// --- Invoices ---------------------------------------------------------------

absl::StatusOr<v1::ListInvoicesResponse> HttpsMaesnStub::ListInvoices(
    CallContext& context, const v1::ListInvoicesRequest& request,
    const PagePosition& page) {
  constexpr absl::string_view kOp = "getInvoices";
  Target t(kInvoices);
  ListQuery(t, request, page);
  if (request.has_due_date_from()) {
    t.Query("dueDateFrom", TimeQuery(request.due_date_from()));
  }
  auto http = Call(context, kOp, "GET", t.str());
  if (!http.ok()) return http.status();
  v1::ListInvoicesResponse out;
  absl::Status s = mapping::ParseListResponse(
      http->body, out, "invoices", *out.mutable_meta(),
      request.raw_data() ? out.mutable_raw_data() : nullptr);
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::CreateInvoiceResponse> HttpsMaesnStub::CreateInvoice(
    CallContext& context, const v1::CreateInvoiceRequest& request) {
  constexpr absl::string_view kOp = "createInvoice";
  auto body = mapping::RequestBody(request.invoice(), "invoice");
  if (!body.ok()) return body.status();
  Target t(kInvoices);
  Scope(t, request.environment_name(), request.company_id());
  auto http = Call(context, kOp, "POST", t.str(), *std::move(body));
  if (!http.ok()) return http.status();
  v1::CreateInvoiceResponse out;
  absl::Status s =
      mapping::ParseRecordResponse(http->body, *out.mutable_invoice(),
                                   *out.mutable_meta(), nullptr, "invoice");
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::UpdateInvoiceResponse> HttpsMaesnStub::UpdateInvoice(
    CallContext& context, const v1::UpdateInvoiceRequest& request) {
  constexpr absl::string_view kOp = "patchInvoice";
  const absl::flat_hash_set<std::string> fields(
      request.update_mask().paths().begin(),
      request.update_mask().paths().end());
  auto body = mapping::RequestBody(request.invoice(), "invoice", &fields);
  if (!body.ok()) return body.status();
  Target t(kInvoices);
  t.Segment(request.invoice_id());
  Scope(t, request.environment_name(), request.company_id());
  auto http = Call(context, kOp, "PATCH", t.str(), *std::move(body));
  if (!http.ok()) return http.status();
  v1::UpdateInvoiceResponse out;
  absl::Status s =
      mapping::ParseRecordResponse(http->body, *out.mutable_invoice(),
                                   *out.mutable_meta(), nullptr, "invoice");
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::GetInvoiceDocumentResponse>
HttpsMaesnStub::GetInvoiceDocument(
    CallContext& context, const v1::GetInvoiceDocumentRequest& request) {
  constexpr absl::string_view kOp = "getInvoiceDocument";
  Target t(kInvoices);
  t.Segment(request.invoice_id()).Fixed("/document");
  Scope(t, request.environment_name(), request.company_id());
  auto http = Call(context, kOp, "GET", t.str());
  if (!http.ok()) return http.status();
  v1::GetInvoiceDocumentResponse out;
  absl::Status s = mapping::ParseDocumentResponse(
      http->body, *out.mutable_document(), *out.mutable_meta());
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::ListInvoiceLineItemsResponse>
HttpsMaesnStub::ListInvoiceLineItems(
    CallContext& context, const v1::ListInvoiceLineItemsRequest& request,
    const PagePosition& page) {
  constexpr absl::string_view kOp = "getLineItems";
  Target t(kInvoices);
  t.Segment(request.invoice_id()).Fixed("/lineItems");
  Paging(t, page);
  if (request.has_modified_since()) {
    t.Query("lastModifiedAt", TimeQuery(request.modified_since()));
  }
  Scope(t, request.environment_name(), request.company_id());
  t.QueryFlag("rawData", request.raw_data());
  auto http = Call(context, kOp, "GET", t.str());
  if (!http.ok()) return http.status();
  v1::ListInvoiceLineItemsResponse out;
  absl::Status s = mapping::ParseListResponse(
      http->body, out, "line_items", *out.mutable_meta(),
      request.raw_data() ? out.mutable_raw_data() : nullptr);
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::GetInvoiceLineItemResponse>
HttpsMaesnStub::GetInvoiceLineItem(
    CallContext& context, const v1::GetInvoiceLineItemRequest& request) {
  constexpr absl::string_view kOp = "getLineItem";
  Target t(kInvoices);
  t.Segment(request.invoice_id())
      .Fixed("/lineItems")
      .Segment(request.line_item_id());
  Scope(t, request.environment_name(), request.company_id());
  t.QueryFlag("rawData", request.raw_data());
  auto http = Call(context, kOp, "GET", t.str());
  if (!http.ok()) return http.status();
  v1::GetInvoiceLineItemResponse out;
  absl::Status s = mapping::ParseRecordResponse(
      http->body, *out.mutable_line_item(), *out.mutable_meta(),
      request.raw_data() ? out.mutable_raw_data() : nullptr, "line_item");
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::CreateInvoiceLineItemResponse>
HttpsMaesnStub::CreateInvoiceLineItem(
    CallContext& context, const v1::CreateInvoiceLineItemRequest& request) {
  constexpr absl::string_view kOp = "createLineItem";
  auto body = mapping::RequestBody(request.line_item(), "line_item");
  if (!body.ok()) return body.status();
  Target t(kInvoices);
  t.Segment(request.invoice_id()).Fixed("/lineItems");
  Scope(t, request.environment_name(), request.company_id());
  auto http = Call(context, kOp, "POST", t.str(), *std::move(body));
  if (!http.ok()) return http.status();
  v1::CreateInvoiceLineItemResponse out;
  absl::Status s =
      mapping::ParseRecordResponse(http->body, *out.mutable_line_item(),
                                   *out.mutable_meta(), nullptr, "line_item");
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::UpdateInvoiceLineItemResponse>
HttpsMaesnStub::UpdateInvoiceLineItem(
    CallContext& context, const v1::UpdateInvoiceLineItemRequest& request) {
  constexpr absl::string_view kOp = "patchLineItem";
  const absl::flat_hash_set<std::string> fields(
      request.update_mask().paths().begin(),
      request.update_mask().paths().end());
  auto body = mapping::RequestBody(request.line_item(), "line_item", &fields);
  if (!body.ok()) return body.status();
  Target t(kInvoices);
  t.Segment(request.invoice_id())
      .Fixed("/lineItems")
      .Segment(request.line_item_id());
  Scope(t, request.environment_name(), request.company_id());
  auto http = Call(context, kOp, "PATCH", t.str(), *std::move(body));
  if (!http.ok()) return http.status();
  v1::UpdateInvoiceLineItemResponse out;
  absl::Status s =
      mapping::ParseRecordResponse(http->body, *out.mutable_line_item(),
                                   *out.mutable_meta(), nullptr, "line_item");
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

// --- Bills ------------------------------------------------------------------

absl::StatusOr<v1::ListBillsResponse> HttpsMaesnStub::ListBills(
    CallContext& context, const v1::ListBillsRequest& request,
    const PagePosition& page) {
  constexpr absl::string_view kOp = "getBills";
  Target t(kBills);
  ListQuery(t, request, page);
  auto http = Call(context, kOp, "GET", t.str());
  if (!http.ok()) return http.status();
  v1::ListBillsResponse out;
  absl::Status s = mapping::ParseListResponse(
      http->body, out, "bills", *out.mutable_meta(),
      request.raw_data() ? out.mutable_raw_data() : nullptr);
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::CreateBillResponse> HttpsMaesnStub::CreateBill(
    CallContext& context, const v1::CreateBillRequest& request) {
  constexpr absl::string_view kOp = "createBill";
  auto body = mapping::RequestBody(request.bill(), "bill");
  if (!body.ok()) return body.status();
  Target t(kBills);
  Scope(t, request.environment_name(), request.company_id());
  auto http = Call(context, kOp, "POST", t.str(), *std::move(body));
  if (!http.ok()) return http.status();
  v1::CreateBillResponse out;
  absl::Status s = mapping::ParseRecordResponse(
      http->body, *out.mutable_bill(), *out.mutable_meta(), nullptr, "bill");
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::UpdateBillResponse> HttpsMaesnStub::UpdateBill(
    CallContext& context, const v1::UpdateBillRequest& request) {
  constexpr absl::string_view kOp = "updateBill";
  auto body = mapping::RequestBody(request.bill(), "bill");
  if (!body.ok()) return body.status();
  Target t(kBills);
  t.Segment(request.bill_id());
  Scope(t, request.environment_name(), request.company_id());
  auto http = Call(context, kOp, "PUT", t.str(), *std::move(body));
  if (!http.ok()) return http.status();
  v1::UpdateBillResponse out;
  absl::Status s = mapping::ParseRecordResponse(
      http->body, *out.mutable_bill(), *out.mutable_meta(), nullptr, "bill");
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::DeleteBillResponse> HttpsMaesnStub::DeleteBill(
    CallContext& context, const v1::DeleteBillRequest& request) {
  constexpr absl::string_view kOp = "deleteBill";
  Target t(kBills);
  t.Segment(request.bill_id());
  Scope(t, request.environment_name(), request.company_id());
  auto http = Call(context, kOp, "DELETE", t.str());
  if (!http.ok()) return http.status();
  v1::DeleteBillResponse out;
  std::string result;
  bool has_result = false;
  absl::Status s = mapping::ParseStringResponse(
      http->body, &result, &has_result, *out.mutable_meta());
  if (!s.ok()) return Tag(std::move(s), kOp);
  if (has_result) out.set_result(std::move(result));
  return out;
}

absl::StatusOr<v1::GetBillDocumentResponse> HttpsMaesnStub::GetBillDocument(
    CallContext& context, const v1::GetBillDocumentRequest& request) {
  constexpr absl::string_view kOp = "getBillDocument";
  Target t(kBills);
  t.Segment(request.bill_id()).Fixed("/document");
  Scope(t, request.environment_name(), request.company_id());
  auto http = Call(context, kOp, "GET", t.str());
  if (!http.ok()) return http.status();
  v1::GetBillDocumentResponse out;
  absl::Status s = mapping::ParseDocumentResponse(
      http->body, *out.mutable_document(), *out.mutable_meta());
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::ListBillLineItemsResponse> HttpsMaesnStub::ListBillLineItems(
    CallContext& context, const v1::ListBillLineItemsRequest& request) {
  constexpr absl::string_view kOp = "getBillLineItems";
  Target t(kBills);
  t.Segment(request.bill_id()).Fixed("/lineItems");
  Scope(t, request.environment_name(), request.company_id());
  t.QueryFlag("rawData", request.raw_data());
  auto http = Call(context, kOp, "GET", t.str());
  if (!http.ok()) return http.status();
  v1::ListBillLineItemsResponse out;
  absl::Status s = mapping::ParseListResponse(
      http->body, out, "line_items", *out.mutable_meta(),
      request.raw_data() ? out.mutable_raw_data() : nullptr);
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::CreateBillLineItemResponse>
HttpsMaesnStub::CreateBillLineItem(
    CallContext& context, const v1::CreateBillLineItemRequest& request) {
  constexpr absl::string_view kOp = "createBillLineItem";
  auto body = mapping::RequestBody(request.line_item(), "line_item");
  if (!body.ok()) return body.status();
  Target t(kBills);
  t.Segment(request.bill_id()).Fixed("/lineItems");
  Scope(t, request.environment_name(), request.company_id());
  auto http = Call(context, kOp, "POST", t.str(), *std::move(body));
  if (!http.ok()) return http.status();
  v1::CreateBillLineItemResponse out;
  absl::Status s = mapping::ParseListResponse(http->body, out, "line_items",
                                              *out.mutable_meta(), nullptr);
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

absl::StatusOr<v1::UpdateBillLineItemResponse>
HttpsMaesnStub::UpdateBillLineItem(
    CallContext& context, const v1::UpdateBillLineItemRequest& request) {
  constexpr absl::string_view kOp = "updateBillLineItem";
  auto body = mapping::RequestBody(request.line_item(), "line_item");
  if (!body.ok()) return body.status();
  Target t(kBills);
  t.Segment(request.bill_id())
      .Fixed("/lineItems")
      .Segment(request.line_item_id());
  Scope(t, request.environment_name(), request.company_id());
  auto http = Call(context, kOp, "PUT", t.str(), *std::move(body));
  if (!http.ok()) return http.status();
  v1::UpdateBillLineItemResponse out;
  absl::Status s = mapping::ParseListResponse(http->body, out, "line_items",
                                              *out.mutable_meta(), nullptr);
  if (!s.ok()) return Tag(std::move(s), kOp);
  return out;
}

}  // namespace maesn::gateway
