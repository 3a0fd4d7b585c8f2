// Tenant isolation: two account keys call at once, through a gateway whose
// few upstream connections carry both tenants' requests one after another.
// Each tenant must see exactly its own data (the simulator keeps one copy
// per account key), its own errors, and each upstream request must carry
// exactly one, the right, account key.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "tests/integration/gateway_fixture.h"

namespace maesn::testing {
namespace {

constexpr char kTenantA[] = "sim-account-key";
constexpr char kTenantB[] = "sim-account-key-2";

sim::Record Invoice(const std::string& id, const std::string& name,
                    double total) {
  sim::Record r;
  r.data = sim::Json::object(
      {{"invoiceId", id}, {"name", name}, {"totalAmount", total}});
  return r;
}

class IsolationTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    ASSERT_TRUE(simulator()
                    .PutRecord(kTenantA, "invoices",
                               Invoice("SHARED-1", "Tenant A Ltd", 100.25))
                    .ok());
    ASSERT_TRUE(simulator()
                    .PutRecord(kTenantB, "invoices",
                               Invoice("SHARED-1", "Tenant B GmbH", 200.5))
                    .ok());
    ASSERT_TRUE(simulator()
                    .PutRecord(kTenantA, "invoices",
                               Invoice("ONLY-A", "A's secret invoice", 1))
                    .ok());
    auto config = BaseConfig();
    // Few connections, shared by both tenants.
    config.upstream_max_connections = 2;
    StartGateway(config);
  }
};

TEST_F(IsolationTest, ConcurrentTenantsSeeOnlyTheirOwnData) {
  constexpr int kThreads = 8;
  constexpr int kCallsPerThread = 60;
  std::atomic<int> wrong{0}, failed{0}, calls{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(static_cast<unsigned>(t));
      for (int i = 0; i < kCallsPerThread; ++i) {
        const bool a = (rng() & 1) != 0;
        const bool only_a = rng() % 4 == 0;
        v1::GetInvoiceRequest req;
        req.set_invoice_id(only_a ? "ONLY-A" : "SHARED-1");
        v1::GetInvoiceResponse resp;
        auto ctx = Context(kApiKey, a ? kTenantA : kTenantB);
        grpc::Status s = invoices_->GetInvoice(ctx.get(), req, &resp);
        ++calls;
        if (only_a && !a) {
          // B must not see A's record, nor learn anything about it.
          if (s.error_code() != grpc::StatusCode::NOT_FOUND ||
              absl::StrContains(s.error_message(), "secret")) {
            ++wrong;
          }
          continue;
        }
        if (!s.ok()) {
          ++failed;
          continue;
        }
        const std::string want = only_a ? "A's secret invoice"
                                 : a    ? "Tenant A Ltd"
                                        : "Tenant B GmbH";
        if (resp.invoice().name() != want) ++wrong;
        const double total = only_a ? 1 : a ? 100.25 : 200.5;
        if (resp.invoice().total_amount() != total) ++wrong;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls.load(), kThreads * kCallsPerThread);
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(failed.load(), 0);

  // Upstream: every request carried exactly one account key and one API
  // key, and the connections were shared between the tenants.
  int a_requests = 0, b_requests = 0;
  for (const auto& r : simulator().Requests()) {
    int account_headers = 0, api_headers = 0;
    for (const auto& [k, v] : r.headers) {
      if (absl::EqualsIgnoreCase(k, "X-ACCOUNT-KEY")) ++account_headers;
      if (absl::EqualsIgnoreCase(k, "X-API-KEY")) ++api_headers;
    }
    EXPECT_EQ(account_headers, 1) << r.target;
    EXPECT_EQ(api_headers, 1) << r.target;
    a_requests += r.account_key == kTenantA;
    b_requests += r.account_key == kTenantB;
  }
  EXPECT_GT(a_requests, 0);
  EXPECT_GT(b_requests, 0);
  EXPECT_EQ(a_requests + b_requests, kThreads * kCallsPerThread);
  EXPECT_LE(simulator().ConnectionsSeen(), 2 * 2);  // pooled, not per call
}

TEST_F(IsolationTest, OneTenantsFailureDoesNotReachTheOther) {
  // Maesn fails every request of tenant B; tenant A's calls, interleaved on
  // the same connections, are unaffected, and B's error names nothing of A.
  simulator().SetRequestHook(
      [](const sim::ApiRequest& r) -> std::optional<sim::ApiResponse> {
        if (r.account_key != kTenantB) return std::nullopt;
        return sim::ErrorResponse(403, "Forbidden: account is inactive");
      });
  for (int i = 0; i < 20; ++i) {
    const bool a = i % 2 == 0;
    v1::GetInvoiceRequest req;
    req.set_invoice_id("SHARED-1");
    v1::GetInvoiceResponse resp;
    auto ctx = Context(kApiKey, a ? kTenantA : kTenantB);
    grpc::Status s = invoices_->GetInvoice(ctx.get(), req, &resp);
    if (a) {
      ASSERT_TRUE(s.ok()) << s.error_message();
      EXPECT_EQ(resp.invoice().name(), "Tenant A Ltd");
    } else {
      EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
      EXPECT_FALSE(absl::StrContains(s.error_message(), "Tenant A"));
      EXPECT_FALSE(absl::StrContains(s.error_message(), kTenantA));
    }
  }
}

}  // namespace
}  // namespace maesn::testing
