// Maesn bill and bill-line routes (docs/maesn-api.md §3).
//
//   GET    /accounting/bills                 page/limit (400 unless
//          5/10/20/50/100), lastModifiedAt, status, paymentStatus,
//          orderField, orderDir, rawData; meta.pagination
//   POST   /accounting/bills                 201; CreateBillRequestDto
//   GET    /accounting/bills/{billId}        A record seeded with
//          "dataAsArray" (the docs example, seed 004) comes back with `data`
//          as a one-element array; all others as an object (the spec's)
//   PUT    /accounting/bills/{billId}        200; replaces the bill (id and
//          createdDate stay)
//   DELETE /accounting/bills/{billId}        200; `data` is the id (a string)
//   GET    /accounting/bills/{billId}/document       the record's
//          "document" if it has one, else a generated base64 PDF
//   GET    /accounting/bills/{billId}/lineItems      all lines, no paging
//   POST   /accounting/bills/{billId}/lineItems      201; `data` is an array
//   PUT    /accounting/bills/{billId}/lineItems/{lineItemId}  200; array
// Enum-valued properties are checked against the spec's values and bill
// dimensions need name and categoryName (400).
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "resource_support.h"
#include "router.h"

namespace maesn::sim {
namespace {

// CreateBillRequestDto properties (all of them are BillResponseDto's too),
// lineItems aside.
constexpr std::initializer_list<const char*> kBillCopied = {
    "accountId",
    "addresses",
    "billDate",
    "billNumber",
    "contactId",
    "currency",
    "deliveryDate",
    "dueDate",
    "fileId",
    "journalCode",
    "name",
    "oneLineAddress",
    "paidDate",
    "paymentReference",
    "paymentTermCode",
    "paymentStatus",
    "paymentDays",
    "reference",
    "shippingDate",
    "shippingType",
    "status",
    "taxRule",
    "taxText",
    "totalDiscountAmount",
    "totalDiscountPercentage",
    "totalGrossAmount",
    "totalNetAmount",
    "totalTaxAmount"};
// CreateBillLineItemRequestDto properties, id aside.
constexpr std::initializer_list<const char*> kLineCopied = {
    "accountId",
    "accountNumber",
    "deferredEndDate",
    "deferredStartDate",
    "description",
    "dimensions",
    "itemId",
    "itemName",
    "quantity",
    "taxCode",
    "taxRatePercentage",
    "totalDiscountAmount",
    "totalDiscountPercentage",
    "totalGrossAmount",
    "totalNetAmount",
    "totalTaxAmount",
    "unitAmount",
    "unitDiscountAmount",
    "unitDiscountPercentage",
    "unitName"};

void CopyField(const Json& from, const char* key, Json& to, const char* as) {
  if (auto it = from.find(key); it != from.end()) to[as] = *it;
}

// A plausible QuickBooks-like upstream object, for rawData=true.
Json BillRawData(const Json& bill) {
  Json raw = Json::object();
  CopyField(bill, "id", raw, "Id");
  CopyField(bill, "billNumber", raw, "DocNumber");
  CopyField(bill, "billDate", raw, "TxnDate");
  CopyField(bill, "dueDate", raw, "DueDate");
  CopyField(bill, "totalGrossAmount", raw, "TotalAmt");
  if (auto currency = bill.find("currency"); currency != bill.end()) {
    raw["CurrencyRef"] = Json::object({{"value", *currency}});
  }
  raw["domain"] = "QBO";
  return raw;
}

Json LineRawData(const Json& line) {
  Json raw = Json::object();
  CopyField(line, "id", raw, "Id");
  CopyField(line, "description", raw, "Description");
  CopyField(line, "totalNetAmount", raw, "Amount");
  raw["DetailType"] = "AccountBasedExpenseLineDetail";
  return raw;
}

// Checks a line body (CreateBillLineItemRequestDto) at `path`.
void CheckLine(const Json& line, const std::string& path, FieldErrors& errors) {
  if (!line.is_object()) {
    errors.emplace_back(path, absl::StrCat(path, " must be an object"));
    return;
  }
  auto dims = line.find("dimensions");
  if (dims == line.end() || dims->is_null()) return;
  if (!dims->is_array()) {
    errors.emplace_back(path + ".dimensions", "dimensions must be an array");
    return;
  }
  int j = 0;
  for (const Json& dim : *dims) {
    const std::string dpath = absl::StrCat(path, ".dimensions.", j++);
    for (const char* key : {"name", "categoryName"}) {
      if (!dim.is_object() || !dim.contains(key) || !dim[key].is_string()) {
        errors.emplace_back(absl::StrCat(dpath, ".", key),
                            absl::StrCat(key, " must be a string"));
      }
    }
  }
}

// Checks a bill body (CreateBillRequestDto).
FieldErrors CheckBill(const Json& body) {
  FieldErrors errors;
  CheckEnumProperty(body, "status", "status", kDocumentStatuses, errors);
  CheckEnumProperty(body, "paymentStatus", "paymentStatus", kPaymentStatuses,
                    errors);
  CheckEnumProperty(body, "shippingType", "shippingType", kBillShippingTypes,
                    errors);
  CheckEnumProperty(body, "taxRule", "taxRule", kTaxRules, errors);
  if (auto addresses = body.find("addresses");
      addresses != body.end() && addresses->is_array()) {
    int i = 0;
    for (const Json& a : *addresses) {
      if (a.is_object()) {
        CheckEnumProperty(a, "type", absl::StrCat("addresses.", i, ".type"),
                          kAddressTypes, errors);
      }
      ++i;
    }
  }
  if (auto lines = body.find("lineItems");
      lines != body.end() && !lines->is_null()) {
    if (!lines->is_array()) {
      errors.emplace_back("lineItems", "lineItems must be an array");
    } else {
      int i = 0;
      for (const Json& line : *lines) {
        CheckLine(line, absl::StrCat("lineItems.", i++), errors);
      }
    }
  }
  return errors;
}

Json NewLine(const Json& body, std::string id, const std::string& created,
             const std::string& now) {
  Json line = Json::object();
  line["id"] = std::move(id);
  CopyProperties(body, kLineCopied, line);
  line["createdDate"] = created;
  line["updatedDate"] = now;
  return line;
}

// The BillResponseDto made from a create/PUT body.
Json NewBill(const Json& body, const std::string& id,
             const std::string& created, const std::string& now) {
  Json bill = Json::object();
  bill["id"] = id;
  CopyProperties(body, kBillCopied, bill);
  Json lines = Json::array();
  if (auto given = body.find("lineItems");
      given != body.end() && given->is_array()) {
    for (const Json& line : *given) {
      std::string line_id = line.contains("id") && line["id"].is_string()
                                ? line["id"].get<std::string>()
                                : NewLineId(lines, id, "id");
      lines.push_back(NewLine(line, std::move(line_id), created, now));
    }
  }
  bill["lineItems"] = std::move(lines);
  bill["createdDate"] = created;
  bill["updatedDate"] = now;
  return bill;
}

Record* FindBill(const ApiRequest& request, RouteContext& context) {
  Collection* bills = context.account.FindCollection("bills");
  return bills == nullptr ? nullptr
                          : bills->FindMutable(request.Param("billId"));
}

Json* FindLine(Json& bill, const std::string& line_id) {
  if (!bill.contains("lineItems") || !bill["lineItems"].is_array()) {
    return nullptr;
  }
  for (Json& line : bill["lineItems"]) {
    if (line.contains("id") && line["id"] == line_id) return &line;
  }
  return nullptr;
}

ApiResponse NotFound() { return ErrorResponse(404, "Bill not found"); }

ApiResponse BadBody() {
  return ValidationError({{"body", "the body must be a JSON object"}});
}

// --- Bills ------------------------------------------------------------------

ApiResponse GetBill(const ApiRequest& request, RouteContext& context) {
  const Record* record = FindBill(request, context);
  if (record == nullptr) return NotFound();
  return RecordResponse(request, *record, BillRawData);
}

ApiResponse ListBills(const ApiRequest& request, RouteContext& context) {
  FieldErrors errors;
  const PageParams page = ReadPageParams(request, errors);
  const ListFilter filter =
      ReadListFilter(request, kBillOrderFields, false, errors);
  if (!errors.empty()) return ValidationError(errors);
  std::vector<const Json*> all;
  if (Collection* bills = context.account.FindCollection("bills")) {
    for (const Record* r : bills->All()) all.push_back(&r->data);
  }
  return JsonResponse(200,
                      PagedEnvelope(SelectRecords(all, filter), page,
                                    request.QueryFlag("rawData"), BillRawData));
}

ApiResponse CreateBill(const ApiRequest& request, RouteContext& context) {
  std::optional<Json> body = ParseObjectBody(request);
  if (!body.has_value()) return BadBody();
  if (FieldErrors errors = CheckBill(*body); !errors.empty()) {
    return ValidationError(errors);
  }
  Collection* bills = context.account.FindCollection("bills");
  if (bills == nullptr) return ErrorResponse(500, "no bill store");
  const std::string now = NowString();
  Json bill = NewBill(*body, NewId(context.account, "SIM-BILL"), now, now);
  Record record;
  record.data = bill;
  if (absl::Status s = bills->Put(std::move(record)); !s.ok()) {
    return ErrorResponse(500, s.message());
  }
  return JsonResponse(201, Envelope(std::move(bill)));
}

ApiResponse UpdateBill(const ApiRequest& request, RouteContext& context) {
  Record* record = FindBill(request, context);
  if (record == nullptr) return NotFound();
  std::optional<Json> body = ParseObjectBody(request);
  if (!body.has_value()) return BadBody();
  if (FieldErrors errors = CheckBill(*body); !errors.empty()) {
    return ValidationError(errors);
  }
  const std::string created =
      record->data.contains("createdDate") &&
              record->data["createdDate"].is_string()
          ? record->data["createdDate"].get<std::string>()
          : NowString();
  record->data = NewBill(*body, request.Param("billId"), created, NowString());
  record->data_as_array = false;
  return JsonResponse(200, Envelope(record->data));
}

ApiResponse DeleteBill(const ApiRequest& request, RouteContext& context) {
  Collection* bills = context.account.FindCollection("bills");
  const std::string id = request.Param("billId");
  if (bills == nullptr || !bills->Erase(id)) return NotFound();
  return JsonResponse(200, Envelope(Json(id)));
}

ApiResponse GetBillDocument(const ApiRequest& request, RouteContext& context) {
  const Record* record = FindBill(request, context);
  if (record == nullptr) return NotFound();
  if (!record->document.is_null()) {
    return JsonResponse(200, Envelope(record->document));
  }
  const Json& bill = record->data;
  const std::string number =
      bill.contains("billNumber") && bill["billNumber"].is_string()
          ? bill["billNumber"].get<std::string>()
          : std::string();
  return JsonResponse(
      200, Envelope(DocumentFor("bill", request.Param("billId"), number)));
}

// --- Bill lines -------------------------------------------------------------

ApiResponse ListLines(const ApiRequest& request, RouteContext& context) {
  const Record* record = FindBill(request, context);
  if (record == nullptr) return NotFound();
  const Json& bill = record->data;
  Json lines = bill.contains("lineItems") && bill["lineItems"].is_array()
                   ? bill["lineItems"]
                   : Json::array();
  Json raw = nullptr;
  if (request.QueryFlag("rawData")) {
    raw = Json::array();
    for (const Json& line : lines) raw.push_back(LineRawData(line));
  }
  return JsonResponse(200, Envelope(std::move(lines), nullptr, std::move(raw)));
}

ApiResponse CreateLine(const ApiRequest& request, RouteContext& context) {
  Record* record = FindBill(request, context);
  if (record == nullptr) return NotFound();
  std::optional<Json> body = ParseObjectBody(request);
  if (!body.has_value()) return BadBody();
  FieldErrors errors;
  CheckLine(*body, "body", errors);
  if (!errors.empty()) return ValidationError(errors);
  Json& bill = record->data;
  const std::string now = NowString();
  const std::string bill_id = request.Param("billId");
  if (!bill.contains("lineItems") || !bill["lineItems"].is_array()) {
    bill["lineItems"] = Json::array();
  }
  std::string line_id = body->contains("id") && (*body)["id"].is_string()
                            ? (*body)["id"].get<std::string>()
                            : NewLineId(bill["lineItems"], bill_id, "id");
  Json line = NewLine(*body, std::move(line_id), now, now);
  bill["lineItems"].push_back(line);
  bill["updatedDate"] = now;
  return JsonResponse(201, Envelope(Json::array({std::move(line)})));
}

ApiResponse UpdateLine(const ApiRequest& request, RouteContext& context) {
  Record* record = FindBill(request, context);
  if (record == nullptr) return NotFound();
  const std::string line_id = request.Param("lineItemId");
  Json* line = FindLine(record->data, line_id);
  if (line == nullptr) return ErrorResponse(404, "Bill line not found");
  std::optional<Json> body = ParseObjectBody(request);
  if (!body.has_value()) return BadBody();
  FieldErrors errors;
  CheckLine(*body, "body", errors);
  if (!errors.empty()) return ValidationError(errors);
  const std::string created =
      line->contains("createdDate") && (*line)["createdDate"].is_string()
          ? (*line)["createdDate"].get<std::string>()
          : NowString();
  const std::string now = NowString();
  *line = NewLine(*body, line_id, created, now);
  record->data["updatedDate"] = now;
  return JsonResponse(200, Envelope(Json::array({*line})));
}

}  // namespace

void RegisterBillRoutes(Router& router) {
  router.Handle("GET", "/accounting/bills/{billId}", GetBill);
  router.Handle("GET", "/accounting/bills", ListBills);
  router.Handle("POST", "/accounting/bills", CreateBill);
  router.Handle("PUT", "/accounting/bills/{billId}", UpdateBill);
  router.Handle("DELETE", "/accounting/bills/{billId}", DeleteBill);
  router.Handle("GET", "/accounting/bills/{billId}/document", GetBillDocument);
  router.Handle("GET", "/accounting/bills/{billId}/lineItems", ListLines);
  router.Handle("POST", "/accounting/bills/{billId}/lineItems", CreateLine);
  router.Handle("PUT", "/accounting/bills/{billId}/lineItems/{lineItemId}",
                UpdateLine);
}

}  // namespace maesn::sim
