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
  invoice.mutable_invoice_date()->set_seconds(1609459200);
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
// count; dates outside a Timestamp's range must not become one.
TEST(ReadMessageTest, DatesAcrossTheWholeTimestampRange) {
  v1::ResponseMeta meta;
  Warnings w(&meta);
  v1::Invoice invoice;
  ReadMessage(Json::parse(R"({"dueDate": "7123-01-01T00:00:00.5Z",
                              "paidDate": "0001-01-01T00:00:00Z",
                              "invoiceDate": "10000-01-01T00:00:00Z",
                              "createdDate": "-0005-01-01"})"),
              invoice, FieldPath{nullptr, "invoice"}, w);
  EXPECT_EQ(invoice.due_date().seconds(), 162612921600);
  EXPECT_EQ(invoice.due_date().nanos(), 500000000);
  EXPECT_EQ(invoice.paid_date().seconds(), -62135596800);
  EXPECT_EQ(invoice.paid_date().nanos(), 0);
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
