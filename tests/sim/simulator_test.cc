#include "simulator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "nlohmann/json.hpp"
#include "tls_cert.h"

namespace maesn::sim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

constexpr char kSeedBillId[] = "9714f3a2-5b8e-4d1b-8a0c-9f6e7d2f3e4b";

// Seed 003 (GET invoice example) with the spec's plural lineAmountTypes.
constexpr char kSeedInvoiceResponse[] = R"json({
  "meta": {
    "warnings": ["Field not used by target system"],
    "pagination": {"total": 123, "perPage": 123, "currentPage": 123,
                   "totalPages": 123}
  },
  "data": {
    "invoiceId": "ABC123",
    "invoiceNumber": "1",
    "name": "Invoice name",
    "reference": "REF-12345",
    "contactId": "eaa28f49-6028-4b6e-bb12-d8f6278073fc",
    "currency": "EUR",
    "status": "DRAFT",
    "invoiceType": "STANDARD",
    "updatedDate": "2021-01-01T00:00:00Z",
    "invoiceDate": "2021-01-01T00:00:00Z",
    "dueDate": "2021-01-01T00:00:00Z",
    "paidDate": "2021-01-01T00:00:00Z",
    "shippingDate": "2021-01-01T00:00:00Z",
    "createdDate": "2021-01-01T00:00:00Z",
    "paymentTermDuration": 30,
    "oneLineAddress": "Main street 45, Berlin",
    "addresses": [
      {"addressLine1": "Street", "addressLine2": "Building", "city": "City",
       "postalCode": "12345", "countryCode": "DE", "type": "BILLING"}
    ],
    "discountAmount": 10,
    "totalTaxAmount": 19,
    "sumNetAmount": 100,
    "totalAmount": 109,
    "paymentStatus": "PENDING",
    "taxRule": "NET",
    "lineAmountTypes": "EXCLUSIVE",
    "lineItems": [
      {"lineItemId": "1", "itemId": "item id", "name": "Line item name",
       "updatedDate": "2021-01-01T00:00:00Z",
       "createdDate": "2021-01-01T00:00:00Z", "quantity": 1,
       "taxRatePercentage": 19, "unitAmount": 100, "grossAmount": 119,
       "taxCode": "tax code", "itemsAmount": 100, "discountItemAmount": 10,
       "discountItemPercentage": 10, "description": "Line item description"}
    ]
  }
})json";

nlohmann::json ParseBody(const httplib::Result& result) {
  if (!result) return nlohmann::json();
  return nlohmann::json::parse(result->body, nullptr, false);
}

class SimulatorTest : public ::testing::Test {
 protected:
  void SetUp() override { StartSimulator(SimulatorOptions{}); }

  void StartSimulator(SimulatorOptions options) {
    sim_ = std::make_unique<MaesnSimulator>(std::move(options));
    ASSERT_TRUE(sim_->Start().ok());
    ASSERT_GT(sim_->port(), 0);
  }

  // A client that trusts the simulator's CA, with verification on.
  std::unique_ptr<httplib::SSLClient> Client() const {
    auto client =
        std::make_unique<httplib::SSLClient>("localhost", sim_->port());
    client->set_ca_cert_path(sim_->ca_file().c_str());
    client->enable_server_certificate_verification(true);
    client->set_url_encode(false);
    return client;
  }

  static httplib::Headers Auth(const std::string& account = "sim-account-key") {
    return {{"X-API-KEY", "sim-api-key"}, {"X-ACCOUNT-KEY", account}};
  }

  httplib::Result Get(const std::string& target,
                      const httplib::Headers& headers = Auth()) const {
    return Client()->Get(target.c_str(), headers);
  }

  // GET asyncTask/{id} and return its `data`.
  nlohmann::json Task(const std::string& id,
                      const std::string& account = "sim-account-key") const {
    httplib::Result result = Get("/accounting/asyncTask/" + id, Auth(account));
    EXPECT_TRUE(result) << httplib::to_string(result.error());
    if (!result) return nlohmann::json();
    EXPECT_EQ(result->status, 200) << result->body;
    return ParseBody(result)["data"];
  }

  std::unique_ptr<MaesnSimulator> sim_;
};

