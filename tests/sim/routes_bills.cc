// Maesn bill routes (api-notes §5).
//
// Implemented: GET /accounting/bills/{billId}. A record seeded with
// "dataAsArray" (the docs example, seed 004) comes back with `data` as a
// one-element array; all others as an object (the spec's shape).
// Later: list, create (POST, 201), PUT, DELETE (data is a string) and
// GET .../{billId}/document; register them here.
#include <string>

#include "router.h"

namespace maesn::sim {
namespace {

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

ApiResponse GetBill(const ApiRequest& request, RouteContext& context) {
  Collection* bills = context.account.FindCollection("bills");
  const Record* record =
      bills == nullptr ? nullptr : bills->Find(request.Param("billId"));
  if (record == nullptr) return ErrorResponse(404, "Bill not found");
  return RecordResponse(request, *record, BillRawData);
}

}  // namespace

void RegisterBillRoutes(Router& router) {
  router.Handle("GET", "/accounting/bills/{billId}", GetBill);
}

}  // namespace maesn::sim
