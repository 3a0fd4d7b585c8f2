// Invoices and bills end to end against the simulator: paging with tokens,
// filters, writes (exactly once, with their outcome), field masks, line
// items and documents. Assertions cover what was sent upstream (the
// simulator's request log) as well as what came back.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "google/protobuf/util/time_util.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/integration/integration_util.h"
#include "tests/testing/dates.h"
#include "tests/testing/proto_matchers.h"

namespace maesn::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using Json = nlohmann::json;

constexpr int kInvoices = 305;  // 5 seeded + 300 generated
constexpr int kBills = 253;     // 3 seeded + 250 generated

class InvoicesBillsTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    StartGateway(BaseConfig());
  }

  // Walks ListInvoices from `first` until next_page_token is empty.
  std::vector<v1::ListInvoicesResponse> WalkInvoices(
      v1::ListInvoicesRequest first) {
    std::vector<v1::ListInvoicesResponse> pages;
    for (int guard = 0; guard < 1000; ++guard) {
      v1::ListInvoicesResponse resp;
      auto ctx = Context();
      grpc::Status s = invoices_->ListInvoices(ctx.get(), first, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      pages.push_back(resp);
      if (resp.next_page_token().empty()) break;
      first.set_page_token(resp.next_page_token());
    }
    return pages;
  }

  // Makes Maesn answer `status` to every request with this method and path
  // prefix.
  void FailWith(const std::string& method, const std::string& path_prefix,
                int status) {
    simulator().SetRequestHook(
        [=](const sim::ApiRequest& r) -> std::optional<sim::ApiResponse> {
          if (r.method == method && absl::StartsWith(r.path, path_prefix)) {
            return sim::ErrorResponse(status, "upstream trouble");
          }
          return std::nullopt;
        });
  }
};

TEST_F(InvoicesBillsTest, WalkingAllPagesYieldsEveryInvoiceExactlyOnce) {
  v1::ListInvoicesRequest req;
  req.set_page_size(7);  // Maesn only knows 10
  auto pages = WalkInvoices(req);
  std::vector<std::string> ids;
  std::set<std::string> unique;
  for (const auto& page : pages) {
    EXPECT_EQ(page.total_size(), kInvoices);
    for (const auto& inv : page.invoices()) {
      ids.push_back(inv.invoice_id());
      unique.insert(inv.invoice_id());
    }
  }
  EXPECT_EQ(ids.size(), static_cast<std::size_t>(kInvoices));
  EXPECT_EQ(unique.size(), ids.size());
  EXPECT_EQ(pages.size(), 31u);
  EXPECT_EQ(ids.front(), "ABC123");
  EXPECT_EQ(ids.back(), "sim-inv-0300");
  // Upstream: pages 1..31 in order, once each, all with limit 10.
  auto requests = RequestsTo(simulator(), "GET", "/accounting/invoices");
  ASSERT_EQ(requests.size(), 31u);
  for (std::size_t i = 0; i < requests.size(); ++i) {
    EXPECT_EQ(QueryValue(requests[i], "page"), std::to_string(i + 1));
    EXPECT_EQ(QueryValue(requests[i], "limit"), "10");
  }
}

