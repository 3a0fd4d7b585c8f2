// The simulator's invoice and bill resources over HTTPS, as Maesn documents
// them: lists with page/limit validation, meta.pagination, filters and
// ordering; writes that stay per account; documents; generated records.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <set>
#include <string>

#include "absl/strings/escaping.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "generated_records.h"
#include "nlohmann/json.hpp"
#include "simulator.h"

namespace maesn::sim {
namespace {

using ::testing::HasSubstr;
using J = nlohmann::json;

class ResourcesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    sim_ = std::make_unique<MaesnSimulator>();
    ASSERT_TRUE(sim_->Start().ok());
  }

  std::unique_ptr<httplib::SSLClient> Client() const {
    auto c = std::make_unique<httplib::SSLClient>("localhost", sim_->port());
    c->set_ca_cert_path(sim_->ca_file().c_str());
    c->enable_server_certificate_verification(true);
    c->set_url_encode(false);
    return c;
  }
  static httplib::Headers Auth(const std::string& account = "sim-account-key") {
    return {{"X-API-KEY", "sim-api-key"}, {"X-ACCOUNT-KEY", account}};
  }
  // Sends a request and returns {status, parsed body}.
  std::pair<int, J> Call(const std::string& method, const std::string& target,
                         const std::string& body = "",
                         const std::string& account = "sim-account-key") {
    auto c = Client();
    auto send = [&]() -> httplib::Result {
      if (method == "GET") return c->Get(target.c_str(), Auth(account));
      if (method == "DELETE") return c->Delete(target.c_str(), Auth(account));
      if (method == "POST") {
        return c->Post(target.c_str(), Auth(account), body, "application/json");
      }
      if (method == "PUT") {
        return c->Put(target.c_str(), Auth(account), body, "application/json");
      }
      return c->Patch(target.c_str(), Auth(account), body, "application/json");
    };
    httplib::Result r = send();
    if (!r) return {0, J()};
    return {r->status, J::parse(r->body, nullptr, false)};
  }

  std::unique_ptr<MaesnSimulator> sim_;
};

TEST_F(ResourcesTest, ListHasMaesnsPaginationMeta) {
  auto [status, body] = Call("GET", "/accounting/invoices?page=2&limit=20");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(body["meta"]["pagination"],
            J::parse(R"({"total":305,"perPage":20,"currentPage":2,
                         "totalPages":16})"));
  ASSERT_EQ(body["data"].size(), 20u);
  EXPECT_EQ(body["data"][0]["invoiceId"], "sim-inv-0016");  // after 5 seeds
  auto [s2, last] = Call("GET", "/accounting/invoices?page=16&limit=20");
  EXPECT_EQ(last["data"].size(), 5u);
  auto [s3, beyond] = Call("GET", "/accounting/invoices?page=17&limit=20");
  EXPECT_EQ(s3, 200);
  EXPECT_TRUE(beyond["data"].empty());
  // Without limit: the simulator's default page size.
  auto [s4, deflt] = Call("GET", "/accounting/bills");
  EXPECT_EQ(deflt["meta"]["pagination"]["perPage"], 50);
  EXPECT_EQ(deflt["meta"]["pagination"]["total"], 253);
}

TEST_F(ResourcesTest, PageAndLimitAreValidatedLikeMaesn) {
  for (const char* bad : {"limit=7", "limit=0", "limit=1000", "limit=abc",
                          "page=0", "page=-1", "page=1.5", "page=x"}) {
    auto [status, body] =
        Call("GET", std::string("/accounting/invoices?") + bad);
    EXPECT_EQ(status, 400) << bad;
    EXPECT_EQ(body["statusCode"], 400) << bad;
    ASSERT_TRUE(body["validationErrors"].is_array()) << bad;
  }
  for (const char* good : {"limit=5", "limit=10", "limit=50", "limit=100"}) {
    EXPECT_EQ(Call("GET", std::string("/accounting/bills?") + good).first, 200);
  }
}