TEST_F(SimulatorTest, BaseUrlAndCaFile) {
  EXPECT_EQ(sim_->base_url(),
            "https://localhost:" + std::to_string(sim_->port()));
  EXPECT_TRUE(std::filesystem::exists(sim_->ca_file()));
}

TEST_F(SimulatorTest, SeedInvoiceIsReturnedAsInTheDocs) {
  httplib::Result result = Get("/accounting/invoices/ABC123");
  ASSERT_TRUE(result) << httplib::to_string(result.error());
  EXPECT_EQ(result->status, 200);
  EXPECT_THAT(result->get_header_value("Content-Type"),
              HasSubstr("application/json"));
  nlohmann::json expected =
      nlohmann::json::parse(kSeedInvoiceResponse, nullptr, false);
  ASSERT_FALSE(expected.is_discarded());
  EXPECT_EQ(ParseBody(result), expected);
}

TEST_F(SimulatorTest, RawDataOnlyWhenAsked) {
  nlohmann::json plain = ParseBody(Get("/accounting/invoices/ABC123"));
  EXPECT_FALSE(plain.contains("rawData"));
  nlohmann::json raw =
      ParseBody(Get("/accounting/invoices/ABC123?rawData=true&companyId=c1&"
                    "environmentName=Production"));
  ASSERT_TRUE(raw.contains("rawData"));
  EXPECT_EQ(raw["rawData"]["Id"], "ABC123");
  EXPECT_EQ(raw["rawData"]["DocNumber"], "1");
  EXPECT_EQ(raw["data"]["invoiceId"], "ABC123");
}

TEST_F(SimulatorTest, SeedBillDataIsAOneElementArray) {
  httplib::Result result = Get(std::string("/accounting/bills/") + kSeedBillId);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  nlohmann::json body = ParseBody(result);
  ASSERT_TRUE(body["data"].is_array());
  ASSERT_EQ(body["data"].size(), 1u);
  EXPECT_EQ(body["data"][0]["id"], kSeedBillId);
  EXPECT_EQ(body["data"][0]["billNumber"], "1020");
  EXPECT_EQ(body["meta"]["warnings"][0], "Field not used by target system");
}

TEST_F(SimulatorTest, OtherBillsAreObjects) {
  nlohmann::json body = ParseBody(Get("/accounting/bills/BILL-2001"));
  ASSERT_TRUE(body["data"].is_object());
  EXPECT_EQ(body["data"]["id"], "BILL-2001");
  EXPECT_EQ(body["meta"]["warnings"], nlohmann::json::array());
}

TEST_F(SimulatorTest, MissingOrWrongApiKeyIs401) {
  httplib::Result missing = Get("/accounting/invoices/ABC123",
                                {{"X-ACCOUNT-KEY", "sim-account-key"}});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  EXPECT_EQ(ParseBody(missing)["statusCode"], 401);

  httplib::Result wrong =
      Get("/accounting/invoices/ABC123",
          {{"X-API-KEY", "not-the-key"}, {"X-ACCOUNT-KEY", "sim-account-key"}});
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_THAT(wrong->body, Not(HasSubstr("not-the-key")));
  EXPECT_THAT(wrong->body, Not(HasSubstr("sim-api-key")));
}

TEST_F(SimulatorTest, MissingOrUnknownAccountKeyIs401) {
  httplib::Result missing =
      Get("/accounting/invoices/ABC123", {{"X-API-KEY", "sim-api-key"}});
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 401);
  httplib::Result unknown =
      Get("/accounting/invoices/ABC123", Auth("who-is-this"));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 401);
  EXPECT_THAT(unknown->body, Not(HasSubstr("who-is-this")));
}

TEST_F(SimulatorTest, InactiveAccountIs403) {
  httplib::Result result =
      Get("/accounting/invoices/ABC123", Auth("sim-inactive-account"));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 403);
  EXPECT_EQ(ParseBody(result)["statusCode"], 403);
  EXPECT_THAT(result->body, Not(HasSubstr("sim-inactive-account")));
}

TEST_F(SimulatorTest, UnknownInvoiceIs404) {
  httplib::Result result = Get("/accounting/invoices/NOPE");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  nlohmann::json body = ParseBody(result);
  EXPECT_EQ(body["statusCode"], 404);
  EXPECT_EQ(body["message"], "Invoice not found");
}