TEST_F(InvoicesBillsTest, FiltersAndOrderArePassedAndKeptAcrossPages) {
  v1::ListInvoicesRequest req;
  req.set_page_size(20);
  req.set_status(v1::DOCUMENT_STATUS_OPEN);
  req.set_order_by(v1::INVOICE_ORDER_FIELD_INVOICE_DATE);
  req.set_order_direction(v1::ORDER_DIRECTION_ASC);
  *req.mutable_due_date_from() = MakeDate(2024, 3, 1);
  auto pages = WalkInvoices(req);
  ASSERT_GE(pages.size(), 2u);
  std::set<std::string> unique;
  int64_t last_date = 0;
  int count = 0;
  for (const auto& page : pages) {
    for (const auto& inv : page.invoices()) {
      EXPECT_EQ(inv.status(), v1::DOCUMENT_STATUS_OPEN);
      EXPECT_GE(DateKey(inv.due_date()), 20240301);
      EXPECT_GE(DateKey(inv.invoice_date()), last_date);
      last_date = DateKey(inv.invoice_date());
      unique.insert(inv.invoice_id());
      ++count;
    }
  }
  EXPECT_EQ(count, pages[0].total_size());
  EXPECT_EQ(unique.size(), static_cast<std::size_t>(count));
  auto requests = RequestsTo(simulator(), "GET", "/accounting/invoices");
  ASSERT_FALSE(requests.empty());
  EXPECT_EQ(requests.back().target,
            absl::StrCat("/accounting/invoices?page=", requests.size(),
                         "&limit=20&status=OPEN&orderField=invoiceDate&"
                         "orderDir=ASC&dueDateFrom=2024-03-01"));
}

TEST_F(InvoicesBillsTest, TokenReplayedWithOtherFiltersIsRejected) {
  v1::ListInvoicesRequest req;
  req.set_page_size(5);
  req.set_status(v1::DOCUMENT_STATUS_OPEN);
  v1::ListInvoicesResponse first;
  auto ctx = Context();
  ASSERT_TRUE(invoices_->ListInvoices(ctx.get(), req, &first).ok());
  ASSERT_FALSE(first.next_page_token().empty());

  req.set_page_token(first.next_page_token());
  req.set_status(v1::DOCUMENT_STATUS_PAID);
  v1::ListInvoicesResponse second;
  auto ctx2 = Context();
  grpc::Status s = invoices_->ListInvoices(ctx2.get(), req, &second);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(s), ElementsAre("page_token"));
  EXPECT_THAT(s.error_message(), HasSubstr("other values"));
  // Only the first page went upstream.
  EXPECT_EQ(simulator().Requests().size(), 1u);

  // With the original filters the token works.
  req.set_status(v1::DOCUMENT_STATUS_OPEN);
  auto ctx3 = Context();
  EXPECT_TRUE(invoices_->ListInvoices(ctx3.get(), req, &second).ok());
  EXPECT_EQ(QueryValue(simulator().Requests().back(), "page"), "2");
}

