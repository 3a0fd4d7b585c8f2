#include "gateway/service/request_validation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "gateway/common/errors.h"
#include "google/rpc/error_details.pb.h"
#include "maesn/accounting/v1/pass_through.pb.h"
#include "tests/testing/mock_maesn_stub.h"
#include "tests/testing/status_matchers.h"

namespace maesn::gateway {
namespace {

using ::maesn::testing::IsOk;
using ::maesn::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// ValidateRequest with the binding of `r`'s rpc (a stream request is
// checked as the list request it becomes).
absl::Status Check(const google::protobuf::Message& r) {
  const RestBinding& b = ::maesn::testing::BindingFor(r.GetDescriptor());
  if (b.kind != RpcKind::kPageStream) return ValidateRequest(b, r);
  std::unique_ptr<google::protobuf::Message> list(
      google::protobuf::MessageFactory::generated_factory()
          ->GetPrototype(b.list->method->input_type())
          ->New());
  list->ParseFromString(r.SerializeAsString());
  return ValidateRequest(*b.list, *list);
}

// The BadRequest field paths of `s`, in order.
std::vector<std::string> Fields(const absl::Status& s) {
  std::vector<std::string> out;
  auto payload = s.GetPayload(kBadRequestUrl);
  google::rpc::BadRequest br;
  if (payload.has_value() && br.ParseFromString(std::string(*payload))) {
    for (const auto& v : br.field_violations()) out.push_back(v.field());
  }
  return out;
}

v1::CreateInvoiceRequest ValidCreate() {
  v1::CreateInvoiceRequest r;
  r.mutable_invoice()->mutable_invoice_date()->set_year(2024);
  r.mutable_invoice()->mutable_invoice_date()->set_month(1);
  r.mutable_invoice()->mutable_invoice_date()->set_day(1);
  r.mutable_invoice()->add_line_items()->set_quantity(1);
  return r;
}

TEST(CreateInvoiceValidationTest, ValidRequestPasses) {
  EXPECT_THAT(Check(ValidCreate()), IsOk());
}

TEST(CreateInvoiceValidationTest, MissingInvoiceIsNamed) {
  absl::Status s = Check(v1::CreateInvoiceRequest{});
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Fields(s), ElementsAre("invoice"));
}

TEST(CreateInvoiceValidationTest, EveryMissingRequiredFieldIsNamedAtOnce) {
  v1::CreateInvoiceRequest r;
  r.mutable_invoice()->set_currency("EUR");
  EXPECT_THAT(Fields(Check(r)),
              ElementsAre("invoice.invoice_date", "invoice.line_items"));
  r = ValidCreate();
  r.mutable_invoice()->add_line_items()->set_unit_amount(3);  // no quantity
  r.mutable_invoice()->add_line_items();                      // no quantity
  absl::Status s = Check(r);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("invoice.line_items[1].quantity")));
  EXPECT_THAT(s.message(), HasSubstr("and 1 more"));
  EXPECT_THAT(Fields(s), ElementsAre("invoice.line_items[1].quantity",
                                     "invoice.line_items[2].quantity"));
  EXPECT_EQ(ErrorReason(s), "INVALID_FIELD");
}

TEST(CreateInvoiceValidationTest, ScopeValuesAreChecked) {
  v1::CreateInvoiceRequest r = ValidCreate();
  r.set_company_id(std::string("a\0b", 3));
  EXPECT_THAT(Fields(Check(r)), ElementsAre("company_id"));
}

// A required enum without presence is missing at its _UNSPECIFIED zero.
TEST(RequiredEnumValidationTest, UnspecifiedIsMissing) {
  v1::PassThroughRequest r;
  r.mutable_request()->set_path("/companies");
  EXPECT_THAT(Fields(Check(r)), ElementsAre("request.method"));
  r.mutable_request()->set_method(v1::PASS_THROUGH_METHOD_GET);
  EXPECT_THAT(Check(r), IsOk());
}

TEST(UpdateInvoiceValidationTest, MaskMustNameTopLevelFields) {
  v1::UpdateInvoiceRequest r;
  r.set_invoice_id("I1");
  EXPECT_THAT(Fields(Check(r)), ElementsAre("update_mask"));
  r.mutable_update_mask()->add_paths("reference");
  EXPECT_THAT(Check(r), IsOk());
  r.mutable_update_mask()->add_paths("no_such_field");
  r.mutable_update_mask()->add_paths("line_items.quantity");
  r.mutable_update_mask()->add_paths("*");
  r.mutable_update_mask()->add_paths("dueDate");  // JSON name, not a path
  EXPECT_THAT(Fields(Check(r)),
              ElementsAre("update_mask.paths[1]", "update_mask.paths[2]",
                          "update_mask.paths[3]", "update_mask.paths[4]"));
}

TEST(UpdateInvoiceValidationTest, ChangedLinesNeedTheirId) {
  v1::UpdateInvoiceRequest r;
  r.set_invoice_id("I1");
  r.mutable_update_mask()->add_paths("line_items");
  r.mutable_invoice()->add_line_items()->set_line_item_id("L1");
  r.mutable_invoice()->add_line_items()->set_quantity(2);
  EXPECT_THAT(Fields(Check(r)),
              ElementsAre("invoice.line_items[1].line_item_id"));
  // Lines not named by the mask are not sent, so not checked.
  r.mutable_update_mask()->set_paths(0, "name");
  EXPECT_THAT(Check(r), IsOk());
}

