// The simulator's fault controls: the /_sim/faults admin endpoint (for
// out-of-process users such as the soak run) and FaultServer.
#include "fault_plan.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "fault_server.h"
#include "nlohmann/json.hpp"
#include "simulator.h"
#include "tls_cert.h"

namespace maesn::sim {
namespace {

class FaultsTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(sim_.Start().ok()); }

  std::unique_ptr<httplib::SSLClient> Client() const {
    auto client =
        std::make_unique<httplib::SSLClient>("localhost", sim_.port());
    client->set_ca_cert_path(sim_.ca_file().c_str());
    client->enable_server_certificate_verification(true);
    return client;
  }
  httplib::Result GetInvoice() const {
    return Client()->Get(
        "/accounting/invoices/ABC123",
        {{"X-API-KEY", "sim-api-key"}, {"X-ACCOUNT-KEY", "sim-account-key"}});
  }
  httplib::Result SetPlan(const std::string& json) const {
    return Client()->Post("/_sim/faults", json, "application/json");
  }

  MaesnSimulator sim_;
};

TEST_F(FaultsTest, NextFaultsAnswerTheNextRequestsInOrder) {
  auto set = SetPlan(R"({"next":[{"kind":"unavailable","retryAfter":"2"},
                                 {"kind":"html"}, {"status":418,"body":"x"}]})");
  ASSERT_TRUE(set);
  ASSERT_EQ(set->status, 200) << set->body;
  auto first = GetInvoice();
  ASSERT_TRUE(first);
  EXPECT_EQ(first->status, 503);
  EXPECT_EQ(first->get_header_value("Retry-After"), "2");
  auto second = GetInvoice();
  EXPECT_EQ(second->status, 502);
  EXPECT_NE(second->get_header_value("Content-Type").find("text/html"),
            std::string::npos);
  EXPECT_EQ(GetInvoice()->status, 418);
  EXPECT_EQ(GetInvoice()->status, 200);  // plan used up
  auto stats = Client()->Get("/_sim/faults");
  ASSERT_TRUE(stats);
  auto json = nlohmann::json::parse(stats->body);
  EXPECT_EQ(json["injected"]["unavailable"], 1);
  EXPECT_EQ(json["injected"]["html"], 1);
  EXPECT_EQ(json["injected"]["status_418"], 1);
  EXPECT_EQ(json["pending"], 0);
}

TEST_F(FaultsTest, RateAppliesToThatShareOfRequestsUntilCleared) {
  ASSERT_EQ(SetPlan(R"({"rate":1,"pool":[{"kind":"internal"}]})")->status, 200);
  EXPECT_EQ(GetInvoice()->status, 500);
  EXPECT_EQ(GetInvoice()->status, 500);
  ASSERT_EQ(SetPlan("{}")->status, 200);
  EXPECT_EQ(GetInvoice()->status, 200);

  // A 5 % rate hits about 5 % of 2000 requests (seeded, so exact).
  auto plan = FaultPlan::FromJson(
      Json::parse(R"({"rate":0.05,"seed":7,"pool":[{"kind":"internal"}]})"));
  ASSERT_TRUE(plan.ok());
  ApiRequest r;
  r.path = "/accounting/invoices/x";
  int hits = 0;
  for (int i = 0; i < 2000; ++i) hits += plan->Next(r).has_value();
  EXPECT_GT(hits, 60);
  EXPECT_LT(hits, 140);
}

TEST_F(FaultsTest, BadPlansAreRefused) {
  EXPECT_EQ(SetPlan(R"({"next":[{"kind":"nope"}]})")->status, 400);
  EXPECT_EQ(SetPlan(R"({"rate":2})")->status, 400);
  EXPECT_EQ(SetPlan("not json")->status, 400);
  EXPECT_EQ(GetInvoice()->status, 200);  // the old (empty) plan stays
}

TEST_F(FaultsTest, SlowFaultAnswersNormallyButLate) {
  ASSERT_EQ(SetPlan(R"({"next":[{"kind":"slow","delayMs":200}]})")->status,
            200);
  const auto start = std::chrono::steady_clock::now();
  auto r = GetInvoice();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start,
            std::chrono::milliseconds(190));
}

TEST(FaultServerTest, SendsRawResponsesOverTlsAndRecordsTheRequest) {
  const std::string dir = ::testing::TempDir() + "/fault_server_test";
  std::filesystem::create_directories(dir);
  auto cert = MakeSelfSignedCert(dir);
  ASSERT_TRUE(cert.ok());
  FaultServer server({cert->cert_file, cert->key_file});
  ASSERT_TRUE(server.Start().ok());
  FaultBehaviour b;
  b.fault = Fault::kRawResponse;
  b.raw_response =
      "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi";
  server.SetBehaviour(b);
  httplib::SSLClient client("localhost", server.port());
  client.set_ca_cert_path(cert->cert_file.c_str());
  client.enable_server_certificate_verification(true);
  auto r = client.Get("/some/path?x=1");
  ASSERT_TRUE(r) << httplib::to_string(r.error());
  EXPECT_EQ(r->body, "hi");
  ASSERT_EQ(server.RequestHeads().size(), 1u);
  EXPECT_EQ(server.RequestHeads()[0].rfind("GET /some/path?x=1 HTTP/1.1", 0),
            0u);
  EXPECT_EQ(server.connections(), 1);
  server.Stop();
}

}  // namespace
}  // namespace maesn::sim