TEST_F(SimulatorTest, UnknownRouteIs404) {
  httplib::Result result = Get("/accounting/nothing/here");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(ParseBody(result)["statusCode"], 404);
}

TEST_F(SimulatorTest, EncodedSlashStaysInsideOneSegment) {
  httplib::Result result = Get("/accounting/invoices/a%2Fb");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(ParseBody(result)["message"], "Invoice not found");
  std::vector<RecordedRequest> requests = sim_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target, "/accounting/invoices/a%2Fb");
  EXPECT_EQ(requests[0].path, "/accounting/invoices/a/b");

  // A seeded id that contains slashes is found when they are encoded.
  httplib::Result found = Get("/accounting/invoices/INV%2F2024%2F0042");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->status, 200);
  EXPECT_EQ(ParseBody(found)["data"]["invoiceId"], "INV/2024/0042");
}

TEST_F(SimulatorTest, ControlCharactersInThePathStillReachTheSimulator) {
  httplib::Result result = Get("/accounting/invoices/a%0Ab");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_EQ(ParseBody(result)["message"], "Invoice not found");
}

TEST_F(SimulatorTest, RecordsRequestsWithHeadersAndDecodedQuery) {
  ASSERT_TRUE(Get("/accounting/invoices/ABC123?companyId=A%26B&page=2"));
  std::vector<RecordedRequest> requests = sim_->Requests();
  ASSERT_EQ(requests.size(), 1u);
  const RecordedRequest& request = requests[0];
  EXPECT_EQ(request.method, "GET");
  EXPECT_EQ(request.target,
            "/accounting/invoices/ABC123?companyId=A%26B&page=2");
  EXPECT_THAT(request.query,
              ElementsAre(Pair("companyId", "A&B"), Pair("page", "2")));
  EXPECT_EQ(request.account_key, "sim-account-key");
  EXPECT_GT(request.remote_port, 0);
  bool saw_api_key = false;
  for (const auto& [name, value] : request.headers) {
    EXPECT_NE(name, "REMOTE_ADDR");
    if (name == "X-API-KEY") saw_api_key = value == "sim-api-key";
  }
  EXPECT_TRUE(saw_api_key);
  sim_->ClearRequests();
  EXPECT_TRUE(sim_->Requests().empty());
}

TEST_F(SimulatorTest, TaskAdvancesStepByStepToTerminal) {
  nlohmann::json task = Task("task-datev-duo-1");
  EXPECT_EQ(task["status"], "OPEN");
  EXPECT_EQ(task["information"], nlohmann::json::array());

  EXPECT_TRUE(sim_->AdvanceTask("sim-account-key", "task-datev-duo-1"));
  task = Task("task-datev-duo-1");
  EXPECT_EQ(task["status"], "IN_PROGRESS");
  EXPECT_TRUE(task["information"].empty());

  EXPECT_TRUE(sim_->AdvanceTask("sim-account-key", "task-datev-duo-1"));
  task = Task("task-datev-duo-1");
  EXPECT_EQ(task["status"], "IN_PROGRESS");
  ASSERT_EQ(task["information"].size(), 2u);
  EXPECT_EQ(task["information"][0]["filename"], "Invoice_V30");

  // The admin endpoint advances too.
  httplib::Result advanced = Client()->Post(
      "/_sim/tasks/task-datev-duo-1/advance?account=sim-account-key", "",
      "application/json");
  ASSERT_TRUE(advanced);
  EXPECT_EQ(advanced->status, 200);
  EXPECT_EQ(ParseBody(advanced)["status"], "SUCCESS");
  task = Task("task-datev-duo-1");
  EXPECT_EQ(task["status"], "SUCCESS");
  EXPECT_EQ(task["information"].size(), 2u);

  // Terminal: further advances change nothing.
  EXPECT_TRUE(sim_->AdvanceTask("sim-account-key", "task-datev-duo-1"));
  EXPECT_EQ(Task("task-datev-duo-1")["status"], "SUCCESS");
}

