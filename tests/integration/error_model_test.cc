// The error model (AIP-193) as a gRPC client sees it: ErrorInfo on every
// error, RetryInfo and grpc-retry-pushback-ms on retryable ones, BadRequest
// with the request's field paths, and a stock gRPC retry policy waiting as
// long as Maesn asked.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/testing/error_details.h"

namespace maesn::testing {
namespace {

class ErrorModelTest : public GatewayFixture {
 protected:
  void Start(int max_attempts = 4) {
    auto config = BaseConfig();
    config.retry_max_attempts = max_attempts;
    StartGateway(config);
  }
  grpc::Status GetInvoice(grpc::ClientContext* ctx,
                          const std::string& company = "") {
    v1::GetInvoiceRequest req;
    req.set_invoice_id("ABC123");
    req.set_company_id(company);
    v1::GetInvoiceResponse resp;
    return invoices_->GetInvoice(ctx, req, &resp);
  }
};

TEST_F(ErrorModelTest, RateLimitCarriesRetryInfoAndPushback) {
  Start();
  simulator().SetRequestHook(
      [](const sim::ApiRequest&) -> std::optional<sim::ApiResponse> {
        auto r = sim::ErrorResponse(429, "Too many requests");
        r.headers.emplace_back("Retry-After", "3");
        return r;
      });
  // A 1 s deadline leaves no room to wait 3 s: the gateway answers at once.
  auto ctx = Context(kApiKey, kAccountKey, absl::Seconds(1));
  grpc::Status s = GetInvoice(ctx.get());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  const ErrorDetails d = ReadErrorDetails(s);
  EXPECT_EQ(d.code, static_cast<int>(grpc::StatusCode::RESOURCE_EXHAUSTED));
  EXPECT_EQ(d.reason(), "UPSTREAM_RATE_LIMITED");
  EXPECT_EQ(d.info->domain(), "gateway.maesn.dev");
  EXPECT_EQ(d.metadata("operation"), "getInvoice");
  EXPECT_EQ(d.metadata("http_status"), "429");
  EXPECT_EQ(d.retry_ms(), 3000);
  EXPECT_EQ(Trailer(*ctx, "grpc-retry-pushback-ms"), "3000");
  EXPECT_EQ(simulator().Requests().size(), 1u);
}

TEST_F(ErrorModelTest, RetryableErrorWithoutRetryAfterGetsADefaultDelay) {
  Start(/*max_attempts=*/2);
  simulator().SetRequestHook(
      [](const sim::ApiRequest&) -> std::optional<sim::ApiResponse> {
        return sim::ErrorResponse(502, "Bad gateway");
      });
  auto ctx = Context();
  grpc::Status s = GetInvoice(ctx.get());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ReadErrorDetails(s).retry_ms(), 1000);
  EXPECT_EQ(Trailer(*ctx, "grpc-retry-pushback-ms"), "1000");
  EXPECT_EQ(simulator().Requests().size(), 2u);  // the gateway retried once
}

TEST_F(ErrorModelTest, PermanentErrorsHaveNoRetryAdvice) {
  Start();
  auto ctx = Context();
  v1::GetInvoiceRequest req;
  req.set_invoice_id("no-such-invoice");
  v1::GetInvoiceResponse resp;
  grpc::Status s = invoices_->GetInvoice(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  const ErrorDetails d = ReadErrorDetails(s);
  EXPECT_EQ(d.reason(), "UPSTREAM_NOT_FOUND");
  EXPECT_EQ(d.retry_ms(), -1);
  EXPECT_EQ(Trailer(*ctx, "grpc-retry-pushback-ms"), "");
}

TEST_F(ErrorModelTest, ValidationErrorsNameTheRequestFields) {
  Start();
  simulator().SetRequestHook(
      [](const sim::ApiRequest&) -> std::optional<sim::ApiResponse> {
        sim::Json body = sim::Json::object();
        body["statusCode"] = 400;
        body["message"] = "Validation failed";
        body["validationErrors"] =
            sim::Json::object({{"companyId", "unknown company"},
                               {"upstreamOnlyThing", "whatever"}});
        return sim::JsonResponse(400, body);
      });
  auto ctx = Context();
  grpc::Status s = GetInvoice(ctx.get(), "c-404");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const ErrorDetails d = ReadErrorDetails(s);
  EXPECT_EQ(d.reason(), "UPSTREAM_INVALID_ARGUMENT");
  const auto v = d.violations();
  EXPECT_EQ(v.at("company_id"), "unknown company");
  EXPECT_EQ(v.at("upstreamOnlyThing"), "whatever");  // unmatched: kept
  EXPECT_TRUE(absl::StrContains(s.error_message(), "Validation failed"));
}

TEST_F(ErrorModelTest, EveryGatewayMadeErrorHasAnErrorInfo) {
  Start();
  // Missing credentials, bad input, unknown method: all carry a reason.
  auto no_key = Context(kApiKey, "");
  EXPECT_EQ(ReadErrorDetails(GetInvoice(no_key.get())).reason(),
            "MISSING_CREDENTIALS");
  auto bad = Context();
  v1::GetBillRequest req;
  v1::GetBillResponse resp;
  grpc::Status s = bills_->GetBill(bad.get(), req, &resp);
  EXPECT_EQ(ReadErrorDetails(s).reason(), "INVALID_FIELD");
  EXPECT_EQ(ReadErrorDetails(s).violations().count("bill_id"), 1u);
}

TEST_F(ErrorModelTest, RequestIdTravelsWithTheAnswer) {
  Start();
  auto ok = Context();
  ok->AddMetadata("x-request-id", "req-42");
  ASSERT_TRUE(GetInvoice(ok.get()).ok());
  bool in_initial = false;
  for (const auto& [k, v] : ok->GetServerInitialMetadata()) {
    in_initial |= absl::string_view(k.data(), k.size()) == "x-request-id" &&
                  absl::string_view(v.data(), v.size()) == "req-42";
  }
  EXPECT_TRUE(in_initial);
  // An error carries it in the trailers and nothing in the initial
  // metadata (a trailers-only answer, which clients may retry).
  auto failed = Context();
  failed->AddMetadata("x-request-id", "req-43");
  v1::GetInvoiceRequest req;
  req.set_invoice_id("no-such-invoice");
  v1::GetInvoiceResponse resp;
  ASSERT_FALSE(invoices_->GetInvoice(failed.get(), req, &resp).ok());
  EXPECT_EQ(Trailer(*failed, "x-request-id"), "req-43");
  for (const auto& [k, v] : failed->GetServerInitialMetadata()) {
    EXPECT_NE(absl::string_view(k.data(), k.size()), "x-request-id");
  }
}

TEST_F(ErrorModelTest, StockClientRetryPolicyWaitsAsLongAsMaesnAsked) {
  // The gateway makes one attempt (MAESN_RETRY_MAX_ATTEMPTS=1), so the
  // client's own retry policy is what retries, after the pushback.
  Start(/*max_attempts=*/1);
  struct Seen {
    absl::Mutex mu;
    std::vector<absl::Time> at;
  };
  auto seen = std::make_shared<Seen>();
  simulator().SetRequestHook(
      [seen](const sim::ApiRequest&) -> std::optional<sim::ApiResponse> {
        absl::MutexLock lock(&seen->mu);
        seen->at.push_back(absl::Now());
        if (seen->at.size() > 1) return std::nullopt;  // then the record
        auto r = sim::ErrorResponse(503, "Service unavailable");
        r.headers.emplace_back("Retry-After", "1");
        return r;
      });
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(R"({
    "methodConfig": [{
      "name": [{"service": "maesn.accounting.v1.InvoiceService"}],
      "retryPolicy": {
        "maxAttempts": 3, "initialBackoff": "0.01s", "maxBackoff": "0.01s",
        "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]
      }
    }]})");
  auto channel =
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                                grpc::InsecureChannelCredentials(), args);
  auto stub = v1::InvoiceService::NewStub(channel);
  auto ctx = Context(kApiKey, kAccountKey, absl::Seconds(10));
  v1::GetInvoiceRequest req;
  req.set_invoice_id("ABC123");
  v1::GetInvoiceResponse resp;
  grpc::Status s = stub->GetInvoice(ctx.get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.invoice().invoice_id(), "ABC123");
  absl::MutexLock lock(&seen->mu);
  ASSERT_EQ(seen->at.size(), 2u);
  // Without the pushback the client would have come back after 10 ms.
  EXPECT_GE(seen->at[1] - seen->at[0], absl::Milliseconds(950));
}

}  // namespace
}  // namespace maesn::testing
