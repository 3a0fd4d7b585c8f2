// Maesn invoice routes (api-notes §3).
//
// Implemented: GET /accounting/invoices/{invoiceId}.
// Later: list (GET /accounting/invoices with page/limit/filters), create
// (POST, 201), PATCH, and GET .../{invoiceId}/document; register them here.
#include <string>

#include "router.h"

namespace maesn::sim {
namespace {

// Copies `from[key]` into `to[as]` when present.
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

ApiResponse GetInvoice(const ApiRequest& request, RouteContext& context) {
  Collection* invoices = context.account.FindCollection("invoices");
  const Record* record = invoices == nullptr
                             ? nullptr
                             : invoices->Find(request.Param("invoiceId"));
  if (record == nullptr) return ErrorResponse(404, "Invoice not found");
  return RecordResponse(request, *record, InvoiceRawData);
}

}  // namespace

void RegisterInvoiceRoutes(Router& router) {
  router.Handle("GET", "/accounting/invoices/{invoiceId}", GetInvoice);
}

}  // namespace maesn::sim