TEST_F(ResourcesTest, FiltersAndOrderingApply) {
  auto [status, body] =
      Call("GET",
           "/accounting/invoices?limit=100&status=PAID&paymentStatus=PAID&"
           "orderField=dueDate");
  EXPECT_EQ(status, 400);  // dueDate is not an orderField
  std::tie(status, body) =
      Call("GET",
           "/accounting/invoices?limit=100&status=PAID&orderField=invoiceDate&"
           "orderDir=DESC&lastModifiedAt=2024-03-01T00:00:00Z&"
           "dueDateFrom=2024-02-01");
  ASSERT_EQ(status, 200);
  ASSERT_FALSE(body["data"].empty());
  std::string last = "9999";
  for (const J& inv : body["data"]) {
    EXPECT_EQ(inv["status"], "PAID");
    EXPECT_GT(inv["updatedDate"].get<std::string>(), "2024-03-01T00:00:00Z");
    EXPECT_GE(inv["dueDate"].get<std::string>(), "2024-02-01");
    EXPECT_LE(inv["invoiceDate"].get<std::string>(), last);
    last = inv["invoiceDate"].get<std::string>();
  }
  EXPECT_EQ(Call("GET", "/accounting/bills?status=NOPE").first, 400);
  EXPECT_EQ(Call("GET", "/accounting/bills?lastModifiedAt=yesterday").first,
            400);
  EXPECT_EQ(Call("GET", "/accounting/bills?orderDir=UP").first, 400);
}

TEST_F(ResourcesTest, GeneratedRecordsAreDeterministic) {
  auto a = GenerateInvoices(50);
  auto b = GenerateInvoices(50);
  ASSERT_EQ(a.size(), 50u);
  std::set<std::string> ids;
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].data, b[i].data);
    ids.insert(a[i].data["invoiceId"].get<std::string>());
    // Totals add up from the lines.
    double net = 0;
    for (const auto& line : a[i].data["lineItems"]) {
      net += line["itemsAmount"].get<double>();
    }
    EXPECT_NEAR(a[i].data["sumNetAmount"].get<double>(), net, 0.005);
  }
  EXPECT_EQ(ids.size(), 50u);
  EXPECT_EQ(GenerateBills(3)[2].data["id"], "sim-bill-0003");
}

TEST_F(ResourcesTest, CreateInvoiceValidatesAndStoresPerAccount) {
  auto [bad, errors] = Call("POST", "/accounting/invoices",
                            R"({"lineItems":[{"unitAmount":1}],
                                "status":"WHATEVER"})");
  EXPECT_EQ(bad, 400);
  std::set<std::string> props;
  for (const J& e : errors["validationErrors"]) props.insert(e["property"]);
  EXPECT_EQ(props, (std::set<std::string>{"invoiceDate", "lineItems.0.quantity",
                                          "status"}));
  auto [status, created] =
      Call("POST", "/accounting/invoices",
           R"({"invoiceDate":"2024-05-01","taxText":"not stored",
               "lineItems":[{"quantity":2,"unitAmount":10,
                             "taxRatePercentage":7}]})");
  ASSERT_EQ(status, 201);
  const std::string id = created["data"]["invoiceId"];
  EXPECT_EQ(created["data"]["totalAmount"], 21.4);
  EXPECT_FALSE(created["data"].contains("taxText"));
  EXPECT_EQ(Call("GET", "/accounting/invoices/" + id).first, 200);
  EXPECT_EQ(
      Call("GET", "/accounting/invoices/" + id, "", "sim-account-key-2").first,
      404);
  // A client-chosen id that exists is a conflict.
  EXPECT_EQ(Call("POST", "/accounting/invoices",
                 R"({"invoiceId":"ABC123","invoiceDate":"2024-05-01",
                     "lineItems":[]})")
                .first,
            409);
}

