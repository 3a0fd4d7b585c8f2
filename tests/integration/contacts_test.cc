// ContactService end to end, served from its annotations alone (no
// per-operation gateway code): every field of Maesn's contact DTOs, the
// exact upstream requests, paging and streaming, a create, a required
// property, and the asynchronous answer of a DATEV-connected account
// followed to its end with WatchTask.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "maesn/accounting/v1/contact.grpc.pb.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/status_matchers.h"

namespace maesn::testing {
namespace {

using ::testing::ElementsAre;

class ContactsTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    StartGateway(BaseConfig());
    contacts_ = v1::ContactService::NewStub(channel());
  }
  std::unique_ptr<v1::ContactService::Stub> contacts_;
};

TEST_F(ContactsTest, GetContactMapsEveryProperty) {
  v1::GetContactRequest req;
  req.set_contact_id("eaa28f49-6028-4b6e-bb12-d8f6278073fc");
  req.set_company_id("c 1");
  v1::GetContactResponse resp;
  auto ctx = Context();
  grpc::Status s = contacts_->GetContact(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  const v1::Contact& c = resp.contact();
  EXPECT_EQ(c.id(), "eaa28f49-6028-4b6e-bb12-d8f6278073fc");
  EXPECT_EQ(c.company_name(), "Moebelhaus Schmidt GmbH");
  EXPECT_EQ(c.contact_type(), v1::CONTACT_TYPE_COMPANY);
  ASSERT_EQ(c.addresses_size(), 1);
  EXPECT_EQ(c.addresses(0).city(), "Berlin");
  EXPECT_EQ(c.addresses(0).type(), v1::CONTACT_ADDRESS_TYPE_BILLING);
  ASSERT_EQ(c.contact_persons_size(), 1);
  EXPECT_EQ(c.contact_persons(0).last_name(), "Schmidt");
  EXPECT_EQ(c.contact_persons(0).email_addresses(0).type(),
            v1::EMAIL_ADDRESS_TYPE_BUSINESS);
  EXPECT_EQ(c.contact_persons(0).phone_numbers(0).type(),
            v1::PHONE_NUMBER_TYPE_OFFICE);
  EXPECT_EQ(c.email_addresses(0).type(), v1::EMAIL_ADDRESS_TYPE_INVOICE);
  EXPECT_EQ(c.phone_numbers(0).type(), v1::PHONE_NUMBER_TYPE_BUSINESS);
  EXPECT_TRUE(c.is_customer());
  EXPECT_TRUE(c.is_supplier());
  EXPECT_EQ(c.number(), "10001");
  EXPECT_EQ(c.project_id(), "P-100");
  EXPECT_EQ(c.website(), "https://moebelhaus-schmidt.example");
  EXPECT_EQ(c.created_date().seconds(), 1609459200);
  // 2024-03-01T09:30:00+01:00 is an instant: 08:30 UTC.
  EXPECT_EQ(c.updated_date().seconds(), 1709281800);
  EXPECT_TRUE(resp.meta().mapping_warnings().empty());
  EXPECT_FALSE(resp.has_raw_data());
  auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "GET");
  EXPECT_EQ(requests[0].target,
            "/accounting/contacts/eaa28f49-6028-4b6e-bb12-d8f6278073fc?"
            "companyId=c%201");
}