TEST_F(SimulatorTest, SeededTaskScripts) {
  struct Case {
    const char* id;
    const char* first;
    const char* last;
    bool response_data;
  };
  const Case cases[] = {
      {"task-abaconnect-1", "IN_PROGRESS", "FINISHED", true},
      {"task-datev-rewe-write-1", "IN_PROGRESS", "SUCCESS", true},
      {"task-datev-rewe-export-1", "IN_PROGRESS", "FINISHED", true},
      {"task-failed-1", "IN_PROGRESS", "FAILED", false},
      {"task-freetext-1", "Task has been processed.", "FINISHED", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.id);
    EXPECT_EQ(Task(c.id)["status"], c.first);
    for (int i = 0; i < 5; ++i) sim_->AdvanceTask("sim-account-key", c.id);
    nlohmann::json task = Task(c.id);
    EXPECT_EQ(task["status"], c.last);
    if (c.response_data) {
      EXPECT_FALSE(task["responseData"].is_null());
    } else {
      EXPECT_TRUE(!task.contains("responseData") ||
                  task["responseData"].is_null());
    }
  }
  nlohmann::json page =
      ParseBody(Get("/accounting/asyncTask/task-datev-rewe-export-1?page=1"));
  EXPECT_TRUE(page["data"]["responseData"].is_array());
  EXPECT_EQ(page["meta"]["pagination"]["perPage"], 50000);
  EXPECT_EQ(page["meta"]["pagination"]["total"],
            page["data"]["responseData"].size());
}

TEST_F(SimulatorTest, AccountsHaveIndependentTaskState) {
  sim_->AdvanceTask("sim-account-key", "task-abaconnect-1");
  EXPECT_EQ(Task("task-abaconnect-1", "sim-account-key")["status"], "FINISHED");
  EXPECT_EQ(Task("task-abaconnect-1", "sim-account-key-2")["status"],
            "IN_PROGRESS");
  EXPECT_EQ(sim_->TaskStatus("sim-account-key-2", "task-abaconnect-1"),
            "IN_PROGRESS");
}

TEST_F(SimulatorTest, UnknownTaskIs404) {
  httplib::Result result = Get("/accounting/asyncTask/no-such-task");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 404);
  EXPECT_FALSE(sim_->AdvanceTask("sim-account-key", "no-such-task"));
  EXPECT_FALSE(sim_->AdvanceTask("nobody", "task-abaconnect-1"));
}

TEST_F(SimulatorTest, CreateTaskInProcessAndOverHttp) {
  TaskScript script;
  script.integration = "abaconnect";
  script.steps = {TaskStep{"IN_PROGRESS", {}, std::nullopt},
                  TaskStep{"FINISHED", {}, Json::object({{"ok", true}})}};
  std::string id = sim_->CreateTask("sim-account-key-2", script);
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(Task(id, "sim-account-key-2")["status"], "IN_PROGRESS");
  EXPECT_EQ(Get("/accounting/asyncTask/" + id)->status, 404);  // Account 1.
  sim_->AdvanceTask("sim-account-key-2", id);
  EXPECT_EQ(Task(id, "sim-account-key-2")["responseData"]["ok"], true);

  httplib::Result created = Client()->Post(
      "/_sim/tasks",
      R"({"account":"sim-account-key","id":"my-task","integration":"x",)"
      R"("steps":[{"status":"OPEN"},{"status":"FAILED"}]})",
      "application/json");
  ASSERT_TRUE(created);
  EXPECT_EQ(created->status, 201);
  EXPECT_EQ(ParseBody(created)["id"], "my-task");
  EXPECT_EQ(Task("my-task")["status"], "OPEN");

  httplib::Result bad = Client()->Post("/_sim/tasks", "{", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

TEST_F(SimulatorTest, AdminEndpointsAreNotRecorded) {
  ASSERT_TRUE(Get("/accounting/invoices/ABC123"));
  auto client = Client();
  httplib::Result requests = client->Get("/_sim/requests");
  ASSERT_TRUE(requests);
  nlohmann::json list = ParseBody(requests);
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["target"], "/accounting/invoices/ABC123");
  EXPECT_TRUE(list[0]["headers"].is_array());

  nlohmann::json stats = ParseBody(client->Get("/_sim/stats"));
  EXPECT_EQ(stats["requests"], 1);
  EXPECT_EQ(stats["connections"], 1);

  httplib::Result cleared = client->Post("/_sim/requests/clear", "", "");
  ASSERT_TRUE(cleared);
  EXPECT_EQ(cleared->status, 200);
  EXPECT_TRUE(sim_->Requests().empty());
  EXPECT_EQ(sim_->RequestsSeen(), 1);
}

TEST_F(SimulatorTest, KeepAliveReusesOneConnection) {
  auto client = Client();
  client->set_keep_alive(true);
  for (int i = 0; i < 10; ++i) {
    httplib::Result result = client->Get("/accounting/invoices/ABC123", Auth());
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 200);
  }
  EXPECT_EQ(sim_->ConnectionsSeen(), 1);
  ASSERT_TRUE(Get("/accounting/invoices/ABC123"));  // A new client.
  EXPECT_EQ(sim_->ConnectionsSeen(), 2);
}

