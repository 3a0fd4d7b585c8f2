// Maesn invoice and invoice-line routes (docs/maesn-api.md §3).
//
//   GET   /accounting/invoices                  page/limit (400 unless
//         5/10/20/50/100), lastModifiedAt, status, paymentStatus,
//         dueDateFrom, orderField, orderDir, rawData; meta.pagination
//   POST  /accounting/invoices                  201; invoiceDate and
//         lineItems[].quantity required (400); lines get ids, totals are
//         computed; a client invoiceId that exists is 409
//   GET   /accounting/invoices/{invoiceId}
//   PATCH /accounting/invoices/{invoiceId}       PatchInvoiceRequestDto: a
//         property sent (null included) replaces the stored one; lineItems
//         change existing lines named by lineItemId (400 if unknown)
//   GET   /accounting/invoices/{invoiceId}/document     the record's
//         "document" if it has one, else a generated base64 PDF
//   GET   /accounting/invoices/{invoiceId}/lineItems    paged, lastModifiedAt
//   POST  /accounting/invoices/{invoiceId}/lineItems    201; quantity required
//   GET   /accounting/invoices/{invoiceId}/lineItems/{lineItemId}
//   PATCH /accounting/invoices/{invoiceId}/lineItems/{lineItemId}
// Enum-valued properties are checked against the spec's values (400).
// Request-only properties (e.g. taxText, shippingType) are accepted and
// not stored: InvoiceResponseDto has no such property.
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "resource_support.h"
#include "router.h"

