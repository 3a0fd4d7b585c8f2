// JournalEntryService and TransactionService end to end: a journal entry
// created with two files leaves the gateway as Maesn's multipart/form-data
// request (a file part per file, a text part per filesPos value and the
// entry as the JSON part `journal_entry`); a batch create answers with a
// task (for any target system) that WaitTask follows to SUCCESS; a list of
// an asynchronous target system answers with a task id; attachments are
// listed, added and read; a transaction is created with its file,
// synchronously and, for a target system that processes it asynchronously,
// with a task id.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "maesn/accounting/v1/journal_entry.grpc.pb.h"
#include "maesn/accounting/v1/transaction.grpc.pb.h"
#include "tests/integration/gateway_fixture.h"

namespace maesn::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;

constexpr const char* kDatevAccountKey = "sim-datev-account-key";

class JournalEntriesTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    StartGateway(BaseConfig());
    entries_ = v1::JournalEntryService::NewStub(channel());
    transactions_ = v1::TransactionService::NewStub(channel());
  }

  // A hotel bill booked to travel costs with 7 % input tax, paid from the
  // bank: debits (net + tax) equal the credit.
  static v1::NewJournalEntry HotelBill() {
    v1::NewJournalEntry entry;
    entry.set_currency("EUR");
    entry.set_description("Hotel Dresden, Messebesuch");
    entry.set_journal_code("BANK");
    *entry.mutable_transaction_date() = Day(2024, 4, 15);
    v1::NewJournalLineItem* debit = entry.add_journal_line_items();
    debit->set_account_number(4660);
    debit->set_debit_credit_indicator(
        v1::JOURNAL_ENTRY_DEBIT_CREDIT_INDICATOR_DEBIT);
    debit->set_total_net_amount(200.00);
    debit->set_total_tax_amount(14.00);
    debit->set_total_gross_amount(214.00);
    debit->mutable_tax_rate()->set_code("8");
    debit->mutable_tax_rate()->set_tax_rate_percentage("7");
    debit->set_exchange_rate("1");
    v1::NewJournalLineItem* credit = entry.add_journal_line_items();
    credit->set_account_number(1200);
    credit->set_debit_credit_indicator(
        v1::JOURNAL_ENTRY_DEBIT_CREDIT_INDICATOR_CREDIT);
    credit->set_total_net_amount(214.00);
    credit->set_total_tax_amount(0);
    credit->set_total_gross_amount(214.00);
    return entry;
  }

  std::unique_ptr<v1::JournalEntryService::Stub> entries_;
  std::unique_ptr<v1::TransactionService::Stub> transactions_;
};

