// GetInvoice, GetBill and GetTask end to end: gRPC -> gateway -> HTTPS ->
// simulator -> JSON -> proto, asserting what was sent upstream as well as
// what came back.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "absl/strings/match.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/testing/fixtures.h"
#include "tests/testing/proto_matchers.h"
#include "tests/testing/status_matchers.h"
#include "tls_cert.h"

namespace maesn::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Pair;

std::string Header(const sim::RecordedRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers) {
    if (absl::EqualsIgnoreCase(k, name)) return v;
  }
  return "";
}

std::string Reason(const grpc::Status& s) {
  google::rpc::Status details;
  if (!details.ParseFromString(s.error_details())) return "";
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

class GetCallsTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    StartGateway(BaseConfig());
  }
};

TEST_F(GetCallsTest, GetInvoiceMapsEveryFieldAndSendsExactRequest) {
  v1::GetInvoiceRequest req;
  req.set_invoice_id("ABC123");
  req.set_company_id("company 1");
  req.set_environment_name("production");
  v1::GetInvoiceResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(invoices_->GetInvoice(ctx.get(), req, &resp).ok());

  v1::GetInvoiceResponse want;
  ASSERT_TRUE(ReadTextProto("maesn/invoice/seed_get.textproto", want));
  // The simulator serves the spec's plural spelling; the golden was made
  // from the docs' singular one: the same field either way.
  EXPECT_THAT(resp, EqualsProto(want));

  auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 1u);
  const auto& r = requests[0];
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.target,
            "/accounting/invoices/ABC123?environmentName=production&"
            "companyId=company%201");
  EXPECT_EQ(Header(r, "X-API-KEY"), kApiKey);
  EXPECT_EQ(Header(r, "X-ACCOUNT-KEY"), kAccountKey);
  EXPECT_EQ(Header(r, "Accept"), "application/json");
  EXPECT_FALSE(Header(r, "X-Request-Id").empty());
}

TEST_F(GetCallsTest, RawDataIsRequestedAndReturned) {
  v1::GetInvoiceRequest req;
  req.set_invoice_id("ABC123");
  req.set_raw_data(true);
  v1::GetInvoiceResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(invoices_->GetInvoice(ctx.get(), req, &resp).ok());
  EXPECT_GT(resp.raw_data().fields_size(), 0);
  EXPECT_THAT(simulator().Requests().at(0).query,
              Contains(Pair("rawData", "true")));
}

TEST_F(GetCallsTest, GetBillAcceptsTheArrayFormOfTheSeed) {
  v1::GetBillRequest req;
  req.set_bill_id("9714f3a2-5b8e-4d1b-8a0c-9f6e7d2f3e4b");
  v1::GetBillResponse resp;
  auto ctx = Context();
  ASSERT_TRUE(bills_->GetBill(ctx.get(), req, &resp).ok());
  v1::GetBillResponse want;
  ASSERT_TRUE(ReadTextProto("maesn/bill/seed_get.textproto", want));
  EXPECT_THAT(resp, EqualsProto(want));
  EXPECT_EQ(simulator().Requests().at(0).target,
            "/accounting/bills/9714f3a2-5b8e-4d1b-8a0c-9f6e7d2f3e4b");
}

TEST_F(GetCallsTest, GetTaskFollowsAProgressingTask) {
  v1::GetTaskRequest req;
  req.set_task_id("task-datev-duo-1");
  req.set_company_id("c1");
  std::vector<std::string> seen;
  for (int step = 0; step < 10; ++step) {
    v1::GetTaskResponse resp;
    auto ctx = Context();
    ASSERT_TRUE(tasks_->GetTask(ctx.get(), req, &resp).ok());
    EXPECT_EQ(resp.task().task_id(), "task-datev-duo-1");
    seen.push_back(resp.task().raw_status());
    if (resp.task().done()) {
      EXPECT_EQ(resp.task().status(), v1::TASK_STATUS_SUCCESS);
      EXPECT_GE(resp.task().information_size(), 2);
      break;
    }
    ASSERT_TRUE(simulator().AdvanceTask(kAccountKey, "task-datev-duo-1"));
  }
  ASSERT_FALSE(seen.empty());
  EXPECT_EQ(seen.front(), "OPEN");
  EXPECT_EQ(seen.back(), "SUCCESS");
  EXPECT_EQ(simulator().Requests().at(0).target,
            "/accounting/asyncTask/task-datev-duo-1?companyId=c1");
}