TEST_F(ContactsTest, UnknownContactIsNotFound) {
  v1::GetContactRequest req;
  req.set_contact_id("nobody");
  v1::GetContactResponse resp;
  auto ctx = Context();
  EXPECT_EQ(contacts_->GetContact(ctx.get(), req, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(ContactsTest, ListPagesAndStreamSeeEveryContact) {
  std::vector<std::string> listed;
  v1::ListContactsRequest req;
  req.set_page_size(2);
  do {
    v1::ListContactsResponse page;
    auto ctx = Context();
    grpc::Status s = contacts_->ListContacts(ctx.get(), req, &page);
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(page.total_size(), 3);
    EXPECT_FALSE(page.has_task_id());
    for (const auto& c : page.contacts()) listed.push_back(c.id());
    req.set_page_token(page.next_page_token());
  } while (!req.page_token().empty());
  EXPECT_EQ(listed.size(), 3u);
  // page_size 2 is rounded up to Maesn's smallest limit, 5: one page.
  auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/accounting/contacts?page=1&limit=5");

  v1::StreamContactsRequest sreq;
  sreq.set_page_size(5);
  auto ctx = Context();
  auto reader = contacts_->StreamContacts(ctx.get(), sreq);
  std::vector<std::string> streamed;
  v1::StreamContactsResponse message;
  while (reader->Read(&message)) streamed.push_back(message.contact().id());
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(streamed, listed);
}

TEST_F(ContactsTest, CreateSendsTheBodyOnceAndReturnsTheContact) {
  v1::CreateContactRequest req;
  req.set_environment_name("prod");
  v1::NewContact& c = *req.mutable_contact();
  c.set_contact_type(v1::CONTACT_TYPE_COMPANY);
  c.set_company_name("Kaffeeroesterei Berg");
  c.add_email_addresses()->set_email("buchhaltung@berg.example");
  c.set_is_customer(true);
  v1::CreateContactResponse resp;
  auto ctx = Context();
  grpc::Status s = contacts_->CreateContact(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(resp.contact().id().empty());
  EXPECT_EQ(resp.contact().company_name(), "Kaffeeroesterei Berg");
  EXPECT_FALSE(resp.has_task_id());
  auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].method, "POST");
  EXPECT_EQ(requests[0].target, "/accounting/contacts?environmentName=prod");
  EXPECT_EQ(
      nlohmann::json::parse(requests[0].body),
      nlohmann::json::parse(
          R"({"contactType":"COMPANY","companyName":"Kaffeeroesterei Berg",
                    "emailAddresses":[{"email":"buchhaltung@berg.example"}],
                    "isCustomer":true})"));
}

TEST_F(ContactsTest, ContactTypeIsRequiredAndNothingIsSent) {
  v1::CreateContactRequest req;
  req.mutable_contact()->set_company_name("No type");
  v1::CreateContactResponse resp;
  auto ctx = Context();
  grpc::Status s = contacts_->CreateContact(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::HasSubstr("contact.contact_type"));
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(ContactsTest, AsynchronousCreateCarriesATaskIdThatWatchTaskFollows) {
  const std::string account = "sim-datev-account-key";
  v1::CreateContactRequest req;
  req.mutable_contact()->set_contact_type(v1::CONTACT_TYPE_CONTACT_PERSON);
  req.mutable_contact()->set_number("20001");
  v1::CreateContactResponse resp;
  auto ctx = Context(kApiKey, account);
  grpc::Status s = contacts_->CreateContact(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(resp.has_task_id());
  EXPECT_EQ(resp.contact().number(), "20001");  // Maesn's partial echo

  v1::WatchTaskRequest watch;
  watch.set_task_id(resp.task_id());
  auto wctx = Context(kApiKey, account);
  auto reader = tasks_->WatchTask(wctx.get(), watch);
  v1::WatchTaskResponse update;
  ASSERT_TRUE(reader->Read(&update));
  EXPECT_EQ(update.task().status(), v1::TASK_STATUS_IN_PROGRESS);
  EXPECT_EQ(update.task().raw_status(), "IN_PROGRESS");
  ASSERT_TRUE(simulator().AdvanceTask(account, resp.task_id()));
  std::vector<std::string> statuses;
  while (reader->Read(&update)) statuses.push_back(update.task().raw_status());
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_THAT(statuses, ElementsAre("SUCCESS"));
  EXPECT_EQ(update.task().status(), v1::TASK_STATUS_SUCCESS);
}

}  // namespace
}  // namespace maesn::testing