TEST_F(JournalEntriesTest, AnEntryWithTwoFilesReachesMaesnAsMultipart) {
  const std::string pdf("%PDF-1.4\0\r\n--x\r\n\xff", 18);
  v1::CreateJournalEntryRequest req;
  req.set_company_id("c1");
  v1::JournalEntryUpload* upload = req.mutable_upload();
  *upload->add_files() = File("Hotel-2024-04.pdf", "application/pdf", pdf);
  *upload->add_files() = File("Parkschein.jpg", "image/jpeg", "\xff\xd8jpeg");
  upload->add_files_pos("1");
  upload->add_files_pos("2");
  *upload->mutable_journal_entry() = HotelBill();
  v1::CreateJournalEntryResponse resp;
  auto ctx = Context();
  grpc::Status s = entries_->CreateJournalEntry(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(resp.has_task_id());
  EXPECT_EQ(resp.meta().mapping_warnings_size(), 0)
      << resp.meta().DebugString();
  const v1::JournalEntry& created = resp.journal_entry();
  EXPECT_FALSE(created.id().empty());
  EXPECT_EQ(created.description(), "Hotel Dresden, Messebesuch");
  EXPECT_EQ(created.transaction_date().day(), 15);
  EXPECT_THAT(created.files(),
              ElementsAre("Hotel-2024-04.pdf", "Parkschein.jpg"));
  ASSERT_EQ(created.journal_line_items_size(), 2);
  EXPECT_EQ(created.journal_line_items(0).total_gross_amount(),
            created.journal_line_items(1).total_gross_amount());

  const auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/accounting/journalEntries?companyId=c1");
  const auto& parts = requests[0].parts;
  ASSERT_EQ(parts.size(), 5u);
  EXPECT_EQ(parts[0].name, "files");
  EXPECT_EQ(parts[0].file_name, "Hotel-2024-04.pdf");
  EXPECT_EQ(parts[0].content_type, "application/pdf");
  EXPECT_EQ(parts[0].content, pdf);
  EXPECT_EQ(parts[1].name, "files");
  EXPECT_EQ(parts[1].file_name, "Parkschein.jpg");
  EXPECT_EQ(parts[1].content, "\xff\xd8jpeg");
  EXPECT_EQ(parts[2].name, "filesPos");
  EXPECT_TRUE(parts[2].file_name.empty());
  EXPECT_EQ(parts[2].content, "1");
  EXPECT_EQ(parts[3].name, "filesPos");
  EXPECT_EQ(parts[3].content, "2");
  EXPECT_EQ(parts[4].name, "journal_entry");
  EXPECT_THAT(parts[4].content_type, HasSubstr("application/json"));
  const nlohmann::json entry = nlohmann::json::parse(parts[4].content);
  EXPECT_EQ(entry["transactionDate"], "2024-04-15T00:00:00Z");
  EXPECT_EQ(entry["journalLineItems"][0]["debitCreditIndicator"], "DEBIT");
  EXPECT_EQ(entry["journalLineItems"][0]["totalGrossAmount"], 214.0);
  EXPECT_EQ(entry["journalLineItems"][0]["exchangeRate"], "1");
  EXPECT_EQ(entry["journalLineItems"][0]["taxRate"]["taxRatePercentage"], "7");
  EXPECT_EQ(entry["journalLineItems"][1]["debitCreditIndicator"], "CREDIT");

  // Read back as stored.
  v1::GetJournalEntryRequest get;
  get.set_journal_entry_id(created.id());
  get.set_journal_code("BANK");
  v1::GetJournalEntryResponse got;
  auto get_ctx = Context();
  ASSERT_TRUE(entries_->GetJournalEntry(get_ctx.get(), get, &got).ok());
  EXPECT_EQ(got.journal_entry().id(), created.id());
  EXPECT_EQ(simulator().Requests().back().target,
            "/accounting/journalEntries/" + created.id() + "?journalCode=BANK");
}

TEST_F(JournalEntriesTest, AnEntryWithoutItsJsonPartSendsNothing) {
  v1::CreateJournalEntryRequest req;
  *req.mutable_upload()->add_files() = File("a.pdf", "application/pdf", "x");
  v1::CreateJournalEntryResponse resp;
  auto ctx = Context();
  grpc::Status s = entries_->CreateJournalEntry(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("journal_entry"));
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(JournalEntriesTest, ABatchIsBookedByATaskThatWaitTaskFollows) {
  v1::CreateJournalEntriesRequest req;
  v1::NewJournalEntryBatch* batch = req.mutable_batch();
  batch->set_account_number_length(4);
  batch->set_chart_of_account(v1::JOURNAL_ENTRY_BATCH_CHART_OF_ACCOUNT_SKR03);
  *batch->mutable_fiscal_year_start_date() = Day(2024, 1, 1);
  *batch->add_entries() = HotelBill();
  *batch->add_entries() = HotelBill();
  batch->mutable_entries(1)->set_description("Hotel Leipzig, Kundentermin");
  v1::CreateJournalEntriesResponse resp;
  // Maesn books a batch asynchronously for any target system.
  auto ctx = Context();
  grpc::Status s = entries_->CreateJournalEntries(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(resp.has_task_id());
  EXPECT_EQ(resp.batch().task_id(), resp.task_id());
  EXPECT_EQ(resp.batch().chart_of_account(), "SKR03");
  EXPECT_EQ(resp.batch().fiscal_year_start_date().year(), 2024);
  ASSERT_EQ(resp.batch().entries_size(), 2);
  EXPECT_EQ(resp.batch().entries(1).description(),
            "Hotel Leipzig, Kundentermin");
  EXPECT_EQ(resp.meta().mapping_warnings_size(), 0)
      << resp.meta().DebugString();
  const auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].path, "/accounting/journalEntries/bulk");
  const nlohmann::json body = nlohmann::json::parse(requests[0].body);
  EXPECT_EQ(body["chartOfAccount"], "SKR03");
  EXPECT_EQ(body["accountNumberLength"], 4.0);
  EXPECT_EQ(body["fiscalYearStartDate"], "2024-01-01T00:00:00Z");
  EXPECT_EQ(body["entries"].size(), 2u);

  const v1::Task done = FinishTask(resp.task_id());
  EXPECT_EQ(done.status(), v1::TASK_STATUS_SUCCESS);
  EXPECT_THAT(done.response_data_json(),
              HasSubstr("Hotel Leipzig, Kundentermin"));
}

TEST_F(JournalEntriesTest, AListOfAnAsynchronousTargetSystemCarriesATaskId) {
  v1::ListJournalEntriesRequest req;
  req.set_page_size(5);
  req.set_fiscal_year(2024);
  *req.mutable_fiscal_year_start_date() = Day(2024, 1, 1);
  v1::ListJournalEntriesResponse resp;
  auto ctx = Context(kApiKey, kDatevAccountKey);
  grpc::Status s = entries_->ListJournalEntries(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(resp.has_task_id());
  EXPECT_EQ(resp.journal_entries_size(), 0);
  const auto query = simulator().Requests().back().query;
  EXPECT_THAT(query, Contains(Pair("fiscalYear", "2024")));
  EXPECT_THAT(query, Contains(Pair("fiscalYearStartDate", "2024-01-01")));
}

TEST_F(JournalEntriesTest, AttachmentsAreListedAddedAndRead) {
  v1::ListJournalEntryAttachmentsRequest list;
  list.set_journal_entry_id("JE-2024-0001");
  v1::ListJournalEntryAttachmentsResponse before;
  auto ctx = Context();
  ASSERT_TRUE(
      entries_->ListJournalEntryAttachments(ctx.get(), list, &before).ok());
  ASSERT_EQ(before.attachments_size(), 1);
  EXPECT_EQ(before.attachments(0).id(), "ATT-2024-0001");
  EXPECT_THAT(before.attachments(0).files(), ElementsAre("RE-2024-0815.pdf"));
  EXPECT_EQ(before.meta().mapping_warnings_size(), 0);

  v1::CreateJournalEntryAttachmentRequest add;
  add.set_journal_entry_id("JE-2024-0001");
  *add.mutable_upload()->mutable_file() =
      File("Lieferschein-4711.pdf", "application/pdf", "%PDF-1.4 LS");
  v1::CreateJournalEntryAttachmentResponse added;
  auto add_ctx = Context();
  grpc::Status s =
      entries_->CreateJournalEntryAttachment(add_ctx.get(), add, &added);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const std::string id = added.attachment().id();
  EXPECT_FALSE(id.empty());
  EXPECT_THAT(added.attachment().files(), ElementsAre("Lieferschein-4711.pdf"));
  const auto requests = simulator().Requests();
  ASSERT_EQ(requests.back().parts.size(), 1u);
  EXPECT_EQ(requests.back().path,
            "/accounting/journalEntries/JE-2024-0001/Attachments");
  EXPECT_EQ(requests.back().parts[0].name, "file");
  EXPECT_EQ(requests.back().parts[0].content, "%PDF-1.4 LS");

  v1::GetJournalEntryAttachmentRequest get;
  get.set_journal_entry_id("JE-2024-0001");
  get.set_attachment_id(id);
  v1::GetJournalEntryAttachmentResponse got;
  auto get_ctx = Context();
  ASSERT_TRUE(
      entries_->GetJournalEntryAttachment(get_ctx.get(), get, &got).ok());
  EXPECT_EQ(got.attachment().id(), id);
  EXPECT_THAT(got.attachment().files(), ElementsAre("Lieferschein-4711.pdf"));

  v1::ListJournalEntryAttachmentsResponse after;
  auto list_ctx = Context();
  ASSERT_TRUE(
      entries_->ListJournalEntryAttachments(list_ctx.get(), list, &after).ok());
  EXPECT_EQ(after.attachments_size(), 2);

  get.set_attachment_id("no-such-attachment");
  auto missing_ctx = Context();
  EXPECT_EQ(entries_->GetJournalEntryAttachment(missing_ctx.get(), get, &got)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(JournalEntriesTest, ATransactionIsCreatedWithItsFile) {
  v1::CreateTransactionRequest req;
  req.set_company_id("c1");
  *req.mutable_upload()->add_files() =
      File("Kontoauszug-04.pdf", "application/pdf", "%PDF-1.4 KA");
  v1::NewTransaction* t = req.mutable_upload()->mutable_transaction();
  t->set_amount(214.00);
  t->set_currency("EUR");
  t->set_type(v1::TRANSACTION_TYPE_SPEND_PREPAYMENT);
  t->set_status(v1::TRANSACTION_STATUS_CREATED);
  t->set_contact("Hotel am Elbufer GmbH");
  t->set_code("HOTEL-04");
  *t->mutable_booking_date() = Day(2024, 4, 16);
  *t->mutable_value_date() = Day(2024, 4, 16);
  v1::CreateTransactionResponse resp;
  auto ctx = Context();
  grpc::Status s = transactions_->CreateTransaction(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(resp.has_task_id());
  EXPECT_EQ(resp.meta().mapping_warnings_size(), 0)
      << resp.meta().DebugString();
  EXPECT_FALSE(resp.transaction().id().empty());
  EXPECT_EQ(resp.transaction().amount(), 214.00);
  EXPECT_EQ(resp.transaction().type(), v1::TRANSACTION_TYPE_SPEND_PREPAYMENT);
  EXPECT_EQ(resp.transaction().booking_date().day(), 16);
  EXPECT_THAT(resp.transaction().files(), ElementsAre("Kontoauszug-04.pdf"));

  const auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/accounting/transactions?companyId=c1");
  ASSERT_EQ(requests[0].parts.size(), 2u);
  EXPECT_EQ(requests[0].parts[0].name, "files");
  EXPECT_EQ(requests[0].parts[0].file_name, "Kontoauszug-04.pdf");
  EXPECT_EQ(requests[0].parts[1].name, "transaction");
  const nlohmann::json body =
      nlohmann::json::parse(requests[0].parts[1].content);
  EXPECT_EQ(body["type"], "SPEND-PREPAYMENT");
  EXPECT_EQ(body["code"], "HOTEL-04");
  EXPECT_EQ(body["bookingDate"], "2024-04-16T00:00:00Z");

  // For a target system that creates transactions asynchronously.
  v1::CreateTransactionResponse queued;
  auto datev_ctx = Context(kApiKey, kDatevAccountKey);
  s = transactions_->CreateTransaction(datev_ctx.get(), req, &queued);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(queued.has_task_id());
  EXPECT_EQ(queued.transaction().task_id(), queued.task_id());
  const v1::Task done = FinishTask(queued.task_id(), kDatevAccountKey);
  EXPECT_EQ(done.status(), v1::TASK_STATUS_SUCCESS);
  EXPECT_THAT(done.response_data_json(), HasSubstr(queued.transaction().id()));
}

}  // namespace
}  // namespace maesn::testing
