// ExpenseService and BookingProposalService end to end: an expense with two
// receipts leaves the gateway as Maesn's multipart/form-data request (file
// parts `files` and the JSON part `expense`), the always asynchronous
// expense create is followed to its end and the expense read back typed,
// and a booking proposal is created through Maesn's v2 operation, both
// synchronously and as the 202 a DATEV account answers, and its document
// read.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "maesn/accounting/v1/booking_proposal.grpc.pb.h"
#include "maesn/accounting/v1/expense.grpc.pb.h"
#include "tests/integration/gateway_fixture.h"

namespace maesn::testing {
namespace {

using ::testing::ElementsAre;
using Json = nlohmann::json;

// The simulator's account key of a target system that processes booking
// proposals asynchronously (its key contains "datev").
constexpr const char* kDatevAccountKey = "sim-datev-account-key";

class ExpensesTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    StartGateway(BaseConfig());
    expenses_ = v1::ExpenseService::NewStub(channel());
    proposals_ = v1::BookingProposalService::NewStub(channel());
  }

  // The parts of the only request the simulator received, by name (files
  // keep their order under their shared name).
  std::map<std::string, std::vector<sim::FormPart>> PartsOfOnlyRequest(
      const std::string& target) {
    const auto requests = simulator().Requests();
    EXPECT_EQ(requests.size(), 1u);
    std::map<std::string, std::vector<sim::FormPart>> parts;
    if (requests.empty()) return parts;
    EXPECT_EQ(requests[0].method, "POST");
    EXPECT_EQ(requests[0].target, target);
    for (const auto& p : requests[0].parts) parts[p.name].push_back(p);
    return parts;
  }

  // A supplier invoice with one line, as Maesn's v2 create takes it.
  static v1::BookingProposalFormV2 SupplierInvoice(const std::string& pdf) {
    v1::BookingProposalFormV2 form;
    *form.add_files() = File("RE-2024-5531.pdf", "application/pdf", pdf);
    form.set_booking_type(v1::BOOKING_PROPOSAL_BOOKING_TYPE_BILL);
    v1::NewBookingProposalV2& p = *form.mutable_booking_proposal();
    p.mutable_contact()->set_id("SUP-BRANDL");
    p.mutable_contact()->set_account_number(70010);
    p.mutable_contact()->set_name("Holzhandel Brandl GmbH");
    p.mutable_bank_account()->set_iban("DE12711500000020123456");
    p.mutable_bank_account()->set_bic("BYLADEM1ROS");
    *p.mutable_booking_proposal_date() = Day(2024, 6, 3);
    *p.mutable_due_date() = Day(2024, 7, 3);
    p.set_currency("EUR");
    p.set_number("RE-2024-5531");
    p.set_status(v1::BOOKING_PROPOSAL_STATUS_OPEN);
    v1::NewBookingProposalLineItemV2& line = *p.add_line_items();
    line.mutable_account()->set_number(3400);
    line.mutable_account()->set_name("Wareneingang 19 % Vorsteuer");
    line.set_description("Buche Leimholz 26 mm, 8 Platten");
    v1::DimensionReference& cost_centre = *line.add_dimensions();
    cost_centre.set_dimension("Kostenstelle");
    cost_centre.set_code("KST-200");
    line.set_tax_rate_percentage(19);
    line.set_total_net_amount(1000.00);
    line.set_total_gross_amount(1190.00);
    line.set_type(v1::BOOKING_PROPOSAL_LINE_ITEM_TYPE_V2_PRODUCT);
    p.set_total_gross_amount(1190.00);
    form.mutable_folder_management()->set_category("Eingangsrechnungen");
    form.mutable_folder_management()->set_folder("2024");
    form.mutable_folder_management()->set_register_("06");
    return form;
  }

  std::unique_ptr<v1::ExpenseService::Stub> expenses_;
  std::unique_ptr<v1::BookingProposalService::Stub> proposals_;
};

