#include "generated_records.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "resource_support.h"

namespace maesn::sim {
namespace {

constexpr const char* kNames[] = {
    "Müller GmbH",      "Schmidt & Partner", "Nordlicht AG", "Bäckerei Weber",
    "Alpenblick Hotel", "Rheinwerk KG",      "Elbe Logistik"};
constexpr const char* kCities[] = {"Berlin", "Hamburg", "München", "Köln",
                                   "Leipzig"};
constexpr const char* kStatuses[] = {
    "DRAFT", "OPEN", "PAID", "OPEN", "OVERDUE", "PARTIALLY_PAID", "VOIDED"};

double Round2(double x) { return std::round(x * 100.0) / 100.0; }

absl::Time Day(int offset) {
  return absl::FromCivil(absl::CivilDay(2024, 1, 1), absl::UTCTimeZone()) +
         absl::Hours(24 * offset);
}

std::string PaymentStatusFor(const std::string& status) {
  if (status == "PAID") return "PAID";
  if (status == "PARTIALLY_PAID") return "PARTLY_PAID";
  if (status == "DRAFT") return "NO_OPEN_ITEM";
  if (status == "VOIDED") return "CANCELED";
  return "PENDING";
}

Json AddressFor(int i) {
  Json a = Json::object();
  a["addressLine1"] = absl::StrCat("Hauptstraße ", 1 + i % 120);
  a["addressLine2"] = nullptr;
  a["city"] = kCities[i % 5];
  a["postalCode"] = absl::StrFormat("%05d", 10115 + (i * 97) % 80000);
  a["countryCode"] = "DE";
  a["type"] = "BILLING";
  return a;
}

// Dates shared by both resources: spread over 2024, not in id order.
struct Dates {
  absl::Time issued, due, created, updated;
};
Dates DatesFor(int i) {
  Dates d;
  d.issued = Day((i * 37) % 365);
  d.due = d.issued + absl::Hours(24 * (i % 2 == 0 ? 14 : 30));
  d.created = d.issued + absl::Hours(9);
  d.updated =
      d.created + absl::Hours(24 * ((i * 13) % 120)) + absl::Hours(i % 24);
  return d;
}

}  // namespace

std::vector<Record> GenerateInvoices(int count) {
  std::vector<Record> out;
  for (int i = 1; i <= count; ++i) {
    const std::string id = absl::StrFormat("sim-inv-%04d", i);
    const std::string status = kStatuses[(i * 3) % 7];
    const Dates d = DatesFor(i);
    Json inv = Json::object();
    inv["invoiceId"] = id;
    inv["invoiceNumber"] = absl::StrFormat("RE-2024-%04d", i);
    inv["name"] = kNames[i % 7];
    inv["reference"] = absl::StrFormat("PO-%05d", (i * 17) % 100000);
    inv["contactId"] = absl::StrFormat("contact-%03d", 1 + i % 23);
    inv["currency"] = i % 10 == 0 ? "CHF" : "EUR";
    inv["status"] = status;
    inv["invoiceType"] = "STANDARD";
    inv["updatedDate"] = IsoTime(d.updated);
    inv["invoiceDate"] = IsoTime(d.issued);
    inv["dueDate"] = IsoTime(d.due);
    inv["paidDate"] = status == "PAID"
                          ? Json(IsoTime(d.issued + absl::Hours(240)))
                          : Json(nullptr);
    inv["shippingDate"] = IsoTime(d.issued);
    inv["createdDate"] = IsoTime(d.created);
    inv["paymentTermDuration"] = i % 2 == 0 ? 14 : 30;
    inv["paymentTermId"] = i % 2 == 0 ? "PT14" : "PT30";
    inv["journalCode"] = "VK";
    inv["fileId"] = nullptr;
    inv["oneLineAddress"] =
        absl::StrCat("Hauptstraße ", 1 + i % 120, ", ", kCities[i % 5]);
    inv["addresses"] = Json::array({AddressFor(i)});
    inv["paymentStatus"] = PaymentStatusFor(status);
    inv["taxRule"] = i % 5 == 0 ? "REVERSE_CHARGE" : "NET";
    inv["lineAmountTypes"] = "EXCLUSIVE";
    Json lines = Json::array();
    double net = 0, tax = 0;
    for (int j = 0; j < 1 + i % 3; ++j) {
      const double quantity = (j + 1) + (i % 4) * 0.25;
      const double unit = 5 + ((i * 131 + j * 37) % 50000) / 100.0;
      const double rate = i % 5 == 0 ? 0 : (j % 2 == 0 ? 19 : 7);
      const double items = Round2(quantity * unit);
      const double gross = Round2(items * (1 + rate / 100));
      net += items;
      tax += gross - items;
      Json line = Json::object();
      line["lineItemId"] = absl::StrCat(id, "-L", j + 1);
      line["itemId"] = absl::StrFormat("item-%03d", (i + j) % 40);
      line["name"] = absl::StrCat("Position ", j + 1);
      line["description"] = absl::StrCat("Leistung ", j + 1, " zu ", id);
      line["accountId"] = j % 2 == 0 ? "8400" : "8300";
      line["updatedDate"] = IsoTime(d.updated);
      line["createdDate"] = IsoTime(d.created);
      line["quantity"] = quantity;
      line["taxRatePercentage"] = rate;
      line["unitAmount"] = unit;
      line["grossAmount"] = gross;
      line["taxCode"] = rate == 19 ? "USt19" : (rate == 7 ? "USt7" : "RC");
      line["itemsAmount"] = items;
      line["discountItemAmount"] = 0;
      line["discountItemPercentage"] = 0;
      line["dimensions"] =
          Json::array({Json::object({{"id", absl::StrCat("cc-", 100 + i % 5)},
                                     {"categoryName", "CostCenter"},
                                     {"name", absl::StrCat("C", 1 + i % 5)}})});
      lines.push_back(std::move(line));
    }
    inv["discountAmount"] = 0;
    inv["sumNetAmount"] = Round2(net);
    inv["totalTaxAmount"] = Round2(tax);
    inv["totalAmount"] = Round2(net + tax);
    inv["lineItems"] = std::move(lines);
    Record record;
    record.data = std::move(inv);
    out.push_back(std::move(record));
  }
  return out;
}

std::vector<Record> GenerateBills(int count) {
  std::vector<Record> out;
  for (int i = 1; i <= count; ++i) {
    const std::string id = absl::StrFormat("sim-bill-%04d", i);
    const std::string status = kStatuses[(i * 5) % 7];
    const Dates d = DatesFor(i + 11);
    Json bill = Json::object();
    bill["id"] = id;
    bill["accountId"] = "1600";
    bill["billNumber"] = absl::StrFormat("ER-2024-%04d", i);
    bill["name"] = kNames[(i + 3) % 7];
    bill["reference"] = absl::StrFormat("LS-%05d", (i * 29) % 100000);
    bill["contactId"] = absl::StrFormat("supplier-%03d", 1 + i % 19);
    bill["currency"] = i % 12 == 0 ? "USD" : "EUR";
    bill["status"] = status;
    bill["billDate"] = IsoTime(d.issued);
    bill["dueDate"] = IsoTime(d.due);
    bill["deliveryDate"] = IsoTime(d.issued - absl::Hours(48));
    bill["shippingDate"] = IsoTime(d.issued - absl::Hours(48));
    bill["shippingType"] = i % 3 == 0 ? "SERVICE" : "DELIVERY";
    bill["paidDate"] = status == "PAID"
                           ? Json(IsoTime(d.issued + absl::Hours(24 * 12)))
                           : Json(nullptr);
    bill["createdDate"] = IsoTime(d.created);
    bill["updatedDate"] = IsoTime(d.updated);
    bill["fileId"] = nullptr;
    bill["journalCode"] = "EK";
    bill["oneLineAddress"] =
        absl::StrCat("Hauptstraße ", 1 + i % 120, ", ", kCities[i % 5]);
    bill["addresses"] = Json::array({AddressFor(i + 7)});
    bill["paymentReference"] = absl::StrFormat("ER-2024-%04d / %s", i, id);
    bill["paymentTermCode"] = i % 2 == 0 ? "NET14" : "NET30";
    bill["paymentDays"] = i % 2 == 0 ? 14 : 30;
    bill["paymentStatus"] = PaymentStatusFor(status);
    bill["taxRule"] = "NET";
    bill["taxText"] = "Tax 19 percent";
    Json lines = Json::array();
    double net = 0, tax = 0;
    for (int j = 0; j < 1 + (i + 1) % 3; ++j) {
      const double quantity = (j + 1) + (i % 3) * 0.5;
      const double unit = 2.5 + ((i * 173 + j * 41) % 30000) / 100.0;
      const double rate = j % 2 == 0 ? 19 : 7;
      const double line_net = Round2(quantity * unit);
      const double line_tax = Round2(line_net * rate / 100);
      net += line_net;
      tax += line_tax;
      Json line = Json::object();
      line["id"] = absl::StrCat(id, "-L", j + 1);
      line["accountId"] = "4400";
      line["accountNumber"] = j % 2 == 0 ? "4400" : "4930";
      line["createdDate"] = IsoTime(d.created);
      line["updatedDate"] = IsoTime(d.updated);
      line["deferredStartDate"] = nullptr;
      line["deferredEndDate"] = nullptr;
      line["description"] = absl::StrCat("Material ", j + 1, " zu ", id);
      line["dimensions"] =
          Json::array({Json::object({{"name", absl::StrCat("C", 1 + i % 4)},
                                     {"categoryName", "CostCenter"}})});
      line["itemId"] = absl::StrFormat("item-%03d", (i * 3 + j) % 40);
      line["itemName"] = absl::StrCat("Artikel ", (i * 3 + j) % 40);
      line["quantity"] = quantity;
      line["taxCode"] = rate == 19 ? "VSt19" : "VSt7";
      line["taxRatePercentage"] = rate;
      line["totalDiscountAmount"] = 0;
      line["totalDiscountPercentage"] = 0;
      line["totalGrossAmount"] = Round2(line_net + line_tax);
      line["totalNetAmount"] = line_net;
      line["totalTaxAmount"] = line_tax;
      line["unitAmount"] = unit;
      line["unitDiscountAmount"] = 0;
      line["unitDiscountPercentage"] = 0;
      line["unitName"] = "PIECE";
      lines.push_back(std::move(line));
    }
    bill["totalDiscountAmount"] = 0;
    bill["totalDiscountPercentage"] = 0;
    bill["totalNetAmount"] = Round2(net);
    bill["totalTaxAmount"] = Round2(tax);
    bill["totalGrossAmount"] = Round2(net + tax);
    bill["lineItems"] = std::move(lines);
    Record record;
    record.data = std::move(bill);
    out.push_back(std::move(record));
  }
  return out;
}

}  // namespace maesn::sim