TEST_F(ResourcesTest, PatchInvoiceChangesWhatWasSent) {
  auto [status, patched] = Call("PATCH", "/accounting/invoices/sim-inv-0001",
                                R"({"reference":"NEW","dueDate":null,
                                    "lineItems":[{"lineItemId":
                                    "sim-inv-0001-L1","quantity":10}]})");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(patched["data"]["reference"], "NEW");
  EXPECT_TRUE(patched["data"]["dueDate"].is_null());
  EXPECT_EQ(patched["data"]["lineItems"][0]["quantity"], 10);
  EXPECT_EQ(patched["data"]["name"], "Schmidt & Partner");  // untouched
  EXPECT_EQ(Call("PATCH", "/accounting/invoices/sim-inv-0001",
                 R"({"lineItems":[{"lineItemId":"nope"}]})")
                .first,
            400);
  EXPECT_EQ(Call("PATCH", "/accounting/invoices/sim-inv-0001",
                 R"({"taxRule":"TAXFREE"})")  // create vocabulary
                .first,
            400);
  EXPECT_EQ(Call("PATCH", "/accounting/invoices/nope", "{}").first, 404);
}

TEST_F(ResourcesTest, BillsPutDeleteAndLines) {
  auto [status, put] =
      Call("PUT", "/accounting/bills/sim-bill-0002",
           R"({"billNumber":"X","lineItems":[{"quantity":1}]})");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(put["data"]["id"], "sim-bill-0002");
  EXPECT_FALSE(put["data"].contains("status"));  // replaced, not merged
  EXPECT_EQ(put["data"]["lineItems"][0]["id"], "sim-bill-0002-L1");
  auto [s2, line] = Call("POST", "/accounting/bills/sim-bill-0002/lineItems",
                         R"({"itemName":"Y"})");
  ASSERT_EQ(s2, 201);
  ASSERT_TRUE(line["data"].is_array());
  EXPECT_EQ(line["data"][0]["id"], "sim-bill-0002-L2");
  EXPECT_EQ(Call("POST", "/accounting/bills/sim-bill-0002/lineItems",
                 R"({"dimensions":[{"name":"C1"}]})")
                .first,
            400);  // categoryName is required
  auto [s3, deleted] = Call("DELETE", "/accounting/bills/sim-bill-0002");
  EXPECT_EQ(s3, 200);
  EXPECT_EQ(deleted["data"], "sim-bill-0002");
  EXPECT_EQ(Call("GET", "/accounting/bills/sim-bill-0002").first, 404);
  EXPECT_EQ(Call("DELETE", "/accounting/bills/sim-bill-0002").first, 404);
}

TEST_F(ResourcesTest, DocumentsAreBase64) {
  auto [status, doc] = Call("GET", "/accounting/invoices/ABC123/document");
  ASSERT_EQ(status, 200);
  EXPECT_EQ(doc["data"]["base64Encoded"], true);
  std::string pdf;
  ASSERT_TRUE(
      absl::Base64Unescape(doc["data"]["content"].get<std::string>(), &pdf));
  EXPECT_THAT(pdf, HasSubstr("%PDF-1.4"));
  EXPECT_THAT(pdf, HasSubstr("ABC123"));
  EXPECT_EQ(Call("GET", "/accounting/bills/nope/document").first, 404);
}

TEST_F(ResourcesTest, HeldResponseReachesTheClientWhenReleased) {
  auto release = std::make_shared<absl::Notification>();
  sim_->SetRequestHook(
      [release](const ApiRequest& r) -> std::optional<ApiResponse> {
        if (r.method != "POST") return std::nullopt;
        ApiResponse held = JsonResponse(201, Envelope(Json::object()));
        held.before_send = [release] {
          release->WaitForNotificationWithTimeout(absl::Seconds(30));
        };
        return held;
      });
  auto c = Client();
  c->set_read_timeout(0, 200000);  // 200 ms: gives up before the release
  auto r = c->Post("/accounting/bills", Auth(), "{}", "application/json");
  EXPECT_FALSE(r);
  EXPECT_EQ(sim_->Requests().size(), 1u);
  release->Notify();
  // Other requests were never blocked by the held one.
  EXPECT_EQ(Call("GET", "/accounting/bills/BILL-2001").first, 200);
}

}  // namespace
}  // namespace maesn::sim