TEST_F(InvoicesBillsTest, GarbageTokenAndNegativePageSizeNeverGoUpstream) {
  v1::ListBillsRequest req;
  req.set_page_token("bm90IGEgdG9rZW4");
  v1::ListBillsResponse resp;
  auto ctx = Context();
  grpc::Status s = bills_->ListBills(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(s), ElementsAre("page_token"));
  req.clear_page_token();
  req.set_page_size(-10);
  auto ctx2 = Context();
  s = bills_->ListBills(ctx2.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(s), ElementsAre("page_size"));
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(InvoicesBillsTest, BillsWithMaesnsDefaultPageSize) {
  v1::ListBillsRequest req;  // page_size 0: no limit sent
  req.set_raw_data(true);
  int count = 0, pages = 0;
  std::set<std::string> unique;
  for (int guard = 0; guard < 100; ++guard) {
    v1::ListBillsResponse resp;
    auto ctx = Context();
    ASSERT_TRUE(bills_->ListBills(ctx.get(), req, &resp).ok());
    ++pages;
    count += resp.bills_size();
    for (const auto& b : resp.bills()) unique.insert(b.id());
    // rawData comes back as the list of the page's upstream objects.
    EXPECT_EQ(resp.raw_data().list_value().values_size(), resp.bills_size());
    if (resp.next_page_token().empty()) break;
    req.set_page_token(resp.next_page_token());
  }
  EXPECT_EQ(count, kBills);
  EXPECT_EQ(unique.size(), static_cast<std::size_t>(kBills));
  EXPECT_EQ(pages, 6);  // the simulator's default of 50
  for (const auto& r : RequestsTo(simulator(), "GET", "/accounting/bills")) {
    EXPECT_EQ(QueryValue(r, "limit"), "");
    EXPECT_EQ(QueryValue(r, "rawData"), "true");
  }
}

TEST_F(InvoicesBillsTest, CreateInvoiceChecksRequiredFieldsFirst) {
  v1::CreateInvoiceRequest req;
  req.mutable_invoice()->add_line_items()->set_unit_amount(10);
  v1::CreateInvoiceResponse resp;
  auto ctx = Context();
  grpc::Status s = invoices_->CreateInvoice(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(
      ViolationFields(s),
      ElementsAre("invoice.invoice_date", "invoice.line_items[0].quantity"));
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(InvoicesBillsTest, CreatedInvoiceIsStoredAndListed) {
  v1::CreateInvoiceRequest req;
  req.set_company_id("c1");
  auto* inv = req.mutable_invoice();
  *inv->mutable_invoice_date() = MakeDate(2025, 1, 1);
  inv->set_invoice_number("RE-NEW-42");
  inv->set_currency("EUR");
  auto* line = inv->add_line_items();
  line->set_quantity(3);
  line->set_unit_amount(19.99);
  line->set_tax_rate_percentage(19);
  v1::CreateInvoiceResponse created;
  auto ctx = Context();
  ASSERT_TRUE(invoices_->CreateInvoice(ctx.get(), req, &created).ok());
  const std::string id = created.invoice().invoice_id();
  ASSERT_FALSE(id.empty());
  EXPECT_DOUBLE_EQ(created.invoice().sum_net_amount(), 59.97);
  EXPECT_TRUE(created.invoice().has_created_date());
  // The calendar date comes back as the same day.
  EXPECT_EQ(DateKey(created.invoice().invoice_date()), 20250101);

  auto posts = RequestsTo(simulator(), "POST", "/accounting/invoices");
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].target, "/accounting/invoices?companyId=c1");
  EXPECT_EQ(Json::parse(posts[0].body),
            Json::parse(R"({"currency":"EUR","invoiceDate":
                "2025-01-01T00:00:00Z","invoiceNumber":"RE-NEW-42",
                "lineItems":[{"quantity":3,"taxRatePercentage":19,
                "unitAmount":19.99}]})"));

  v1::GetInvoiceRequest get;
  get.set_invoice_id(id);
  v1::GetInvoiceResponse got;
  auto ctx2 = Context();
  ASSERT_TRUE(invoices_->GetInvoice(ctx2.get(), get, &got).ok());
  EXPECT_THAT(got.invoice(), EqualsProto(created.invoice()));

  v1::ListInvoicesRequest list;
  list.set_page_size(100);
  list.set_order_by(v1::INVOICE_ORDER_FIELD_INVOICE_DATE);
  list.set_order_direction(v1::ORDER_DIRECTION_DESC);
  v1::ListInvoicesResponse listed;
  auto ctx3 = Context();
  ASSERT_TRUE(invoices_->ListInvoices(ctx3.get(), list, &listed).ok());
  EXPECT_EQ(listed.total_size(), kInvoices + 1);
  EXPECT_EQ(listed.invoices(0).invoice_id(), id);  // the newest date
}

TEST_F(InvoicesBillsTest, CreateThatGets5xxReachesMaesnOnceAndIsUnknown) {
  FailWith("POST", "/accounting/invoices", 503);
  v1::CreateInvoiceRequest req;
  *req.mutable_invoice()->mutable_invoice_date() = MakeDate(2025, 1, 1);
  req.mutable_invoice()->add_line_items()->set_quantity(1);
  v1::CreateInvoiceResponse resp;
  auto ctx = Context();
  grpc::Status s = invoices_->CreateInvoice(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ErrorInfoOf(s).metadata().at("write_outcome"), "UNKNOWN");
  EXPECT_THAT(s.error_message(), HasSubstr("look the record up"));
  EXPECT_EQ(RequestsTo(simulator(), "POST", "/accounting/invoices").size(), 1u);
  EXPECT_EQ(simulator().Requests().size(), 1u);
}

TEST_F(InvoicesBillsTest, NoWriteIsEverRepeated) {
  // 502 would be retried for a read; a write goes out exactly once.
  struct Write {
    std::string method, path;
    std::function<grpc::Status()> call;
  };
  auto ctx = [this] { return Context(); };
  std::vector<Write> writes = {
      {"PATCH", "/accounting/invoices/sim-inv-0001",
       [&] {
         v1::UpdateInvoiceRequest r;
         r.set_invoice_id("sim-inv-0001");
         r.mutable_update_mask()->add_paths("name");
         v1::UpdateInvoiceResponse out;
         return invoices_->UpdateInvoice(ctx().get(), r, &out);
       }},
      {"POST", "/accounting/invoices/sim-inv-0001/lineItems",
       [&] {
         v1::CreateInvoiceLineItemRequest r;
         r.set_invoice_id("sim-inv-0001");
         r.mutable_line_item()->set_quantity(1);
         v1::CreateInvoiceLineItemResponse out;
         return invoices_->CreateInvoiceLineItem(ctx().get(), r, &out);
       }},
      {"PATCH", "/accounting/invoices/sim-inv-0001/lineItems/L",
       [&] {
         v1::UpdateInvoiceLineItemRequest r;
         r.set_invoice_id("sim-inv-0001");
         r.set_line_item_id("L");
         r.mutable_update_mask()->add_paths("quantity");
         v1::UpdateInvoiceLineItemResponse out;
         return invoices_->UpdateInvoiceLineItem(ctx().get(), r, &out);
       }},
      {"POST", "/accounting/bills",
       [&] {
         v1::CreateBillRequest r;
         r.mutable_bill()->set_name("x");
         v1::CreateBillResponse out;
         return bills_->CreateBill(ctx().get(), r, &out);
       }},
      {"PUT", "/accounting/bills/sim-bill-0001",
       [&] {
         v1::UpdateBillRequest r;
         r.set_bill_id("sim-bill-0001");
         r.mutable_bill()->set_name("x");
         v1::UpdateBillResponse out;
         return bills_->UpdateBill(ctx().get(), r, &out);
       }},
      {"DELETE", "/accounting/bills/sim-bill-0001",
       [&] {
         v1::DeleteBillRequest r;
         r.set_bill_id("sim-bill-0001");
         v1::DeleteBillResponse out;
         return bills_->DeleteBill(ctx().get(), r, &out);
       }},
      {"POST", "/accounting/bills/sim-bill-0001/lineItems",
       [&] {
         v1::CreateBillLineItemRequest r;
         r.set_bill_id("sim-bill-0001");
         r.mutable_line_item()->set_quantity(1);
         v1::CreateBillLineItemResponse out;
         return bills_->CreateBillLineItem(ctx().get(), r, &out);
       }},
      {"PUT", "/accounting/bills/sim-bill-0001/lineItems/L",
       [&] {
         v1::UpdateBillLineItemRequest r;
         r.set_bill_id("sim-bill-0001");
         r.set_line_item_id("L");
         r.mutable_line_item()->set_quantity(1);
         v1::UpdateBillLineItemResponse out;
         return bills_->UpdateBillLineItem(ctx().get(), r, &out);
       }},
  };
  for (const Write& w : writes) {
    simulator().ClearRequests();
    FailWith(w.method, w.path, 502);
    grpc::Status s = w.call();
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE) << w.path;
    EXPECT_EQ(ErrorInfoOf(s).metadata().at("write_outcome"), "UNKNOWN")
        << w.path;
    EXPECT_EQ(RequestsTo(simulator(), w.method, w.path).size(), 1u) << w.path;
  }
}

