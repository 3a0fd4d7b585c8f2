// The simulator's invoice and bill resources over HTTPS, as Maesn documents
// them: lists with page/limit validation, meta.pagination, filters and
// ordering; writes that stay per account; documents; generated records.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
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

TEST_F(ResourcesTest, GenericResourcesReplaceMergeDeleteAndServeLines) {
  auto [created_status, created] = Call(
      "POST", "/accounting/contacts",
      R"({"contactType":"COMPANY","companyName":"A","website":"a.example",)"
      R"("lineItems":[{"id":"L1","text":"one"},{"id":"L2","text":"two"}]})");
  ASSERT_EQ(created_status, 201);
  const std::string id = created["data"]["id"];
  const std::string one = "/accounting/contacts/" + id;
  auto [patch_status, patched] = Call("PATCH", one, R"({"companyName":"B"})");
  ASSERT_EQ(patch_status, 200);
  EXPECT_EQ(patched["data"]["companyName"], "B");
  EXPECT_EQ(patched["data"]["website"], "a.example");  // merged
  EXPECT_EQ(patched["data"]["createdDate"], created["data"]["createdDate"]);
  auto [lines_status, lines] = Call("GET", one + "/lineItems?limit=5");
  ASSERT_EQ(lines_status, 200);
  EXPECT_EQ(lines["data"].size(), 2u);
  EXPECT_EQ(lines["meta"]["pagination"]["total"], 2);
  auto [line_status, line] = Call("GET", one + "/lineItems/L2");
  ASSERT_EQ(line_status, 200);
  EXPECT_EQ(line["data"]["text"], "two");
  EXPECT_EQ(Call("GET", one + "/lineItems/L3").first, 404);
  auto [doc_status, doc] = Call("GET", one + "/document");
  ASSERT_EQ(doc_status, 200);
  EXPECT_EQ(doc["data"]["base64Encoded"], true);
  auto [put_status, put] = Call("PUT", one, R"({"contactType":"COMPANY"})");
  ASSERT_EQ(put_status, 200);
  EXPECT_EQ(put["data"]["id"], id);
  EXPECT_FALSE(put["data"].contains("website"));  // replaced, not merged
  EXPECT_EQ(Call("DELETE", one).second["data"], id);
  EXPECT_EQ(Call("GET", one).first, 404);
  EXPECT_EQ(Call("PATCH", one, "{}").first, 404);
}