TEST_F(SimulatorTest, RequestHookInjectsFaults) {
  sim_->SetRequestHook(
      [](const ApiRequest& request) -> std::optional<ApiResponse> {
        if (request.path == "/accounting/invoices/ABC123") {
          ApiResponse response = ErrorResponse(429, "Too Many Requests");
          response.headers.emplace_back("Retry-After", "1");
          return response;
        }
        return std::nullopt;
      });
  httplib::Result limited = Get("/accounting/invoices/ABC123");
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->get_header_value("Retry-After"), "1");
  EXPECT_EQ(Get("/accounting/bills/BILL-2001")->status, 200);
  sim_->SetRequestHook(nullptr);
  EXPECT_EQ(Get("/accounting/invoices/ABC123")->status, 200);
}

TEST_F(SimulatorTest, PutRecordIsPerAccount) {
  Record record;
  record.data = Json::object({{"invoiceId", "NEW-1"}, {"totalAmount", 1.5}});
  ASSERT_TRUE(sim_->PutRecord("sim-account-key", "invoices", record).ok());
  EXPECT_EQ(Get("/accounting/invoices/NEW-1")->status, 200);
  EXPECT_EQ(
      Get("/accounting/invoices/NEW-1", Auth("sim-account-key-2"))->status,
      404);
  EXPECT_FALSE(sim_->PutRecord("nobody", "invoices", record).ok());
}

TEST_F(SimulatorTest, ClientThatDoesNotTrustTheCaFails) {
  std::string dir = ::testing::TempDir() + "/maesn-sim-untrusted-XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  absl::StatusOr<TlsFiles> other = MakeSelfSignedCert(dir);
  ASSERT_TRUE(other.ok()) << other.status();

  httplib::SSLClient client("localhost", sim_->port());
  client.set_ca_cert_path(other->cert_file.c_str());
  client.enable_server_certificate_verification(true);
  httplib::Result result = client.Get("/accounting/invoices/ABC123", Auth());
  EXPECT_FALSE(result);
  EXPECT_EQ(result.error(), httplib::Error::SSLServerVerification);
  EXPECT_TRUE(sim_->Requests().empty());
  std::filesystem::remove_all(dir);
}

