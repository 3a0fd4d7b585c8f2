#include "gateway/mapping/json_proto.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "maesn/accounting/v1/bill.pb.h"
#include "maesn/accounting/v1/invoice.pb.h"
#include "tests/testing/status_matchers.h"

namespace maesn::gateway::mapping {
namespace {

using ::maesn::testing::IsOk;
using ::maesn::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using Json = nlohmann::json;

TEST(WriteMessageTest, WritesOnlyFieldsThatAreSet) {
  v1::NewInvoice invoice;
  invoice.set_currency("EUR");
  invoice.set_discount_percentage(0);  // set to zero: still sent
  invoice.mutable_invoice_date()->set_year(2021);
  invoice.mutable_invoice_date()->set_month(1);
  invoice.mutable_invoice_date()->set_day(1);
  auto* line = invoice.add_line_items();
  line->set_quantity(2.5);
  line->set_unit_amount(19.99);
  invoice.set_shipping_type(v1::INVOICE_SHIPPING_TYPE_SERVICE_PERIOD);
  Json out;
  ASSERT_THAT(WriteMessage(invoice, "invoice", out), IsOk());
  const Json want = Json::parse(R"({
    "currency": "EUR",
    "discountPercentage": 0,
    "invoiceDate": "2021-01-01T00:00:00Z",
    "lineItems": [{"quantity": 2.5, "unitAmount": 19.99}],
    "shippingType": "SERVICEPERIOD"
  })");
  EXPECT_EQ(out, want) << out.dump();
}

TEST(WriteMessageTest, RespectsOnlyFields) {
  v1::InvoiceUpdate update;
  update.set_name("new");
  update.set_reference("ignored");
  absl::flat_hash_set<std::string> only = {"name"};
  Json out;
  ASSERT_THAT(WriteMessage(update, "invoice", out, {&only}), IsOk());
  EXPECT_EQ(out, Json::parse(R"({"name": "new"})"));
}

TEST(WriteMessageTest, MaskedFieldsThatAreUnsetAreSentAsNull) {
  v1::InvoiceUpdate update;
  update.set_name("new");
  update.set_reference("not masked");
  absl::flat_hash_set<std::string> only = {"name", "due_date", "status",
                                           "line_items", "currency"};
  Json out;
  ASSERT_THAT(WriteMessage(update, "invoice", out, {&only}), IsOk());
  EXPECT_EQ(out, Json::parse(R"({"name": "new", "currency": null,
      "status": null, "lineItems": null, "dueDate": null})"));
}

TEST(WriteMessageTest, SendEmptyWritesNamedEmptyListsAsEmptyArrays) {
  v1::NewBill bill;
  bill.set_bill_number("B-1");
  absl::flat_hash_set<std::string> empty = {"line_items"};
  WriteOptions options;
  options.send_empty = &empty;
  Json out;
  ASSERT_THAT(WriteMessage(bill, "bill", out, options), IsOk());
  EXPECT_EQ(out, Json::parse(R"({"billNumber": "B-1", "lineItems": []})"));
  // A list with elements is written as it is.
  bill.add_line_items()->set_quantity(1);
  ASSERT_THAT(WriteMessage(bill, "bill", out, options), IsOk());
  EXPECT_EQ(
      out,
      Json::parse(R"({"billNumber": "B-1", "lineItems": [{"quantity": 1}]})"));
  // Without it an empty list is left out.
  bill.clear_line_items();
  ASSERT_THAT(WriteMessage(bill, "bill", out), IsOk());
  EXPECT_EQ(out, Json::parse(R"({"billNumber": "B-1"})"));
  // Only lists can be sent empty.
  empty = {"bill_number"};
  EXPECT_THAT(WriteMessage(bill, "bill", out, options),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("bill.bill_number")));
}