// Multipart creates describe the record by their parts: repeated text
// parts become arrays, and the files of the "fileListPart" their names.
// Attachments are listed, added (one file part) and read; a resource marked
// "async": "always" answers every create with a task.
TEST_F(ResourcesTest, JournalEntriesTakeFilesAttachmentsAndBatches) {
  auto c = Client();
  const httplib::MultipartFormDataItems entry = {
      {"files", "%PDF-1.4 a", "a.pdf", "application/pdf"},
      {"files", "jpeg b", "b.jpg", "image/jpeg"},
      {"filesPos", "1", "", ""},
      {"filesPos", "2", "", ""},
      {"journal_entry", R"({"description":"Hotel","journalLineItems":[]})", "",
       "application/json"}};
  auto made = c->Post("/accounting/journalEntries", Auth(), entry);
  ASSERT_TRUE(made);
  ASSERT_EQ(made->status, 201) << made->body;
  const J data = J::parse(made->body)["data"];
  EXPECT_EQ(data["files"], J::parse(R"(["a.pdf","b.jpg"])"));
  EXPECT_EQ(data["filesPos"], J::parse(R"(["1","2"])"));
  EXPECT_EQ(data["description"], "Hotel");

  const std::string all = "/accounting/journalEntries/JE-2024-0001/Attachments";
  auto [list_status, list] = Call("GET", all);
  ASSERT_EQ(list_status, 200);
  ASSERT_EQ(list["data"].size(), 1u);
  EXPECT_EQ(list["data"][0]["id"], "ATT-2024-0001");
  auto added = c->Post(all.c_str(), Auth(),
                       httplib::MultipartFormDataItems{
                           {"file", "%PDF-1.4 c", "c.pdf", "application/pdf"}});
  ASSERT_TRUE(added);
  ASSERT_EQ(added->status, 201) << added->body;
  const J attachment = J::parse(added->body)["data"];
  EXPECT_EQ(attachment["files"], J::parse(R"(["c.pdf"])"));
  auto [got_status, got] =
      Call("GET", all + "/" + attachment["id"].get<std::string>());
  ASSERT_EQ(got_status, 200);
  EXPECT_EQ(got["data"], attachment);
  EXPECT_EQ(Call("GET", all + "/ATT-none").first, 404);
  EXPECT_EQ(Call("GET", "/accounting/journalEntries/none/Attachments").first,
            404);
  auto two = c->Post(all.c_str(), Auth(),
                     httplib::MultipartFormDataItems{
                         {"file", "x", "x.pdf", "application/pdf"},
                         {"file", "y", "y.pdf", "application/pdf"}});
  ASSERT_TRUE(two);
  EXPECT_EQ(two->status, 400);

  auto [batch_status, batch] =
      Call("POST", "/accounting/journalEntries/bulk",
           R"({"accountNumberLength":4,"chartOfAccount":"SKR03",)"
           R"("entries":[{"description":"Hotel"}],)"
           R"("fiscalYearStartDate":"2024-01-01T00:00:00Z"})");
  EXPECT_EQ(batch_status, 202);
  EXPECT_TRUE(batch["data"]["taskId"].is_string());
  EXPECT_EQ(batch["data"]["chartOfAccount"], "SKR03");
}

// A resource is a file in the data directory's resources/: no code.
TEST(ResourceFilesTest, AResourceFileAddsItsRoutesAndRecords) {
  const std::string dir = ::testing::TempDir() + "/sim-data-resources";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/resources");
  for (const char* name : {"invoices.json", "bills.json", "tasks.json"}) {
    std::filesystem::copy_file(
        std::string(MAESN_SIM_TEST_DATA_DIR) + "/" + name, dir + "/" + name);
  }
  std::ofstream(dir + "/resources/gadgets.json") << R"({
    "resource": "gadgets", "path": "/accounting/gadgets",
    "idParam": "gadgetId", "idField": "code", "idPrefix": "GAD",
    "required": ["name"],
    "records": [{"data": {"code": "G1", "name": "first"}}]})";
  SimulatorOptions options;
  options.data_dir = dir;
  MaesnSimulator sim(options);
  ASSERT_TRUE(sim.Start().ok());
  httplib::SSLClient c("localhost", sim.port());
  c.set_ca_cert_path(sim.ca_file().c_str());
  c.enable_server_certificate_verification(true);
  const httplib::Headers auth = {{"X-API-KEY", "sim-api-key"},
                                 {"X-ACCOUNT-KEY", "sim-account-key"}};
  auto got = c.Get("/accounting/gadgets/G1", auth);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(J::parse(got->body)["data"]["name"], "first");
  auto bad = c.Post("/accounting/gadgets", auth, "{}", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_THAT(bad->body, HasSubstr("name"));
  auto made = c.Post("/accounting/gadgets", auth, R"({"name":"second"})",
                     "application/json");
  ASSERT_TRUE(made);
  EXPECT_EQ(made->status, 201);
  EXPECT_THAT(J::parse(made->body)["data"]["code"].get<std::string>(),
              ::testing::StartsWith("GAD"));
  sim.Stop();
}

TEST(ResourceFilesTest, ABadResourceFileStopsTheStart) {
  const std::string dir = ::testing::TempDir() + "/sim-data-bad-resource";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/resources");
  std::ofstream(dir + "/resources/broken.json") << R"({"resource": "x"})";
  SimulatorOptions options;
  options.data_dir = dir;
  MaesnSimulator sim(options);
  const absl::Status s = sim.Start();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("broken.json"));
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