TEST_F(SimulatorTest, StartTwiceFails) {
  EXPECT_EQ(sim_->Start().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(SimulatorOptionsTest, CustomKeysAndBadDataDir) {
  SimulatorOptions options;
  options.api_key = "k";
  options.account_keys = {"a"};
  options.inactive_account_keys = {};
  MaesnSimulator sim(options);
  ASSERT_TRUE(sim.Start().ok());
  httplib::SSLClient client("localhost", sim.port());
  client.set_ca_cert_path(sim.ca_file().c_str());
  client.enable_server_certificate_verification(true);
  httplib::Result result =
      client.Get("/accounting/invoices/ABC123",
                 {{"X-API-KEY", "k"}, {"X-ACCOUNT-KEY", "a"}});
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);

  SimulatorOptions bad;
  bad.data_dir = "/nonexistent/maesn-sim-data";
  MaesnSimulator broken(bad);
  EXPECT_FALSE(broken.Start().ok());
}

TEST(TaskRunTest, DemoModeStepsFollowTheClock) {
  TaskRun run;
  run.script.steps = {TaskStep{"A", {}, std::nullopt},
                      TaskStep{"B", {}, std::nullopt},
                      TaskStep{"C", {}, std::nullopt}};
  run.origin =
      std::chrono::steady_clock::time_point{} + std::chrono::seconds(100);
  const auto at = [&](int ms) {
    return run.origin + std::chrono::milliseconds(ms);
  };
  const std::chrono::milliseconds interval(1000);
  EXPECT_EQ(run.CurrentStep(at(0), interval), 0u);
  EXPECT_EQ(run.CurrentStep(at(999), interval), 0u);
  EXPECT_EQ(run.CurrentStep(at(1000), interval), 1u);
  EXPECT_EQ(run.CurrentStep(at(60000), interval), 2u);
  EXPECT_EQ(run.CurrentStep(at(60000), std::chrono::milliseconds(0)), 0u);
  run.manual_steps = 1;
  EXPECT_EQ(run.CurrentStep(at(1000), interval), 2u);
}

TEST_F(SimulatorTest, TaskFaultScriptAnswersErrorsMidTask) {
  // task-flaky-1: step 1 first answers 503, then 429 with Retry-After: 1;
  // step 2 first answers 500. Each fault is served once, in order.
  EXPECT_EQ(Task("task-flaky-1")["status"], "IN_PROGRESS");
  ASSERT_TRUE(sim_->AdvanceTask("sim-account-key", "task-flaky-1"));
  httplib::Result first = Get("/accounting/asyncTask/task-flaky-1");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 503);
  EXPECT_FALSE(first->has_header("Retry-After"));
  httplib::Result second = Get("/accounting/asyncTask/task-flaky-1");
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 429);
  EXPECT_EQ(second->get_header_value("Retry-After"), "1");
  nlohmann::json task = Task("task-flaky-1");
  EXPECT_EQ(task["status"], "IN_PROGRESS");
  EXPECT_EQ(task["information"].size(), 2u);
  // Another account has its own script position and fault count.
  EXPECT_EQ(Task("task-flaky-1", "sim-account-key-2")["information"].size(),
            1u);

  ASSERT_TRUE(sim_->AdvanceTask("sim-account-key", "task-flaky-1"));
  httplib::Result third = Get("/accounting/asyncTask/task-flaky-1");
  ASSERT_TRUE(third);
  EXPECT_EQ(third->status, 500);
  EXPECT_EQ(Task("task-flaky-1")["status"], "SUCCESS");
}

TEST_F(SimulatorTest, TaskFaultsRoundTripThroughJson) {
  absl::StatusOr<TaskScript> script = TaskScriptFromJson(Json::parse(
      R"({"id":"t","steps":[{"status":"IN_PROGRESS","faults":[)"
      R"({"status":429,"retryAfter":2,"message":"slow down"},{"status":503}]}]})"));
  ASSERT_TRUE(script.ok()) << script.status();
  ASSERT_EQ(script->steps[0].faults.size(), 2u);
  EXPECT_EQ(script->steps[0].faults[0].status, 429);
  EXPECT_EQ(script->steps[0].faults[0].retry_after_seconds, 2);
  EXPECT_EQ(script->steps[0].faults[1].retry_after_seconds, std::nullopt);
  EXPECT_EQ(TaskScriptToJson(*script)["steps"][0]["faults"][0]["message"],
            "slow down");
  EXPECT_FALSE(TaskScriptFromJson(
                   Json::parse(R"({"steps":[{"status":"X","faults":[{}]}]})"))
                   .ok());
  EXPECT_FALSE(
      TaskScriptFromJson(Json::parse(R"({"steps":[{"status":"X","faults":[)"
                                     R"({"status":200}]}]})"))
          .ok());
}

TEST(TlsCertTest, RejectsBadInput) {
  std::string dir = ::testing::TempDir() + "/maesn-sim-cert-XXXXXX";
  ASSERT_NE(mkdtemp(dir.data()), nullptr);
  EXPECT_FALSE(MakeSelfSignedCert(dir, {}, {}).ok());
  EXPECT_FALSE(MakeSelfSignedCert(dir, {"localhost"}, {"not-an-ip"}).ok());
  absl::StatusOr<TlsFiles> ok =
      MakeSelfSignedCert(dir, {"wrong.example"}, {"::1"});
  ASSERT_TRUE(ok.ok()) << ok.status();
  EXPECT_TRUE(std::filesystem::exists(ok->key_file));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace maesn::sim