namespace maesn::sim {
namespace {

// InvoiceResponseDto properties a create body carries over.
constexpr std::initializer_list<const char*> kCreateCopied = {
    "addresses",     "contactId",
    "currency",      "dueDate",
    "fileId",        "invoiceDate",
    "invoiceNumber", "invoiceType",
    "journalCode",   "lineAmountTypes",
    "name",          "oneLineAddress",
    "paidDate",      "paymentTermDuration",
    "paymentTermId", "reference",
    "shippingDate",  "status",
    "taxRule"};
// InvoiceResponseDto properties a PATCH body may change (lineItems aside).
constexpr std::initializer_list<const char*> kPatchable = {
    "contactId",
    "name",
    "reference",
    "currency",
    "invoiceDate",
    "journalCode",
    "paymentTermId",
    "fileId",
    "status",
    "invoiceType",
    "oneLineAddress",
    "addresses",
    "taxRule",
    "lineAmountTypes",
    "dueDate",
    "paidDate",
    "paymentTermDuration",
    "shippingDate"};
// LineItemResponseDto properties that create/PATCH line bodies carry.
constexpr std::initializer_list<const char*> kLineCopied = {
    "accountId",   "description",
    "dimensions",  "discountItemPercentage",
    "grossAmount", "itemId",
    "name",        "quantity",
    "taxCode",     "taxRatePercentage",
    "unitAmount"};

void CopyField(const Json& from, const char* key, Json& to, const char* as) {
  if (auto it = from.find(key); it != from.end()) to[as] = *it;
}

// A plausible QuickBooks-like upstream object, for rawData=true.
Json InvoiceRawData(const Json& invoice) {
  Json raw = Json::object();
  CopyField(invoice, "invoiceId", raw, "Id");
  CopyField(invoice, "invoiceNumber", raw, "DocNumber");
  CopyField(invoice, "invoiceDate", raw, "TxnDate");
  CopyField(invoice, "dueDate", raw, "DueDate");
  CopyField(invoice, "totalAmount", raw, "TotalAmt");
  if (auto currency = invoice.find("currency"); currency != invoice.end()) {
    raw["CurrencyRef"] = Json::object({{"value", *currency}});
  }
  raw["domain"] = "QBO";
  return raw;
}

Json LineRawData(const Json& line) {
  Json raw = Json::object();
  CopyField(line, "lineItemId", raw, "Id");
  CopyField(line, "description", raw, "Description");
  CopyField(line, "itemsAmount", raw, "Amount");
  CopyField(line, "quantity", raw, "Qty");
  CopyField(line, "unitAmount", raw, "UnitPrice");
  raw["DetailType"] = "SalesItemLineDetail";
  return raw;
}

double Round2(double x) { return std::round(x * 100.0) / 100.0; }

bool IsNumber(const Json& o, const char* key) {
  return o.contains(key) && o[key].is_number();
}

// Fills itemsAmount, discountItemAmount and (unless given) grossAmount from
// quantity, unitAmount, discountItemPercentage and taxRatePercentage.
void ComputeLine(Json& line) {
  if (!IsNumber(line, "quantity") || !IsNumber(line, "unitAmount")) return;
  const double items =
      Round2(line["quantity"].get<double>() * line["unitAmount"].get<double>());
  line["itemsAmount"] = items;
  double discount = 0;
  if (IsNumber(line, "discountItemPercentage")) {
    discount =
        Round2(items * line["discountItemPercentage"].get<double>() / 100.0);
    line["discountItemAmount"] = discount;
  }
  if (!IsNumber(line, "grossAmount")) {
    const double rate = IsNumber(line, "taxRatePercentage")
                            ? line["taxRatePercentage"].get<double>()
                            : 0.0;
    line["grossAmount"] = Round2((items - discount) * (1 + rate / 100.0));
  }
}

// Recomputes the invoice totals from its lines.
void ComputeTotals(Json& invoice) {
  if (!invoice.contains("lineItems") || !invoice["lineItems"].is_array()) {
    return;
  }
  double net = 0, gross = 0;
  for (const Json& line : invoice["lineItems"]) {
    if (IsNumber(line, "itemsAmount")) net += line["itemsAmount"].get<double>();
    if (IsNumber(line, "grossAmount"))
      gross += line["grossAmount"].get<double>();
  }
  invoice["sumNetAmount"] = Round2(net);
  invoice["totalAmount"] = Round2(gross);
  invoice["totalTaxAmount"] = Round2(gross - net);
}

Json NewLine(const Json& body, std::string id, const std::string& now) {
  Json line = Json::object();
  line["lineItemId"] = std::move(id);
  CopyProperties(body, kLineCopied, line);
  line["createdDate"] = now;
  line["updatedDate"] = now;
  ComputeLine(line);
  return line;
}

// Applies a line change (PatchLineItemRequest / PatchLineItemRequestDto).
void PatchLine(const Json& change, Json& line, const std::string& now) {
  for (const char* key : kLineCopied) {
    if (auto it = change.find(key); it != change.end()) line[key] = *it;
  }
  if (!change.contains("grossAmount")) line.erase("grossAmount");
  ComputeLine(line);
  line["updatedDate"] = now;
}

// The stored line `line_id` of `invoice`, or nullptr.
Json* FindLine(Json& invoice, const std::string& line_id) {
  if (!invoice.contains("lineItems") || !invoice["lineItems"].is_array()) {
    return nullptr;
  }
  for (Json& line : invoice["lineItems"]) {
    if (line.contains("lineItemId") && line["lineItemId"] == line_id) {
      return &line;
    }
  }
  return nullptr;
}

Record* FindInvoice(const ApiRequest& request, RouteContext& context) {
  Collection* invoices = context.account.FindCollection("invoices");
  return invoices == nullptr
             ? nullptr
             : invoices->FindMutable(request.Param("invoiceId"));
}

ApiResponse NotFound() { return ErrorResponse(404, "Invoice not found"); }

ApiResponse BadBody() {
  return ValidationError({{"body", "the body must be a JSON object"}});
}

// --- Invoices ---------------------------------------------------------------

ApiResponse GetInvoice(const ApiRequest& request, RouteContext& context) {
  const Record* record = FindInvoice(request, context);
  if (record == nullptr) return NotFound();
  return RecordResponse(request, *record, InvoiceRawData);
}

ApiResponse ListInvoices(const ApiRequest& request, RouteContext& context) {
  FieldErrors errors;
  const PageParams page = ReadPageParams(request, errors);
  const ListFilter filter =
      ReadListFilter(request, kInvoiceOrderFields, true, errors);
  if (!errors.empty()) return ValidationError(errors);
  std::vector<const Json*> all;
  if (Collection* invoices = context.account.FindCollection("invoices")) {
    for (const Record* r : invoices->All()) all.push_back(&r->data);
  }
  return JsonResponse(
      200, PagedEnvelope(SelectRecords(all, filter), page,
                         request.QueryFlag("rawData"), InvoiceRawData));
}

ApiResponse CreateInvoice(const ApiRequest& request, RouteContext& context) {
  std::optional<Json> body = ParseObjectBody(request);
  if (!body.has_value()) return BadBody();
  FieldErrors errors;
  if (!body->contains("invoiceDate") || !JsonTime((*body)["invoiceDate"])) {
    errors.emplace_back("invoiceDate",
                        "invoiceDate must be an ISO 8601 date string");
  }
  if (!body->contains("lineItems") || !(*body)["lineItems"].is_array()) {
    errors.emplace_back("lineItems", "lineItems must be an array");
  } else {
    int i = 0;
    for (const Json& line : (*body)["lineItems"]) {
      if (!line.is_object() || !IsNumber(line, "quantity")) {
        errors.emplace_back(absl::StrCat("lineItems.", i, ".quantity"),
                            "quantity must be a number");
      }
      ++i;
    }
  }
  CheckEnumProperty(*body, "status", "status", kDocumentStatuses, errors);
  CheckEnumProperty(*body, "invoiceType", "invoiceType", kInvoiceTypes, errors);
  CheckEnumProperty(*body, "shippingType", "shippingType",
                    kInvoiceShippingTypes, errors);
  CheckEnumProperty(*body, "taxRule", "taxRule", kTaxRules, errors);
  if (!errors.empty()) return ValidationError(errors);

  Collection* invoices = context.account.FindCollection("invoices");
  if (invoices == nullptr) return ErrorResponse(500, "no invoice store");
  std::string id;
  if (auto given = body->find("invoiceId");
      given != body->end() && given->is_string() && !given->empty()) {
    id = given->get<std::string>();
    if (invoices->Find(id) != nullptr) {
      return ErrorResponse(409, "An invoice with this invoiceId exists");
    }
  } else {
    id = NewId(context.account, "SIM-INV");
  }
  const std::string now = NowString();
  Json invoice = Json::object();
  invoice["invoiceId"] = id;
  CopyProperties(*body, kCreateCopied, invoice);
  if (!invoice.contains("status")) invoice["status"] = "DRAFT";
  invoice["createdDate"] = now;
  invoice["updatedDate"] = now;
  Json lines = Json::array();
  int n = 1;
  for (const Json& line : (*body)["lineItems"]) {
    lines.push_back(NewLine(line, absl::StrCat(id, "-L", n++), now));
  }
  invoice["lineItems"] = std::move(lines);
  ComputeTotals(invoice);
  if (IsNumber(*body, "discountPercentage")) {
    invoice["discountAmount"] =
        Round2(invoice["sumNetAmount"].get<double>() *
               (*body)["discountPercentage"].get<double>() / 100.0);
  }
  Record record;
  record.data = invoice;
  if (absl::Status s = invoices->Put(std::move(record)); !s.ok()) {
    return ErrorResponse(500, s.message());
  }
  return JsonResponse(201, Envelope(std::move(invoice)));
}

ApiResponse PatchInvoice(const ApiRequest& request, RouteContext& context) {
  Record* record = FindInvoice(request, context);
  if (record == nullptr) return NotFound();
  std::optional<Json> body = ParseObjectBody(request);
  if (!body.has_value()) return BadBody();
  Json& invoice = record->data;
  FieldErrors errors;
  CheckEnumProperty(*body, "status", "status", kPatchInvoiceStatuses, errors);
  CheckEnumProperty(*body, "invoiceType", "invoiceType", kInvoiceTypes, errors);
  CheckEnumProperty(*body, "shippingType", "shippingType",
                    kInvoiceShippingTypes, errors);
  CheckEnumProperty(*body, "taxRule", "taxRule", kPatchTaxRules, errors);
  CheckEnumProperty(*body, "lineAmountTypes", "lineAmountTypes",
                    kLineAmountTypes, errors);
  auto changes = body->find("lineItems");
  if (changes != body->end() && !changes->is_null()) {
    if (!changes->is_array()) {
      errors.emplace_back("lineItems", "lineItems must be an array");
    } else {
      int i = 0;
      for (const Json& change : *changes) {
        const std::string path = absl::StrCat("lineItems.", i++);
        if (!change.is_object() || !change.contains("lineItemId") ||
            !change["lineItemId"].is_string()) {
          errors.emplace_back(path + ".lineItemId",
                              "lineItemId must be a string");
          continue;
        }
        if (FindLine(invoice, change["lineItemId"].get<std::string>()) ==
            nullptr) {
          errors.emplace_back(path + ".lineItemId",
                              "lineItemId must name a line of the invoice");
        }
        CheckEnumProperty(change, "type", path + ".type", kLineTypes, errors);
      }
    }
  }
  if (!errors.empty()) return ValidationError(errors);

  const std::string now = NowString();
  for (const char* key : kPatchable) {
    if (auto it = body->find(key); it != body->end()) invoice[key] = *it;
  }
  if (changes != body->end()) {
    if (changes->is_null()) {
      invoice["lineItems"] = nullptr;
    } else {
      for (const Json& change : *changes) {
        PatchLine(change,
                  *FindLine(invoice, change["lineItemId"].get<std::string>()),
                  now);
      }
    }
    ComputeTotals(invoice);
  }
  invoice["updatedDate"] = now;
  return JsonResponse(200, Envelope(invoice));
}

ApiResponse GetInvoiceDocument(const ApiRequest& request,
                               RouteContext& context) {
  const Record* record = FindInvoice(request, context);
  if (record == nullptr) return NotFound();
  if (!record->document.is_null()) {
    return JsonResponse(200, Envelope(record->document));
  }
  const Json& invoice = record->data;
  const std::string number =
      invoice.contains("invoiceNumber") && invoice["invoiceNumber"].is_string()
          ? invoice["invoiceNumber"].get<std::string>()
          : std::string();
  return JsonResponse(200, Envelope(DocumentFor(
                               "invoice", request.Param("invoiceId"), number)));
}

// --- Invoice lines ----------------------------------------------------------

ApiResponse ListLines(const ApiRequest& request, RouteContext& context) {
  Record* record = FindInvoice(request, context);
  if (record == nullptr) return NotFound();
  FieldErrors errors;
  const PageParams page = ReadPageParams(request, errors);
  ListFilter filter;
  filter.modified_after = ReadTimeParam(request, "lastModifiedAt", errors);
  if (!errors.empty()) return ValidationError(errors);
  std::vector<const Json*> all;
  const Json& invoice = record->data;
  if (invoice.contains("lineItems") && invoice["lineItems"].is_array()) {
    for (const Json& line : invoice["lineItems"]) all.push_back(&line);
  }
  return JsonResponse(200,
                      PagedEnvelope(SelectRecords(all, filter), page,
                                    request.QueryFlag("rawData"), LineRawData));
}

ApiResponse GetLine(const ApiRequest& request, RouteContext& context) {
  Record* record = FindInvoice(request, context);
  if (record == nullptr) return NotFound();
  const Json* line = FindLine(record->data, request.Param("lineItemId"));
  if (line == nullptr) return ErrorResponse(404, "Line item not found");
  return JsonResponse(200,
                      Envelope(*line, nullptr,
                               request.QueryFlag("rawData") ? LineRawData(*line)
                                                            : Json(nullptr)));
}

ApiResponse CreateLine(const ApiRequest& request, RouteContext& context) {
  Record* record = FindInvoice(request, context);
  if (record == nullptr) return NotFound();
  std::optional<Json> body = ParseObjectBody(request);
  if (!body.has_value()) return BadBody();
  if (!IsNumber(*body, "quantity")) {
    return ValidationError({{"quantity", "quantity must be a number"}});
  }
  Json& invoice = record->data;
  const std::string now = NowString();
  if (!invoice.contains("lineItems") || !invoice["lineItems"].is_array()) {
    invoice["lineItems"] = Json::array();
  }
  Json line = NewLine(
      *body,
      NewLineId(invoice["lineItems"], request.Param("invoiceId"), "lineItemId"),
      now);
  invoice["lineItems"].push_back(line);
  ComputeTotals(invoice);
  invoice["updatedDate"] = now;
  return JsonResponse(201, Envelope(std::move(line)));
}

ApiResponse PatchLineRoute(const ApiRequest& request, RouteContext& context) {
  Record* record = FindInvoice(request, context);
  if (record == nullptr) return NotFound();
  Json* line = FindLine(record->data, request.Param("lineItemId"));
  if (line == nullptr) return ErrorResponse(404, "Line item not found");
  std::optional<Json> body = ParseObjectBody(request);
  if (!body.has_value()) return BadBody();
  FieldErrors errors;
  CheckEnumProperty(*body, "type", "type", kLineTypes, errors);
  if (!errors.empty()) return ValidationError(errors);
  const std::string now = NowString();
  PatchLine(*body, *line, now);
  Json result = *line;
  ComputeTotals(record->data);
  record->data["updatedDate"] = now;
  return JsonResponse(200, Envelope(std::move(result)));
}

}  // namespace

void RegisterInvoiceRoutes(Router& router) {
  router.Handle("GET", "/accounting/invoices/{invoiceId}", GetInvoice);
  router.Handle("GET", "/accounting/invoices", ListInvoices);
  router.Handle("POST", "/accounting/invoices", CreateInvoice);
  router.Handle("PATCH", "/accounting/invoices/{invoiceId}", PatchInvoice);
  router.Handle("GET", "/accounting/invoices/{invoiceId}/document",
                GetInvoiceDocument);
  router.Handle("GET", "/accounting/invoices/{invoiceId}/lineItems", ListLines);
  router.Handle("POST", "/accounting/invoices/{invoiceId}/lineItems",
                CreateLine);
  router.Handle("GET",
                "/accounting/invoices/{invoiceId}/lineItems/{lineItemId}",
                GetLine);
  router.Handle("PATCH",
                "/accounting/invoices/{invoiceId}/lineItems/{lineItemId}",
                PatchLineRoute);
}

}  // namespace maesn::sim