TEST(UpdateInvoiceValidationTest, IdIsRequired) {
  v1::UpdateInvoiceRequest r;
  r.mutable_update_mask()->add_paths("name");
  EXPECT_THAT(Fields(Check(r)), ElementsAre("invoice_id"));
}

TEST(InvoiceLineValidationTest, CreateNeedsQuantityUpdateNeedsMask) {
  v1::CreateInvoiceLineItemRequest create;
  create.set_invoice_id("I1");
  EXPECT_THAT(Fields(Check(create)), ElementsAre("line_item"));
  create.mutable_line_item()->set_name("x");
  EXPECT_THAT(Fields(Check(create)), ElementsAre("line_item.quantity"));
  create.mutable_line_item()->set_quantity(0.5);
  EXPECT_THAT(Check(create), IsOk());

  v1::UpdateInvoiceLineItemRequest update;
  update.set_invoice_id("I1");
  EXPECT_THAT(Fields(Check(update)), ElementsAre("line_item_id"));
  update.set_line_item_id("L1");
  update.mutable_update_mask()->add_paths("line_item_id");  // not a field
  EXPECT_THAT(Fields(Check(update)), ElementsAre("update_mask.paths[0]"));
  update.mutable_update_mask()->set_paths(0, "unit_amount");
  EXPECT_THAT(Check(update), IsOk());
}

TEST(ListValidationTest, PageSizeFiltersAndTimestamps) {
  v1::ListInvoicesRequest r;
  EXPECT_THAT(Check(r), IsOk());
  r.set_page_size(-1);
  EXPECT_THAT(Fields(Check(r)), ElementsAre("page_size"));
  r.set_page_size(10);
  r.set_status(v1::DOCUMENT_STATUS_UNSPECIFIED);
  EXPECT_THAT(Check(r), StatusIs(absl::StatusCode::kInvalidArgument,
                                 HasSubstr("leave it unset")));
  r.set_status(static_cast<v1::DocumentStatus>(77));
  EXPECT_THAT(Fields(Check(r)), ElementsAre("status"));
  r.clear_status();
  r.mutable_due_date_from()->set_year(10000);  // a calendar date since issue 13
  r.mutable_due_date_from()->set_month(1);
  r.mutable_due_date_from()->set_day(1);
  EXPECT_THAT(Fields(Check(r)), ElementsAre("due_date_from"));
  r.mutable_due_date_from()->set_year(2024);
  r.mutable_due_date_from()->set_day(0);  // no day: not a date Maesn reads
  EXPECT_THAT(Check(r), StatusIs(absl::StatusCode::kInvalidArgument,
                                 HasSubstr("full calendar date")));
  r.mutable_due_date_from()->set_day(31);
  EXPECT_THAT(Check(r), IsOk());
  r.clear_due_date_from();
  r.set_order_direction(v1::ORDER_DIRECTION_UNSPECIFIED);
  EXPECT_THAT(Fields(Check(r)), ElementsAre("order_direction"));

  v1::StreamBillsRequest s;
  s.set_order_by(v1::BILL_ORDER_FIELD_BILL_DATE);
  s.mutable_modified_since()->set_nanos(-1);
  EXPECT_THAT(Fields(Check(s)), ElementsAre("modified_since"));

  v1::ListInvoiceLineItemsRequest lines;
  EXPECT_THAT(Fields(Check(lines)), ElementsAre("invoice_id"));
}

TEST(BillValidationTest, DimensionsNeedNameAndCategory) {
  v1::CreateBillRequest r;
  EXPECT_THAT(Fields(Check(r)), ElementsAre("bill"));
  r.mutable_bill();  // an empty bill: the spec requires nothing
  EXPECT_THAT(Check(r), IsOk());
  auto* line = r.mutable_bill()->add_line_items();
  line->add_dimensions()->set_name("C1");
  line->add_dimensions()->set_category_name("CostCenter");
  EXPECT_THAT(Fields(Check(r)),
              ElementsAre("bill.line_items[0].dimensions[0].category_name",
                          "bill.line_items[0].dimensions[1].name"));

  v1::UpdateBillRequest put;
  put.set_bill_id("B1");
  EXPECT_THAT(Fields(Check(put)), ElementsAre("bill"));
  v1::CreateBillLineItemRequest add;
  add.set_bill_id("B1");
  add.mutable_line_item()->add_dimensions();
  EXPECT_THAT(Fields(Check(add)),
              ElementsAre("line_item.dimensions[0].name",
                          "line_item.dimensions[0].category_name"));
  v1::UpdateBillLineItemRequest replace;
  replace.set_bill_id("B1");
  replace.set_line_item_id("..");
  EXPECT_THAT(Fields(Check(replace)), ElementsAre("line_item_id"));
}

TEST(BillValidationTest, IdsAreChecked) {
  EXPECT_THAT(Fields(Check(v1::DeleteBillRequest{})), ElementsAre("bill_id"));
  EXPECT_THAT(Fields(Check(v1::GetBillDocumentRequest{})),
              ElementsAre("bill_id"));
  EXPECT_THAT(Fields(Check(v1::ListBillLineItemsRequest{})),
              ElementsAre("bill_id"));
  EXPECT_THAT(Fields(Check(v1::GetInvoiceDocumentRequest{})),
              ElementsAre("invoice_id"));
  v1::GetInvoiceLineItemRequest get;
  get.set_invoice_id("I1");
  EXPECT_THAT(Fields(Check(get)), ElementsAre("line_item_id"));
  get.set_line_item_id("L1");
  EXPECT_THAT(Fields(Check(get)), IsEmpty());
}

}  // namespace
}  // namespace maesn::gateway
