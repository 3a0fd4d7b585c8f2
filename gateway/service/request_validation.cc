#include "gateway/service/request_validation.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gateway/common/errors.h"
#include "gateway/service/validation.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/generated_enum_reflection.h"
#include "google/protobuf/timestamp.pb.h"

namespace maesn::gateway {
namespace {

// Collects the field violations of a request body.
class Violations {
 public:
  void Add(std::string field, std::string description) {
    v_.push_back({std::move(field), std::move(description)});
  }
  absl::Status Done() { return InvalidFields(std::move(v_)); }

 private:
  std::vector<FieldViolation> v_;
};

// The first failing check, or OK.
absl::Status First(std::initializer_list<absl::Status> checks) {
  for (const absl::Status& s : checks) {
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status Scope(const std::string& company_id,
                   const std::string& environment_name) {
  return First({ValidateOptional("company_id", company_id),
                ValidateOptional("environment_name", environment_name)});
}

absl::Status PageSize(std::int32_t page_size) {
  if (page_size < 0) return InvalidField("page_size", "must not be negative");
  return absl::OkStatus();
}

// A timestamp filter: RFC 3339 can only carry years 0001 to 9999.
absl::Status Time(const char* field, bool has,
                  const google::protobuf::Timestamp& ts) {
  if (!has) return absl::OkStatus();
  if (ts.seconds() < -62135596800 || ts.seconds() > 253402300799 ||
      ts.nanos() < 0 || ts.nanos() > 999999999) {
    return InvalidField(field,
                        "is not a valid timestamp (years 0001 to 9999, nanos "
                        "0 to 999999999)");
  }
  return absl::OkStatus();
}

// An optional enum filter that is set must name a real value: an explicit
// _UNSPECIFIED is ambiguous (leave the field unset for "no filter").
template <typename E>
absl::Status EnumFilter(const char* field, bool has, E value) {
  if (!has) return absl::OkStatus();
  const auto* type = google::protobuf::GetEnumDescriptor<E>();
  const int number = static_cast<int>(value);
  if (number == 0) {
    return InvalidField(
        field, absl::StrCat("must not be ", type->FindValueByNumber(0)->name(),
                            " when set; leave it unset for "
                            "no filter"));
  }
  if (type->FindValueByNumber(number) == nullptr) {
    return InvalidField(field,
                        absl::StrCat("unknown ", type->name(), " ", number));
  }
  return absl::OkStatus();
}

// An update mask names top-level fields of `target`, at least one.
void CheckMask(const google::protobuf::FieldMask& mask,
               const google::protobuf::Descriptor& target, Violations& v) {
  if (mask.paths().empty()) {
    v.Add("update_mask", absl::StrCat("must name at least one field of ",
                                      target.name(), " to change"));
    return;
  }
  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& path = mask.paths(i);
    const std::string field = absl::StrCat("update_mask.paths[", i, "]");
    if (path == "*") {
      v.Add(field,
            "the wildcard is not accepted: name each field to change (an "
            "unset named field is sent as null)");
    } else if (absl::StrContains(path, '.')) {
      v.Add(field, absl::StrCat("\"", path,
                                "\" names a nested field; only "
                                "top-level fields of ",
                                target.name(), " can be named"));
    } else if (target.FindFieldByName(path) == nullptr) {
      v.Add(field,
            absl::StrCat("unknown field \"", path, "\" of ", target.name()));
    }
  }
}

bool MaskNames(const google::protobuf::FieldMask& mask,
               absl::string_view field) {
  for (const std::string& p : mask.paths()) {
    if (p == field) return true;
  }
  return false;
}

void CheckInvoiceLine(const v1::NewInvoiceLineItem& line,
                      const std::string& path, Violations& v) {
  if (!line.has_quantity()) {
    v.Add(absl::StrCat(path, ".quantity"), "is required by Maesn");
  }
}

void CheckBillDimensions(
    const google::protobuf::RepeatedPtrField<v1::BillDimension>& dimensions,
    const std::string& path, Violations& v) {
  for (int j = 0; j < dimensions.size(); ++j) {
    const std::string dim = absl::StrCat(path, ".dimensions[", j, "]");
    if (!dimensions[j].has_name()) {
      v.Add(absl::StrCat(dim, ".name"), "is required by Maesn");
    }
    if (!dimensions[j].has_category_name()) {
      v.Add(absl::StrCat(dim, ".category_name"), "is required by Maesn");
    }
  }
}

void CheckNewBill(const v1::NewBill& bill, Violations& v) {
  for (int i = 0; i < bill.line_items_size(); ++i) {
    CheckBillDimensions(bill.line_items(i).dimensions(),
                        absl::StrCat("bill.line_items[", i, "]"), v);
  }
}

// The filters of a list of invoices, shared by ListInvoices and
// StreamInvoices (same field names).
template <typename Request>
absl::Status InvoiceListFilters(const Request& r) {
  return First(
      {Scope(r.company_id(), r.environment_name()), PageSize(r.page_size()),
       Time("modified_since", r.has_modified_since(), r.modified_since()),
       EnumFilter("status", r.has_status(), r.status()),
       EnumFilter("payment_status", r.has_payment_status(), r.payment_status()),
       Time("due_date_from", r.has_due_date_from(), r.due_date_from()),
       EnumFilter("order_by", r.has_order_by(), r.order_by()),
       EnumFilter("order_direction", r.has_order_direction(),
                  r.order_direction())});
}

// The filters of a list of bills, shared by ListBills and StreamBills.
template <typename Request>
absl::Status BillListFilters(const Request& r) {
  return First(
      {Scope(r.company_id(), r.environment_name()), PageSize(r.page_size()),
       Time("modified_since", r.has_modified_since(), r.modified_since()),
       EnumFilter("status", r.has_status(), r.status()),
       EnumFilter("payment_status", r.has_payment_status(), r.payment_status()),
       EnumFilter("order_by", r.has_order_by(), r.order_by()),
       EnumFilter("order_direction", r.has_order_direction(),
                  r.order_direction())});
}

}  // namespace

// --- Invoices ---------------------------------------------------------------

absl::Status ValidateRequest(const v1::ListInvoicesRequest& r) {
  return InvoiceListFilters(r);
}

absl::Status ValidateRequest(const v1::StreamInvoicesRequest& r) {
  return InvoiceListFilters(r);
}

absl::Status ValidateRequest(const v1::CreateInvoiceRequest& r) {
  if (auto s = Scope(r.company_id(), r.environment_name()); !s.ok()) return s;
  Violations v;
  if (!r.has_invoice()) {
    v.Add("invoice", "is required: the invoice to create");
    return v.Done();
  }
  const v1::NewInvoice& invoice = r.invoice();
  if (!invoice.has_invoice_date()) {
    v.Add("invoice.invoice_date", "is required by Maesn");
  }
  if (invoice.line_items().empty()) {
    v.Add("invoice.line_items", "is required by Maesn: at least one line");
  }
  for (int i = 0; i < invoice.line_items_size(); ++i) {
    CheckInvoiceLine(invoice.line_items(i),
                     absl::StrCat("invoice.line_items[", i, "]"), v);
  }
  return v.Done();
}

absl::Status ValidateRequest(const v1::UpdateInvoiceRequest& r) {
  if (auto s = First({ValidateId("invoice_id", r.invoice_id()),
                      Scope(r.company_id(), r.environment_name())});
      !s.ok()) {
    return s;
  }
  Violations v;
  CheckMask(r.update_mask(), *v1::InvoiceUpdate::descriptor(), v);
  if (MaskNames(r.update_mask(), "line_items")) {
    for (int i = 0; i < r.invoice().line_items_size(); ++i) {
      if (r.invoice().line_items(i).line_item_id().empty()) {
        v.Add(absl::StrCat("invoice.line_items[", i, "].line_item_id"),
              "is required by Maesn to name the line to change");
      }
    }
  }
  return v.Done();
}

absl::Status ValidateRequest(const v1::GetInvoiceDocumentRequest& r) {
  return First({ValidateId("invoice_id", r.invoice_id()),
                Scope(r.company_id(), r.environment_name())});
}

absl::Status ValidateRequest(const v1::ListInvoiceLineItemsRequest& r) {
  return First(
      {ValidateId("invoice_id", r.invoice_id()),
       Scope(r.company_id(), r.environment_name()), PageSize(r.page_size()),
       Time("modified_since", r.has_modified_since(), r.modified_since())});
}

absl::Status ValidateRequest(const v1::GetInvoiceLineItemRequest& r) {
  return First({ValidateId("invoice_id", r.invoice_id()),
                ValidateId("line_item_id", r.line_item_id()),
                Scope(r.company_id(), r.environment_name())});
}

absl::Status ValidateRequest(const v1::CreateInvoiceLineItemRequest& r) {
  if (auto s = First({ValidateId("invoice_id", r.invoice_id()),
                      Scope(r.company_id(), r.environment_name())});
      !s.ok()) {
    return s;
  }
  Violations v;
  if (!r.has_line_item()) {
    v.Add("line_item", "is required: the line to add");
  } else {
    CheckInvoiceLine(r.line_item(), "line_item", v);
  }
  return v.Done();
}

absl::Status ValidateRequest(const v1::UpdateInvoiceLineItemRequest& r) {
  if (auto s = First({ValidateId("invoice_id", r.invoice_id()),
                      ValidateId("line_item_id", r.line_item_id()),
                      Scope(r.company_id(), r.environment_name())});
      !s.ok()) {
    return s;
  }
  Violations v;
  CheckMask(r.update_mask(), *v1::InvoiceLineItemUpdate::descriptor(), v);
  return v.Done();
}

// --- Bills ------------------------------------------------------------------

absl::Status ValidateRequest(const v1::ListBillsRequest& r) {
  return BillListFilters(r);
}

absl::Status ValidateRequest(const v1::StreamBillsRequest& r) {
  return BillListFilters(r);
}

absl::Status ValidateRequest(const v1::CreateBillRequest& r) {
  if (auto s = Scope(r.company_id(), r.environment_name()); !s.ok()) return s;
  Violations v;
  if (!r.has_bill()) {
    v.Add("bill", "is required: the bill to create");
  } else {
    CheckNewBill(r.bill(), v);
  }
  return v.Done();
}

absl::Status ValidateRequest(const v1::UpdateBillRequest& r) {
  if (auto s = First({ValidateId("bill_id", r.bill_id()),
                      Scope(r.company_id(), r.environment_name())});
      !s.ok()) {
    return s;
  }
  Violations v;
  if (!r.has_bill()) {
    v.Add("bill",
          "is required: the complete new bill (Maesn replaces the bill)");
  } else {
    CheckNewBill(r.bill(), v);
  }
  return v.Done();
}

absl::Status ValidateRequest(const v1::DeleteBillRequest& r) {
  return First({ValidateId("bill_id", r.bill_id()),
                Scope(r.company_id(), r.environment_name())});
}

absl::Status ValidateRequest(const v1::GetBillDocumentRequest& r) {
  return First({ValidateId("bill_id", r.bill_id()),
                Scope(r.company_id(), r.environment_name())});
}

absl::Status ValidateRequest(const v1::ListBillLineItemsRequest& r) {
  return First({ValidateId("bill_id", r.bill_id()),
                Scope(r.company_id(), r.environment_name())});
}

absl::Status ValidateRequest(const v1::CreateBillLineItemRequest& r) {
  if (auto s = First({ValidateId("bill_id", r.bill_id()),
                      Scope(r.company_id(), r.environment_name())});
      !s.ok()) {
    return s;
  }
  Violations v;
  if (!r.has_line_item()) {
    v.Add("line_item", "is required: the line to add");
  } else {
    CheckBillDimensions(r.line_item().dimensions(), "line_item", v);
  }
  return v.Done();
}

absl::Status ValidateRequest(const v1::UpdateBillLineItemRequest& r) {
  if (auto s = First({ValidateId("bill_id", r.bill_id()),
                      ValidateId("line_item_id", r.line_item_id()),
                      Scope(r.company_id(), r.environment_name())});
      !s.ok()) {
    return s;
  }
  Violations v;
  if (!r.has_line_item()) {
    v.Add("line_item",
          "is required: the complete new line (Maesn replaces the line)");
  } else {
    CheckBillDimensions(r.line_item().dimensions(), "line_item", v);
  }
  return v.Done();
}

}  // namespace maesn::gateway