TEST_F(InvoicesBillsTest, FieldMaskUpdateSendsOnlyTheMaskedFields) {
  v1::GetInvoiceRequest get;
  get.set_invoice_id("sim-inv-0001");
  v1::GetInvoiceResponse before;
  auto ctx = Context();
  ASSERT_TRUE(invoices_->GetInvoice(ctx.get(), get, &before).ok());
  ASSERT_TRUE(before.invoice().has_due_date());

  v1::UpdateInvoiceRequest req;
  req.set_invoice_id("sim-inv-0001");
  req.mutable_invoice()->set_reference("PO-CHANGED");
  req.mutable_invoice()->set_name("not sent: not in the mask");
  req.mutable_invoice()->set_currency("USD");
  req.mutable_update_mask()->add_paths("reference");
  req.mutable_update_mask()->add_paths("due_date");  // unset: cleared
  v1::UpdateInvoiceResponse after;
  auto ctx2 = Context();
  ASSERT_TRUE(invoices_->UpdateInvoice(ctx2.get(), req, &after).ok());

  auto patches =
      RequestsTo(simulator(), "PATCH", "/accounting/invoices/sim-inv-0001");
  ASSERT_EQ(patches.size(), 1u);
  EXPECT_EQ(Json::parse(patches[0].body),
            Json::parse(R"({"reference":"PO-CHANGED","dueDate":null})"));
  EXPECT_EQ(after.invoice().reference(), "PO-CHANGED");
  EXPECT_FALSE(after.invoice().has_due_date());
  EXPECT_EQ(after.invoice().name(), before.invoice().name());
  EXPECT_EQ(after.invoice().currency(), before.invoice().currency());
}