TEST(WriteMessageTest, OnlyFieldsMustNameFields) {
  v1::InvoiceUpdate update;
  absl::flat_hash_set<std::string> only = {"no_such_field"};
  Json out;
  EXPECT_THAT(WriteMessage(update, "invoice", out, {&only}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invoice.no_such_field")));
}

TEST(WriteMessageTest, RejectsUnspecifiedAndUnknownEnums) {
  v1::NewInvoice invoice;
  invoice.set_status(v1::DOCUMENT_STATUS_UNSPECIFIED);
  Json out;
  EXPECT_THAT(WriteMessage(invoice, "invoice", out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invoice.status")));
  invoice.set_status(static_cast<v1::DocumentStatus>(999));
  EXPECT_THAT(WriteMessage(invoice, "invoice", out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("999")));
}

TEST(WriteMessageTest, RefusesEnumValuesTheOperationDoesNotAccept) {
  // Maesn's PatchInvoiceRequestDto.status takes 6 of DocumentStatus's 10.
  v1::InvoiceUpdate update;
  for (v1::DocumentStatus ok :
       {v1::DOCUMENT_STATUS_DRAFT, v1::DOCUMENT_STATUS_SUBMITTED,
        v1::DOCUMENT_STATUS_OPEN, v1::DOCUMENT_STATUS_PARTIALLY_PAID,
        v1::DOCUMENT_STATUS_PAID, v1::DOCUMENT_STATUS_VOIDED}) {
    update.set_status(ok);
    Json out;
    EXPECT_THAT(WriteMessage(update, "invoice", out), IsOk());
  }
  for (v1::DocumentStatus refused :
       {v1::DOCUMENT_STATUS_CORRECTIVE, v1::DOCUMENT_STATUS_DOCUMENT_CREATED,
        v1::DOCUMENT_STATUS_PARTIALLY_OVERDUE, v1::DOCUMENT_STATUS_OVERDUE}) {
    update.set_status(refused);
    Json out;
    EXPECT_THAT(
        WriteMessage(update, "invoice", out),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 AllOf(HasSubstr("invoice.status"),
                       HasSubstr(v1::DocumentStatus_Name(refused)),
                       HasSubstr("DRAFT, SUBMITTED, OPEN, PARTIALLY_PAID, "
                                 "PAID, VOIDED"))));
  }
  // The same enum on a create is not narrowed.
  v1::NewInvoice invoice;
  invoice.set_status(v1::DOCUMENT_STATUS_OVERDUE);
  Json out;
  EXPECT_THAT(WriteMessage(invoice, "invoice", out), IsOk());
}

TEST(WriteMessageTest, RejectsNonFiniteAmounts) {
  v1::NewBill bill;
  bill.add_line_items()->set_unit_amount(
      std::numeric_limits<double>::quiet_NaN());
  Json out;
  EXPECT_THAT(WriteMessage(bill, "bill", out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("bill.line_items[0].unit_amount")));
}

TEST(RoundTripTest, AmountsSurviveExactly) {
  // Doubles go out and come back bit for bit: what Maesn's JSON carries.
  for (double amount : {0.1, 19.99, 1234567.89, 1e-9, 0.30000000000000004}) {
    v1::NewBillLineItem line;
    line.set_total_net_amount(amount);
    Json out;
    ASSERT_THAT(WriteMessage(line, "line", out), IsOk());
    v1::BillLineItem back;
    Warnings w(nullptr);
    ReadMessage(Json::parse(out.dump()), back, FieldPath{}, w);
    EXPECT_EQ(back.total_net_amount(), amount);
  }
}

TEST(EnumTest, MaesnSpellings) {
  const auto* e = v1::InvoiceShippingType_descriptor();
  EXPECT_EQ(EnumToMaesn(*e, v1::INVOICE_SHIPPING_TYPE_DELIVERY_PERIOD),
            "DELIVERYPERIOD");
  EXPECT_EQ(EnumFromMaesn(*e, "DELIVERYPERIOD"),
            v1::INVOICE_SHIPPING_TYPE_DELIVERY_PERIOD);
  EXPECT_EQ(EnumFromMaesn(*e, "NOPE"), -1);
  EXPECT_EQ(EnumToMaesn(*e, 0), "");
  EXPECT_EQ(EnumToMaesn(*v1::InvoiceOrderField_descriptor(),
                        v1::INVOICE_ORDER_FIELD_INVOICE_DATE),
            "invoiceDate");
}

// Found by the mapping fuzzer: dates after 2262 overflowed a nanosecond
// count; dates outside a Timestamp's range must not become one. (Calendar
// dates are google.type.Date since issue 13; the instants keep the range
// checks of Timestamps.)
TEST(ReadMessageTest, DatesAcrossTheWholeTimestampRange) {
  v1::ResponseMeta meta;
  Warnings w(&meta);
  v1::Invoice invoice;
  ReadMessage(Json::parse(R"({"dueDate": "7123-01-01T00:00:00.5Z",
                              "updatedDate": "7123-01-01T00:00:00.5Z",
                              "paidDate": "0001-01-01T00:00:00Z",
                              "invoiceDate": "10000-01-01T00:00:00Z",
                              "createdDate": "-0005-01-01"})"),
              invoice, FieldPath{nullptr, "invoice"}, w);
  EXPECT_EQ(invoice.updated_date().seconds(), 162612921600);
  EXPECT_EQ(invoice.updated_date().nanos(), 500000000);
  EXPECT_EQ(invoice.due_date().year(), 7123);
  EXPECT_EQ(invoice.due_date().month(), 1);
  EXPECT_EQ(invoice.due_date().day(), 1);
  EXPECT_EQ(invoice.paid_date().year(), 1);
  EXPECT_EQ(invoice.paid_date().day(), 1);
  EXPECT_FALSE(invoice.has_invoice_date());
  EXPECT_FALSE(invoice.has_created_date());
  ASSERT_EQ(meta.mapping_warnings_size(), 2);
  std::set<std::string> fields;
  for (const auto& warning : meta.mapping_warnings()) {
    fields.insert(warning.field());
  }
  EXPECT_EQ(fields, (std::set<std::string>{"invoice.created_date",
                                           "invoice.invoice_date"}));
}

// Issue 13, item 1: a calendar date is the day Maesn wrote, whatever offset
// follows it; an instant is folded into UTC.
TEST(ReadMessageTest, CalendarDatesKeepTheDayMaesnWrote) {
  struct Case {
    const char* text;
    int year, month, day;
  };
  for (const Case& c : {Case{"2024-03-01T00:00:00+01:00", 2024, 3, 1},
                        Case{"2024-02-29T23:30:00-05:00", 2024, 2, 29},
                        Case{"2024-03-01T00:00:00Z", 2024, 3, 1},
                        Case{"2024-03-01T00:00:00.000Z", 2024, 3, 1},
                        Case{"2024-03-01", 2024, 3, 1},
                        Case{"2024-12-31T23:59:59+14:00", 2024, 12, 31},
                        Case{"2025-01-01 00:00:00", 2025, 1, 1}}) {
    v1::ResponseMeta meta;
    Warnings w(&meta);
    v1::Bill bill;
    ReadMessage(Json{{"billDate", c.text}, {"dueDate", c.text}}, bill,
                FieldPath{nullptr, "bill"}, w);
    EXPECT_EQ(meta.mapping_warnings_size(), 0) << c.text;
    for (const google::type::Date& d : {bill.bill_date(), bill.due_date()}) {
      EXPECT_EQ(d.year(), c.year) << c.text;
      EXPECT_EQ(d.month(), c.month) << c.text;
      EXPECT_EQ(d.day(), c.day) << c.text;
    }
  }
  // An instant with an offset is the same moment in UTC.
  v1::ResponseMeta meta;
  Warnings w(&meta);
  v1::Bill bill;
  ReadMessage(Json{{"createdDate", "2024-03-01T00:00:00+01:00"}}, bill,
              FieldPath{nullptr, "bill"}, w);
  EXPECT_EQ(bill.created_date().seconds(), 1709247600);  // 02-29 23:00 UTC
}

TEST(ReadMessageTest, UnreadableCalendarDatesWarn) {
  v1::ResponseMeta meta;
  Warnings w(&meta);
  v1::Invoice invoice;
  ReadMessage(Json::parse(R"({"dueDate": "2024-02-30", "paidDate": "soon",
                              "invoiceDate": 20240301})"),
              invoice, FieldPath{nullptr, "invoice"}, w);
  EXPECT_FALSE(invoice.has_due_date());
  EXPECT_FALSE(invoice.has_paid_date());
  EXPECT_FALSE(invoice.has_invoice_date());
  EXPECT_EQ(meta.mapping_warnings_size(), 3);
}

TEST(WriteMessageTest, CalendarDatesAreSentAsMidnightOfThatDay) {
  v1::NewBill bill;
  bill.mutable_bill_date()->set_year(2024);
  bill.mutable_bill_date()->set_month(2);
  bill.mutable_bill_date()->set_day(29);
  bill.add_line_items()->mutable_deferred_start_date()->set_year(999);
  bill.mutable_line_items(0)->mutable_deferred_start_date()->set_month(12);
  bill.mutable_line_items(0)->mutable_deferred_start_date()->set_day(31);
  Json out;
  ASSERT_THAT(WriteMessage(bill, "bill", out), IsOk());
  EXPECT_EQ(out["billDate"], "2024-02-29T00:00:00Z");
  EXPECT_EQ(out["lineItems"][0]["deferredStartDate"], "0999-12-31T00:00:00Z");
  // Read back, the same day.
  v1::ResponseMeta meta;
  Warnings w(&meta);
  v1::Bill read;
  ReadMessage(out, read, FieldPath{nullptr, "bill"}, w);
  EXPECT_EQ(read.bill_date().day(), 29);
  EXPECT_EQ(read.line_items(0).deferred_start_date().year(), 999);
}

TEST(WriteMessageTest, PartialOrImpossibleCalendarDatesAreRefused) {
  struct Case {
    int year, month, day;
  };
  for (const Case& c : {Case{2024, 2, 30}, Case{2023, 2, 29}, Case{0, 3, 1},
                        Case{2024, 0, 1}, Case{2024, 3, 0}, Case{10000, 1, 1},
                        Case{2024, 13, 1}, Case{-1, 1, 1}}) {
    v1::NewInvoice invoice;
    invoice.mutable_due_date()->set_year(c.year);
    invoice.mutable_due_date()->set_month(c.month);
    invoice.mutable_due_date()->set_day(c.day);
    Json out;
    EXPECT_THAT(WriteMessage(invoice, "invoice", out),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("invoice.due_date"),
                               HasSubstr("full calendar date"))))
        << c.year << "-" << c.month << "-" << c.day;
  }
}

TEST(JsonToValueTest, DeepValuesBecomeTheirJsonText) {
  Json deep = 1;
  for (int i = 0; i < 30; ++i) deep = Json::array({deep});
  google::protobuf::Value v;
  JsonToValue(deep, v);
  const google::protobuf::Value* at = &v;
  int depth = 0;
  while (at->has_list_value()) {
    at = &at->list_value().values(0);
    ++depth;
  }
  EXPECT_EQ(depth, kMaxValueDepth);
  EXPECT_EQ(at->string_value(), "[[[[[[[[[[1]]]]]]]]]]");
}

}  // namespace
}  // namespace maesn::gateway::mapping