TEST_F(GetCallsTest, MissingAccountKeyIsRejectedWithoutUpstreamCall) {
  v1::GetInvoiceRequest req;
  req.set_invoice_id("ABC123");
  v1::GetInvoiceResponse resp;
  auto ctx = Context(kApiKey, /*account_key=*/"");
  grpc::Status s = invoices_->GetInvoice(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("x-account-key"));
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(GetCallsTest, MissingApiKeyWithoutConfiguredKeyIsRejected) {
  v1::GetBillRequest req;
  req.set_bill_id("x");
  v1::GetBillResponse resp;
  auto ctx = Context(/*api_key=*/"", kAccountKey);
  grpc::Status s = bills_->GetBill(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("x-api-key"));
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(GetCallsTest, WrongKeysAreMaesnsUnauthenticatedAndPermissionDenied) {
  v1::GetInvoiceRequest req;
  req.set_invoice_id("ABC123");
  v1::GetInvoiceResponse resp;
  auto bad = Context("wrong-api-key", kAccountKey);
  grpc::Status s = invoices_->GetInvoice(bad.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Reason(s), "UPSTREAM_UNAUTHENTICATED");
  EXPECT_EQ(s.error_message().find("wrong-api-key"), std::string::npos);
  auto inactive = Context(kApiKey, "sim-inactive-account");
  s = invoices_->GetInvoice(inactive.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(GetCallsTest, UnknownInvoiceIsNotFoundWithMaesnsText) {
  v1::GetInvoiceRequest req;
  req.set_invoice_id("does-not-exist");
  v1::GetInvoiceResponse resp;
  auto ctx = Context();
  grpc::Status s = invoices_->GetInvoice(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(Reason(s), "UPSTREAM_NOT_FOUND");
  EXPECT_THAT(s.error_message(), HasSubstr("getInvoice"));
}

TEST_F(GetCallsTest, IdsCannotChangeThePath) {
  v1::GetInvoiceRequest req;
  req.set_invoice_id("../bills/9714f3a2?rawData=true#x");
  v1::GetInvoiceResponse resp;
  auto ctx = Context();
  grpc::Status s = invoices_->GetInvoice(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(requests[0].target,
            "/accounting/invoices/..%2Fbills%2F9714f3a2%3FrawData%3Dtrue%23x");
  EXPECT_TRUE(requests[0].query.empty());
}

TEST_F(GetCallsTest, EmptyIdIsInvalidArgumentWithoutUpstreamCall) {
  v1::GetTaskRequest req;
  v1::GetTaskResponse resp;
  auto ctx = Context();
  grpc::Status s = tasks_->GetTask(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("task_id"));
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(GetCallsTest, KeepAliveConnectionsAreReused) {
  for (int i = 0; i < 20; ++i) {
    v1::GetInvoiceRequest req;
    req.set_invoice_id("ABC123");
    v1::GetInvoiceResponse resp;
    auto ctx = Context();
    ASSERT_TRUE(invoices_->GetInvoice(ctx.get(), req, &resp).ok());
  }
  // Sequential calls: one connection (one TLS handshake) serves them all.
  EXPECT_EQ(simulator().ConnectionsSeen(), 1);
}

class ConfiguredKeyTest : public GatewayFixture {};

TEST_F(ConfiguredKeyTest, CallerKeyOverridesConfiguredKey) {
  auto config = BaseConfig();
  config.maesn_api_key = "configured-but-wrong";
  StartGateway(config);
  v1::GetInvoiceRequest req;
  req.set_invoice_id("ABC123");
  v1::GetInvoiceResponse resp;
  auto with_override = Context(kApiKey, kAccountKey);
  EXPECT_TRUE(invoices_->GetInvoice(with_override.get(), req, &resp).ok());
  auto without = Context("", kAccountKey);
  EXPECT_EQ(invoices_->GetInvoice(without.get(), req, &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);  // the configured key is sent
  auto requests = simulator().Requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(Header(requests[1], "X-API-KEY"), "configured-but-wrong");
}

class TlsTest : public GatewayFixture {};

TEST_F(TlsTest, UntrustedUpstreamCertificateIsRefused) {
  const std::string other_dir = MakeTempDir();
  auto other = sim::MakeSelfSignedCert(other_dir, {"localhost"}, {"127.0.0.1"});
  ASSERT_TRUE(other.ok());
  auto config = BaseConfig();
  config.maesn_ca_file = other->cert_file;  // trusts a different CA
  StartGateway(config);
  v1::GetInvoiceRequest req;
  req.set_invoice_id("ABC123");
  v1::GetInvoiceResponse resp;
  auto ctx = Context();
  grpc::Status s = invoices_->GetInvoice(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Reason(s), "UPSTREAM_TLS_VERIFICATION_FAILED");
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(TlsTest, ExpiredDeadlineIsDeadlineExceeded) {
  StartGateway(BaseConfig());
  v1::GetInvoiceRequest req;
  req.set_invoice_id("ABC123");
  v1::GetInvoiceResponse resp;
  auto ctx = Context(kApiKey, kAccountKey, absl::Microseconds(1));
  EXPECT_EQ(invoices_->GetInvoice(ctx.get(), req, &resp).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
}

}  // namespace
}  // namespace maesn::testing