TEST_F(ExpensesTest, AnExpenseWithTwoReceiptsReachesMaesnAsMultipart) {
  const std::string pdf("%PDF-1.4\0\r\n--x\r\n\xff receipt", 25);
  const std::string jpg("\xff\xd8\xff\xe0 stamp receipt", 18);
  v1::CreateExpenseRequest req;
  req.set_company_id("c1");
  v1::ExpenseForm& form = *req.mutable_form();
  *form.add_files() = File("Buero_Kaiser_4512.pdf", "application/pdf", pdf);
  *form.add_files() = File("Porto_Quittung.jpg", "image/jpeg", jpg);
  v1::NewExpense& expense = *form.mutable_expense();
  expense.set_account_number(1200);
  expense.set_currency("EUR");
  expense.set_description("Büromaterial und Porto Juni");
  expense.set_supplier_id("SUP-BUERO-KAISER");
  expense.set_payment_type(v1::EXPENSE_PAYMENT_TYPE_CREDIT_CARD);
  expense.set_type(v1::EXPENSE_TYPE_EXPENSE);
  *expense.mutable_transaction_date() = Day(2024, 6, 14);
  v1::NewExpenseLine& paper = *expense.add_expense_lines();
  paper.set_account_number(4930);
  paper.set_description("Kopierpapier, Ordner");
  paper.mutable_tax_rate()->set_code("9");
  paper.mutable_tax_rate()->set_tax_rate_percentage("19");
  paper.set_total_net_amount(45.90);
  paper.set_total_gross_amount(54.62);
  v1::NewExpenseLine& stamps = *expense.add_expense_lines();
  stamps.set_account_number(4910);
  stamps.set_description("Briefmarken");
  stamps.mutable_tax_rate()->set_tax_rate_percentage("0");
  stamps.set_total_net_amount(12.50);
  stamps.set_total_gross_amount(12.50);
  expense.set_total_net_amount(58.40);
  expense.set_total_tax_amount(8.72);
  expense.set_total_gross_amount(67.12);

  v1::CreateExpenseResponse resp;
  auto ctx = Context();
  grpc::Status s = expenses_->CreateExpense(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(resp.has_task_id());
  EXPECT_EQ(resp.meta().mapping_warnings_size(), 0)
      << resp.meta().DebugString();
  const v1::Expense& created = resp.expense();
  ASSERT_FALSE(created.id().empty());
  EXPECT_EQ(created.description(), "Büromaterial und Porto Juni");
  EXPECT_EQ(created.payment_type(), v1::EXPENSE_PAYMENT_TYPE_CREDIT_CARD);
  EXPECT_EQ(created.total_gross_amount(), 67.12);
  EXPECT_EQ(created.transaction_date().day(), 14);
  ASSERT_EQ(created.expense_lines_size(), 2);
  EXPECT_EQ(created.expense_lines(0).account_number(), 4930);
  EXPECT_EQ(created.expense_lines(0).tax_rate().tax_rate_percentage(), "19");
  EXPECT_THAT(created.files(),
              ElementsAre("Buero_Kaiser_4512.pdf", "Porto_Quittung.jpg"));

  auto parts = PartsOfOnlyRequest("/accounting/expenses?companyId=c1");
  ASSERT_EQ(parts.size(), 2u);
  ASSERT_EQ(parts["files"].size(), 2u);
  EXPECT_EQ(parts["files"][0].file_name, "Buero_Kaiser_4512.pdf");
  EXPECT_EQ(parts["files"][0].content_type, "application/pdf");
  EXPECT_EQ(parts["files"][0].content, pdf);
  EXPECT_EQ(parts["files"][1].file_name, "Porto_Quittung.jpg");
  EXPECT_EQ(parts["files"][1].content_type, "image/jpeg");
  EXPECT_EQ(parts["files"][1].content, jpg);
  ASSERT_EQ(parts["expense"].size(), 1u);
  EXPECT_TRUE(parts["expense"][0].file_name.empty());
  EXPECT_THAT(parts["expense"][0].content_type,
              ::testing::StartsWith("application/json"));
  const Json sent = Json::parse(parts["expense"][0].content);
  EXPECT_EQ(sent["description"], "Büromaterial und Porto Juni");
  EXPECT_EQ(sent["paymentType"], "CREDIT_CARD");
  EXPECT_EQ(sent["type"], "EXPENSE");
  EXPECT_EQ(sent["transactionDate"], "2024-06-14T00:00:00Z");
  EXPECT_EQ(sent["accountNumber"], 1200);
  EXPECT_EQ(sent["totalGrossAmount"], 67.12);
  ASSERT_EQ(sent["expenseLines"].size(), 2u);
  EXPECT_EQ(sent["expenseLines"][0]["accountNumber"], 4930);
  EXPECT_EQ(sent["expenseLines"][0]["taxRate"],
            Json({{"code", "9"}, {"taxRatePercentage", "19"}}));
  EXPECT_EQ(sent["expenseLines"][1]["totalNetAmount"], 12.5);
  EXPECT_FALSE(sent.contains("id"));

  // Read back as stored.
  v1::GetExpenseRequest get;
  get.set_expense_id(created.id());
  v1::GetExpenseResponse got;
  auto get_ctx = Context();
  ASSERT_TRUE(expenses_->GetExpense(get_ctx.get(), get, &got).ok());
  EXPECT_EQ(got.expense().SerializeAsString(), created.SerializeAsString());
}

TEST_F(ExpensesTest, AnAsynchronousExpenseIsFollowedToSuccessAndReadBack) {
  v1::CreateExpenseAsyncRequest req;
  v1::ExpenseAsyncForm& form = *req.mutable_form();
  *form.add_files() =
      File("Tankbeleg_2024-06-20.pdf", "application/pdf", "%PDF-1.4 fuel");
  v1::NewExpenseV2& expense = *form.mutable_expense();
  expense.mutable_account()->set_number(1000);
  expense.mutable_account()->set_name("Kasse");
  expense.set_currency("EUR");
  expense.set_description("Tankquittung Transporter M-HS 4711");
  expense.set_generator_name("Belegerfassung App");
  expense.set_supplier_id("SUP-ARAL");
  expense.set_payment_type(v1::EXPENSE_PAYMENT_TYPE_CASH);
  expense.set_type(v1::EXPENSE_TYPE_EXPENSE);
  *expense.mutable_transaction_date() = Day(2024, 6, 20);
  v1::NewExpenseLineV2& fuel = *expense.add_expense_lines();
  fuel.mutable_account()->set_number(4530);
  fuel.set_description("Diesel 61,2 l");
  fuel.mutable_tax_rate()->set_code("9");
  fuel.mutable_tax_rate()->set_description("Vorsteuer 19 %");
  v1::DimensionReference& fleet = *fuel.add_dimensions();
  fleet.set_dimension("Kostenstelle");
  fleet.set_code("KST-300");
  fuel.set_total_net_amount(80.00);
  fuel.set_total_gross_amount(95.20);
  expense.set_total_net_amount(80.00);
  expense.set_total_tax_amount(15.20);
  expense.set_total_gross_amount(95.20);

  v1::CreateExpenseAsyncResponse resp;
  auto ctx = Context();
  grpc::Status s = expenses_->CreateExpenseAsync(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_FALSE(resp.task_id().empty());
  auto parts = PartsOfOnlyRequest("/accounting/expenses/async");
  ASSERT_EQ(parts["files"].size(), 1u);
  ASSERT_EQ(parts["expense"].size(), 1u);
  const Json sent = Json::parse(parts["expense"][0].content);
  EXPECT_EQ(sent["account"], Json({{"name", "Kasse"}, {"number", 1000}}));
  EXPECT_EQ(sent["generatorName"], "Belegerfassung App");
  EXPECT_EQ(sent["expenseLines"][0]["account"], Json({{"number", 4530}}));
  EXPECT_EQ(sent["expenseLines"][0]["dimensions"][0],
            Json({{"code", "KST-300"}, {"dimension", "Kostenstelle"}}));

  const v1::Task task = FinishTask(resp.task_id(), kAccountKey);
  EXPECT_EQ(task.status(), v1::TASK_STATUS_SUCCESS);
  const Json result = Json::parse(task.response_data_json());
  ASSERT_TRUE(result.contains("id"));
  const std::string id = result["id"].get<std::string>();

  v1::GetExpenseRequest get;
  get.set_expense_id(id);
  v1::GetExpenseResponse got;
  auto get_ctx = Context();
  ASSERT_TRUE(expenses_->GetExpense(get_ctx.get(), get, &got).ok());
  EXPECT_EQ(got.meta().mapping_warnings_size(), 0) << got.meta().DebugString();
  const v1::Expense& e = got.expense();
  EXPECT_EQ(e.id(), id);
  EXPECT_EQ(e.description(), "Tankquittung Transporter M-HS 4711");
  EXPECT_EQ(e.supplier_id(), "SUP-ARAL");
  EXPECT_EQ(e.payment_type(), v1::EXPENSE_PAYMENT_TYPE_CASH);
  EXPECT_EQ(e.total_net_amount(), 80.00);
  EXPECT_EQ(e.total_tax_amount(), 15.20);
  EXPECT_EQ(e.total_gross_amount(), 95.20);
  EXPECT_EQ(e.transaction_date().year(), 2024);
  EXPECT_EQ(e.transaction_date().month(), 6);
  EXPECT_EQ(e.transaction_date().day(), 20);
  EXPECT_TRUE(e.has_created_date());
  EXPECT_THAT(e.files(), ElementsAre("Tankbeleg_2024-06-20.pdf"));
  ASSERT_EQ(e.expense_lines_size(), 1);
  EXPECT_EQ(e.expense_lines(0).description(), "Diesel 61,2 l");
  EXPECT_EQ(e.expense_lines(0).tax_rate().code(), "9");
  EXPECT_EQ(e.expense_lines(0).total_gross_amount(), 95.20);
}

TEST_F(ExpensesTest, ABookingProposalIsCreatedThroughV2AndItsDocumentRead) {
  const std::string pdf("%PDF-1.4\0 Rechnung RE-2024-5531", 31);
  v1::CreateBookingProposalRequest req;
  *req.mutable_form() = SupplierInvoice(pdf);
  v1::CreateBookingProposalResponse resp;
  auto ctx = Context();
  grpc::Status s = proposals_->CreateBookingProposal(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(resp.has_task_id());
  EXPECT_EQ(resp.meta().mapping_warnings_size(), 0)
      << resp.meta().DebugString();
  const v1::BookingProposalV2& p = resp.booking_proposal();
  ASSERT_FALSE(p.id().empty());
  EXPECT_EQ(p.booking_type(), v1::BOOKING_PROPOSAL_BOOKING_TYPE_BILL);
  EXPECT_EQ(p.status(), v1::BOOKING_PROPOSAL_STATUS_OPEN);
  EXPECT_EQ(p.contact().name(), "Holzhandel Brandl GmbH");
  EXPECT_EQ(p.contact().account_number(), 70010);
  EXPECT_EQ(p.bank_account().iban(), "DE12711500000020123456");
  EXPECT_EQ(p.due_date().month(), 7);
  ASSERT_EQ(p.line_items_size(), 1);
  EXPECT_EQ(p.line_items(0).account().number(), 3400);
  EXPECT_EQ(p.line_items(0).dimensions(0).code(), "KST-200");
  EXPECT_EQ(p.line_items(0).type(),
            v1::BOOKING_PROPOSAL_LINE_ITEM_TYPE_V2_PRODUCT);
  EXPECT_EQ(p.total_gross_amount(), 1190.00);
  EXPECT_THAT(p.files(), ElementsAre("RE-2024-5531.pdf"));

  auto parts = PartsOfOnlyRequest("/accounting/v2/bookingProposals");
  ASSERT_EQ(parts.size(), 4u);
  ASSERT_EQ(parts["files"].size(), 1u);
  EXPECT_EQ(parts["files"][0].content, pdf);
  ASSERT_EQ(parts["bookingType"].size(), 1u);
  EXPECT_EQ(parts["bookingType"][0].content, "BILL");
  const Json sent = Json::parse(parts["bookingProposal"].at(0).content);
  EXPECT_EQ(sent["contact"]["accountNumber"], 70010);
  EXPECT_EQ(sent["bookingProposalDate"], "2024-06-03T00:00:00Z");
  EXPECT_EQ(sent["lineItems"][0]["type"], "PRODUCT");
  EXPECT_EQ(Json::parse(parts["folderManagement"].at(0).content),
            Json({{"category", "Eingangsrechnungen"},
                  {"folder", "2024"},
                  {"register", "06"}}));

  // The document is the uploaded invoice.
  simulator().ClearRequests();
  v1::GetBookingProposalDocumentRequest doc_req;
  doc_req.set_booking_proposal_id(p.id());
  v1::GetBookingProposalDocumentResponse doc;
  auto doc_ctx = Context();
  s = proposals_->GetBookingProposalDocument(doc_ctx.get(), doc_req, &doc);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(doc.document().file_name(), "RE-2024-5531.pdf");
  EXPECT_EQ(doc.document().content_type(), "application/pdf");
  EXPECT_EQ(doc.document().content(), pdf);
  const auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target,
            "/accounting/bookingProposals/" + p.id() + "/document");
}

TEST_F(ExpensesTest, ABookingProposalQueuedByDatevIsFollowedToItsEnd) {
  v1::CreateBookingProposalRequest req;
  *req.mutable_form() = SupplierInvoice("%PDF-1.4 queued");
  v1::CreateBookingProposalResponse resp;
  auto ctx = Context(kApiKey, kDatevAccountKey);
  grpc::Status s = proposals_->CreateBookingProposal(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  // Maesn's 202 carries only the task id.
  ASSERT_TRUE(resp.has_task_id());
  ASSERT_FALSE(resp.task_id().empty());
  EXPECT_FALSE(resp.booking_proposal().has_id());

  const v1::Task task = FinishTask(resp.task_id(), kDatevAccountKey);
  EXPECT_EQ(task.status(), v1::TASK_STATUS_SUCCESS);
  const Json result = Json::parse(task.response_data_json());
  EXPECT_EQ(result["number"], "RE-2024-5531");
  const std::string id = result["id"].get<std::string>();

  v1::GetBookingProposalDocumentRequest doc_req;
  doc_req.set_booking_proposal_id(id);
  v1::GetBookingProposalDocumentResponse doc;
  auto doc_ctx = Context(kApiKey, kDatevAccountKey);
  s = proposals_->GetBookingProposalDocument(doc_ctx.get(), doc_req, &doc);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(doc.document().file_name(), "RE-2024-5531.pdf");
  EXPECT_EQ(doc.document().content(), "%PDF-1.4 queued");
}

TEST_F(ExpensesTest, AV2BookingTypeMaesnDoesNotAcceptSendsNothing) {
  v1::CreateBookingProposalRequest req;
  *req.mutable_form() = SupplierInvoice("%PDF-1.4");
  req.mutable_form()->set_booking_type(
      v1::BOOKING_PROPOSAL_BOOKING_TYPE_INVOICE_CREDIT_NOTE);
  v1::CreateBookingProposalResponse resp;
  auto ctx = Context();
  grpc::Status s = proposals_->CreateBookingProposal(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("booking_type"));
  EXPECT_TRUE(simulator().Requests().empty());
}

}  // namespace
}  // namespace maesn::testing