TEST_F(InvoicesBillsTest, UnknownMaskPathIsRejectedBeforeSending) {
  v1::UpdateInvoiceRequest req;
  req.set_invoice_id("sim-inv-0001");
  req.mutable_update_mask()->add_paths("total_amount");  // read-only
  v1::UpdateInvoiceResponse resp;
  auto ctx = Context();
  grpc::Status s = invoices_->UpdateInvoice(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(s), ElementsAre("update_mask.paths[0]"));
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(InvoicesBillsTest, AStatusThePatchDoesNotAcceptIsRefusedBeforeSending) {
  v1::UpdateInvoiceRequest req;
  req.set_invoice_id("sim-inv-0001");
  req.mutable_invoice()->set_status(v1::DOCUMENT_STATUS_OVERDUE);
  req.mutable_update_mask()->add_paths("status");
  v1::UpdateInvoiceResponse resp;
  auto ctx = Context();
  grpc::Status s = invoices_->UpdateInvoice(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(s), ElementsAre("invoice.status"));
  EXPECT_THAT(s.error_message(), HasSubstr("DOCUMENT_STATUS_OVERDUE"));
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(InvoicesBillsTest, MaesnsValidationErrorsComeBackAsFieldViolations) {
  v1::UpdateInvoiceRequest req;
  req.set_invoice_id("sim-inv-0001");
  req.mutable_invoice()->add_line_items()->set_line_item_id("no-such-line");
  req.mutable_update_mask()->add_paths("line_items");
  v1::UpdateInvoiceResponse resp;
  auto ctx = Context();
  grpc::Status s = invoices_->UpdateInvoice(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Maesn's path (lineItems.0.lineItemId) becomes the request's field path.
  EXPECT_THAT(ViolationFields(s),
              ElementsAre("invoice.line_items[0].line_item_id"));
  // Maesn refused it: nothing was written, so sending a corrected request is
  // safe.
  EXPECT_EQ(ErrorInfoOf(s).metadata().at("write_outcome"), "REJECTED");
}

TEST_F(InvoicesBillsTest, InvoiceLineItems) {
  v1::ListInvoiceLineItemsRequest list;
  list.set_invoice_id("sim-inv-0002");  // three lines
  list.set_page_size(5);
  list.set_raw_data(true);
  v1::ListInvoiceLineItemsResponse lines;
  auto ctx = Context();
  ASSERT_TRUE(invoices_->ListInvoiceLineItems(ctx.get(), list, &lines).ok());
  ASSERT_EQ(lines.line_items_size(), 3);
  EXPECT_TRUE(lines.next_page_token().empty());
  EXPECT_EQ(lines.total_size(), 3);
  EXPECT_EQ(lines.raw_data().list_value().values_size(), 3);

  v1::GetInvoiceLineItemRequest get;
  get.set_invoice_id("sim-inv-0002");
  get.set_line_item_id(lines.line_items(1).line_item_id());
  get.set_raw_data(true);
  v1::GetInvoiceLineItemResponse one;
  auto ctx2 = Context();
  ASSERT_TRUE(invoices_->GetInvoiceLineItem(ctx2.get(), get, &one).ok());
  EXPECT_THAT(one.line_item(), EqualsProto(lines.line_items(1)));
  EXPECT_GT(one.raw_data().fields_size(), 0);

  v1::CreateInvoiceLineItemRequest add;
  add.set_invoice_id("sim-inv-0002");
  add.mutable_line_item()->set_quantity(2);
  add.mutable_line_item()->set_unit_amount(50);
  v1::CreateInvoiceLineItemResponse added;
  auto ctx3 = Context();
  ASSERT_TRUE(invoices_->CreateInvoiceLineItem(ctx3.get(), add, &added).ok());
  EXPECT_DOUBLE_EQ(added.line_item().items_amount(), 100);

  v1::UpdateInvoiceLineItemRequest change;
  change.set_invoice_id("sim-inv-0002");
  change.set_line_item_id(added.line_item().line_item_id());
  change.mutable_line_item()->set_quantity(4);
  change.mutable_update_mask()->add_paths("quantity");
  v1::UpdateInvoiceLineItemResponse changed;
  auto ctx4 = Context();
  ASSERT_TRUE(
      invoices_->UpdateInvoiceLineItem(ctx4.get(), change, &changed).ok());
  EXPECT_DOUBLE_EQ(changed.line_item().items_amount(), 200);

  auto ctx5 = Context();
  ASSERT_TRUE(invoices_->ListInvoiceLineItems(ctx5.get(), list, &lines).ok());
  EXPECT_EQ(lines.line_items_size(), 4);
}

TEST_F(InvoicesBillsTest, DocumentsComeBackAsBytes) {
  v1::GetInvoiceDocumentRequest inv;
  inv.set_invoice_id("sim-inv-0001");
  v1::GetInvoiceDocumentResponse idoc;
  auto ctx = Context();
  ASSERT_TRUE(invoices_->GetInvoiceDocument(ctx.get(), inv, &idoc).ok());
  EXPECT_TRUE(absl::StartsWith(idoc.document().content(), "%PDF-1.4\n"));
  EXPECT_EQ(idoc.document().content_type(), "application/pdf");
  EXPECT_EQ(idoc.document().file_name(), "invoice-RE-2024-0001.pdf");

  v1::GetBillDocumentRequest bill;
  bill.set_bill_id("sim-bill-0001");
  v1::GetBillDocumentResponse bdoc;
  auto ctx2 = Context();
  ASSERT_TRUE(bills_->GetBillDocument(ctx2.get(), bill, &bdoc).ok());
  EXPECT_THAT(bdoc.document().content(), HasSubstr("sim-bill-0001"));

  bill.set_bill_id("no-such-bill");
  auto ctx3 = Context();
  EXPECT_EQ(bills_->GetBillDocument(ctx3.get(), bill, &bdoc).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(InvoicesBillsTest, BillLifecycle) {
  v1::CreateBillRequest create;
  create.set_environment_name("prod");
  create.mutable_bill()->set_bill_number("ER-LIFE-1");
  create.mutable_bill()->set_status(v1::DOCUMENT_STATUS_DRAFT);
  auto* line = create.mutable_bill()->add_line_items();
  line->set_quantity(2);
  line->set_total_net_amount(10);
  v1::CreateBillResponse created;
  auto ctx = Context();
  ASSERT_TRUE(bills_->CreateBill(ctx.get(), create, &created).ok());
  const std::string id = created.bill().id();
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(created.bill().bill_number(), "ER-LIFE-1");

  v1::UpdateBillRequest put;
  put.set_bill_id(id);
  put.mutable_bill()->set_bill_number("ER-LIFE-1b");
  put.mutable_bill()->set_shipping_type(v1::BILL_SHIPPING_TYPE_SERVICE_PERIOD);
  v1::UpdateBillResponse replaced;
  auto ctx2 = Context();
  ASSERT_TRUE(bills_->UpdateBill(ctx2.get(), put, &replaced).ok());
  EXPECT_EQ(replaced.bill().bill_number(), "ER-LIFE-1b");
  EXPECT_EQ(replaced.bill().shipping_type(),
            v1::BILL_SHIPPING_TYPE_SERVICE_PERIOD);
  EXPECT_FALSE(replaced.bill().has_status());  // PUT replaces everything
  EXPECT_THAT(replaced.bill().line_items(), IsEmpty());

  v1::CreateBillLineItemRequest add;
  add.set_bill_id(id);
  add.mutable_line_item()->set_item_name("Schrauben");
  auto* dim = add.mutable_line_item()->add_dimensions();
  dim->set_name("C1");
  dim->set_category_name("CostCenter");
  v1::CreateBillLineItemResponse added;
  auto ctx3 = Context();
  ASSERT_TRUE(bills_->CreateBillLineItem(ctx3.get(), add, &added).ok());
  ASSERT_EQ(added.line_items_size(), 1);

  v1::UpdateBillLineItemRequest change;
  change.set_bill_id(id);
  change.set_line_item_id(added.line_items(0).id());
  change.mutable_line_item()->set_item_name("Muttern");
  v1::UpdateBillLineItemResponse changed;
  auto ctx4 = Context();
  ASSERT_TRUE(bills_->UpdateBillLineItem(ctx4.get(), change, &changed).ok());
  EXPECT_EQ(changed.line_items(0).item_name(), "Muttern");
  EXPECT_THAT(changed.line_items(0).dimensions(), IsEmpty());  // replaced

  v1::ListBillLineItemsRequest list;
  list.set_bill_id(id);
  v1::ListBillLineItemsResponse lines;
  auto ctx5 = Context();
  ASSERT_TRUE(bills_->ListBillLineItems(ctx5.get(), list, &lines).ok());
  ASSERT_EQ(lines.line_items_size(), 1);
  EXPECT_EQ(lines.line_items(0).item_name(), "Muttern");

  v1::DeleteBillRequest del;
  del.set_bill_id(id);
  v1::DeleteBillResponse deleted;
  auto ctx6 = Context();
  ASSERT_TRUE(bills_->DeleteBill(ctx6.get(), del, &deleted).ok());
  EXPECT_EQ(deleted.result(), id);
  v1::GetBillRequest get;
  get.set_bill_id(id);
  v1::GetBillResponse gone;
  auto ctx7 = Context();
  EXPECT_EQ(bills_->GetBill(ctx7.get(), get, &gone).error_code(),
            grpc::StatusCode::NOT_FOUND);
  auto ctx8 = Context();
  EXPECT_EQ(bills_->DeleteBill(ctx8.get(), del, &deleted).error_code(),
            grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(RequestsTo(simulator(), "DELETE", "/accounting/bills/" + id).size(),
            2u);  // one per call, never repeated
}

TEST_F(InvoicesBillsTest, APutSendsTheListsTheCallerNamesAsEmpty) {
  v1::UpdateBillRequest put;
  put.set_bill_id("sim-bill-0001");
  put.mutable_bill()->set_bill_number("ER-EMPTY");
  put.mutable_empty_fields()->add_paths("line_items");
  v1::UpdateBillResponse replaced;
  auto ctx = Context();
  ASSERT_TRUE(bills_->UpdateBill(ctx.get(), put, &replaced).ok());
  // Unnamed and empty: left out. Named and empty: [].
  put.clear_empty_fields();
  auto ctx2 = Context();
  ASSERT_TRUE(bills_->UpdateBill(ctx2.get(), put, &replaced).ok());
  auto puts = RequestsTo(simulator(), "PUT", "/accounting/bills/sim-bill-0001");
  ASSERT_EQ(puts.size(), 2u);
  EXPECT_EQ(Json::parse(puts[0].body),
            Json::parse(R"({"billNumber":"ER-EMPTY","lineItems":[]})"));
  EXPECT_EQ(Json::parse(puts[1].body),
            Json::parse(R"({"billNumber":"ER-EMPTY"})"));
}

TEST_F(InvoicesBillsTest, EmptyFieldsMustNameListsOfTheBody) {
  v1::UpdateBillRequest put;
  put.set_bill_id("sim-bill-0001");
  put.mutable_bill()->set_bill_number("ER-EMPTY");
  put.mutable_empty_fields()->add_paths("line_items");
  put.mutable_empty_fields()->add_paths("bill_number");
  put.mutable_empty_fields()->add_paths("no_such_field");
  v1::UpdateBillResponse replaced;
  auto ctx = Context();
  grpc::Status s = bills_->UpdateBill(ctx.get(), put, &replaced);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolationFields(s),
              ElementsAre("empty_fields.paths[1]", "empty_fields.paths[2]"));
  EXPECT_TRUE(simulator().Requests().empty());
}

// A gateway with a short upstream read timeout, for a write that Maesn
// receives but does not answer in time.
class WriteTimeoutTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    auto config = BaseConfig();
    config.read_timeout = absl::Milliseconds(300);
    StartGateway(config);
    release_ = std::make_shared<absl::Notification>();
  }
  void TearDown() override {
    if (!release_->HasBeenNotified()) release_->Notify();
    GatewayFixture::TearDown();
  }
  std::shared_ptr<absl::Notification> release_;
};

TEST_F(WriteTimeoutTest, CreateThatTimesOutReachesMaesnOnceAndIsUnknown) {
  auto release = release_;
  auto received = std::make_shared<absl::Notification>();
  simulator().SetRequestHook(
      [release,
       received](const sim::ApiRequest& r) -> std::optional<sim::ApiResponse> {
        if (r.method != "POST" || r.path != "/accounting/bills") {
          return std::nullopt;
        }
        if (!received->HasBeenNotified()) received->Notify();
        // Maesn got it (and books it) but answers only when told to.
        sim::ApiResponse held = sim::JsonResponse(
            201, sim::Envelope(sim::Json::object({{"id", "LATE-1"}})));
        held.before_send = [release] {
          release->WaitForNotificationWithTimeout(absl::Seconds(30));
        };
        return held;
      });
  v1::CreateBillRequest req;
  req.mutable_bill()->set_bill_number("ER-SLOW");
  v1::CreateBillResponse resp;
  auto ctx = Context();
  grpc::Status s = bills_->CreateBill(ctx.get(), req, &resp);
  EXPECT_TRUE(received->HasBeenNotified());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(ErrorInfoOf(s).metadata().at("write_outcome"), "UNKNOWN");
  EXPECT_THAT(s.error_message(), HasSubstr("look the record up"));
  EXPECT_EQ(RequestsTo(simulator(), "POST", "/accounting/bills").size(), 1u);
  release_->Notify();
}

}  // namespace
}  // namespace maesn::testing
