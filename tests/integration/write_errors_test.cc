// Writes fail safely: each is sent exactly once, every failure says what
// happened to the write (ErrorInfo write_outcome), a write that may have
// been applied carries no retry advice and grpc-retry-pushback-ms -1 (so a
// stock gRPC retry policy does not send it again), and Maesn's validation
// errors name the request's fields.

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "fault_server.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/testing/dates.h"
#include "tests/testing/error_details.h"
#include "tests/testing/fixtures.h"
#include "tls_cert.h"

namespace maesn::testing {
namespace {

v1::CreateInvoiceRequest NewInvoice() {
  v1::CreateInvoiceRequest req;
  auto* invoice = req.mutable_invoice();
  *invoice->mutable_invoice_date() = MakeDate(2026, 1, 1);
  invoice->set_currency("EUR");
  auto* line = invoice->add_line_items();
  line->set_quantity(2);
  line->set_unit_amount(49.95);
  line->set_description("Consulting");
  return req;
}

// POSTs the simulator saw (the writes that reached Maesn).
int Posts(sim::MaesnSimulator& s) {
  int n = 0;
  for (const auto& r : s.Requests()) n += r.method == "POST";
  return n;
}

class WriteErrorsTest : public GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    StartGateway(BaseConfig());
  }
  void AnswerEveryRequest(int status, const std::string& body,
                          const std::string& retry_after = "") {
    simulator().SetRequestHook(
        [=](const sim::ApiRequest&) -> std::optional<sim::ApiResponse> {
          sim::ApiResponse r;
          r.status = status;
          r.body = body;
          if (!retry_after.empty()) {
            r.headers.emplace_back("Retry-After", retry_after);
          }
          return r;
        });
  }
  grpc::Status Create(grpc::ClientContext* ctx,
                      const v1::CreateInvoiceRequest& req = NewInvoice()) {
    v1::CreateInvoiceResponse resp;
    return invoices_->CreateInvoice(ctx, req, &resp);
  }
};

TEST_F(WriteErrorsTest, ServerErrorIsSentOnceAndSaysTheOutcomeIsUnknown) {
  AnswerEveryRequest(503, R"({"message":"Service unavailable"})", "1");
  auto ctx = Context();
  grpc::Status s = Create(ctx.get());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  const ErrorDetails d = ReadErrorDetails(s);
  EXPECT_EQ(d.metadata("write_outcome"), "UNKNOWN");
  EXPECT_EQ(d.metadata("operation"), "createInvoice");
  EXPECT_EQ(d.retry_ms(), -1);  // no advice to send it again
  EXPECT_EQ(Trailer(*ctx, "grpc-retry-pushback-ms"), "-1");
  EXPECT_TRUE(absl::StrContains(s.error_message(), "look the record up"));
  EXPECT_EQ(Posts(simulator()), 1);
}

TEST_F(WriteErrorsTest, StockRetryPolicyDoesNotResendAWriteOfUnknownOutcome) {
  AnswerEveryRequest(502, R"({"message":"Bad gateway"})");
  grpc::ChannelArguments args;
  args.SetServiceConfigJSON(R"({
    "methodConfig": [{
      "name": [{"service": "maesn.accounting.v1.InvoiceService"}],
      "retryPolicy": {
        "maxAttempts": 5, "initialBackoff": "0.01s", "maxBackoff": "0.01s",
        "backoffMultiplier": 1, "retryableStatusCodes": ["UNAVAILABLE"]
      }
    }]})");
  auto stub = v1::InvoiceService::NewStub(
      grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                                grpc::InsecureChannelCredentials(), args));
  auto ctx = Context();
  v1::CreateInvoiceResponse resp;
  grpc::Status s = stub->CreateInvoice(ctx.get(), NewInvoice(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Posts(simulator()), 1);  // neither the gateway nor the client
}

TEST_F(WriteErrorsTest, RateLimitedWriteWasRejectedAndMayBeSentAgainLater) {
  AnswerEveryRequest(429, R"({"message":"Too many requests"})", "2");
  auto ctx = Context();
  grpc::Status s = Create(ctx.get());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  const ErrorDetails d = ReadErrorDetails(s);
  EXPECT_EQ(d.metadata("write_outcome"), "REJECTED");
  EXPECT_EQ(d.retry_ms(), 2000);
  EXPECT_EQ(Trailer(*ctx, "grpc-retry-pushback-ms"), "2000");
  EXPECT_EQ(Posts(simulator()), 1);  // never retried by the gateway
}

TEST_F(WriteErrorsTest, ValidationErrorsNameTheRequestFields) {
  AnswerEveryRequest(400, R"({"statusCode":400,"message":"Validation failed",
      "validationErrors":{"lineItems[0].quantity":"must be positive",
                          "invoiceDate":"must not be in the future",
                          "companyId":"unknown company"}})");
  auto ctx = Context();
  grpc::Status s = Create(ctx.get());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  const ErrorDetails d = ReadErrorDetails(s);
  EXPECT_EQ(d.reason(), "UPSTREAM_INVALID_ARGUMENT");
  EXPECT_EQ(d.metadata("write_outcome"), "REJECTED");
  const auto v = d.violations();
  EXPECT_EQ(v.count("invoice.line_items[0].quantity"), 1u) << s.error_message();
  EXPECT_EQ(v.count("invoice.invoice_date"), 1u);
  EXPECT_EQ(v.count("company_id"), 1u);
}

TEST_F(WriteErrorsTest, UnreadableSuccessSaysTheWriteWasApplied) {
  AnswerEveryRequest(201, R"({"meta":{},"data":{"invoiceId":"NEW-)");
  auto ctx = Context();
  grpc::Status s = Create(ctx.get());
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INTERNAL);
  EXPECT_EQ(ReadErrorDetails(s).metadata("write_outcome"), "APPLIED");
  EXPECT_EQ(Trailer(*ctx, "grpc-retry-pushback-ms"), "-1");
  EXPECT_TRUE(absl::StrContains(s.error_message(), "do not send it again"));
}

TEST_F(WriteErrorsTest, InvalidWriteIsNotSent) {
  v1::CreateInvoiceRequest req = NewInvoice();
  req.mutable_invoice()->set_status(static_cast<v1::DocumentStatus>(999));
  auto ctx = Context();
  grpc::Status s = Create(ctx.get(), req);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReadErrorDetails(s).violations().count("invoice.status"), 1u)
      << s.error_message();
  EXPECT_TRUE(simulator().Requests().empty());
}

TEST_F(WriteErrorsTest, DeleteOfAMissingBillWasRejected) {
  auto ctx = Context();
  v1::DeleteBillRequest req;
  req.set_bill_id("no-such-bill");
  v1::DeleteBillResponse resp;
  grpc::Status s = bills_->DeleteBill(ctx.get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ReadErrorDetails(s).metadata("write_outcome"), "REJECTED");
  EXPECT_EQ(Trailer(*ctx, "grpc-retry-pushback-ms"), "");
}

// Below HTTP: the connection breaks after the request went out, or never
// opens.
class WriteTransportTest : public GatewayFixture {
 protected:
  void StartAgainst(sim::Fault fault,
                    absl::Duration read_timeout = absl::Seconds(10)) {
    const std::string dir = MakeTempDir();
    auto cert = sim::MakeSelfSignedCert(dir);
    ASSERT_TRUE(cert.ok());
    faults_ = std::make_unique<sim::FaultServer>(
        sim::FaultServerOptions{cert->cert_file, cert->key_file});
    ASSERT_TRUE(faults_->Start().ok());
    sim::FaultBehaviour b;
    b.fault = fault;
    faults_->SetBehaviour(b);
    auto config = BaseConfig();
    config.maesn_base_url = faults_->base_url();
    config.maesn_ca_file = cert->cert_file;
    config.connect_timeout = absl::Milliseconds(500);
    config.read_timeout = read_timeout;
    StartGateway(config);
  }
  void TearDown() override {
    GatewayFixture::TearDown();
    if (faults_) faults_->Stop();
  }
  std::unique_ptr<sim::FaultServer> faults_;
};

TEST_F(WriteTransportTest, ConnectionResetAfterSendingIsUnknownAndSentOnce) {
  StartAgainst(sim::Fault::kResetAfterRequest);
  auto ctx = Context();
  v1::CreateInvoiceResponse resp;
  grpc::Status s = invoices_->CreateInvoice(ctx.get(), NewInvoice(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(ReadErrorDetails(s).metadata("write_outcome"), "UNKNOWN");
  EXPECT_EQ(Trailer(*ctx, "grpc-retry-pushback-ms"), "-1");
  EXPECT_EQ(faults_->connections(), 1);
  ASSERT_EQ(faults_->RequestHeads().size(), 1u);
  EXPECT_TRUE(absl::StartsWith(faults_->RequestHeads()[0],
                               "POST /accounting/invoices HTTP/1.1"));
}

TEST_F(WriteTransportTest, TimeoutAfterSendingIsUnknown) {
  // Maesn never answers; the gateway gives up after its read budget (the
  // caller's own deadline is further away, so the caller sees the
  // gateway's answer).
  StartAgainst(sim::Fault::kNoAnswer, absl::Milliseconds(300));
  auto ctx = Context();
  v1::CreateInvoiceResponse resp;
  grpc::Status s = invoices_->CreateInvoice(ctx.get(), NewInvoice(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  const ErrorDetails d = ReadErrorDetails(s);
  EXPECT_EQ(d.reason(), "UPSTREAM_TIMEOUT");
  EXPECT_EQ(d.metadata("write_outcome"), "UNKNOWN");
  EXPECT_EQ(Trailer(*ctx, "grpc-retry-pushback-ms"), "-1");
  EXPECT_EQ(faults_->connections(), 1);
}

TEST_F(WriteTransportTest, TlsFailureMeansTheWriteWasNotSent) {
  StartAgainst(sim::Fault::kResetOnAccept);
  auto ctx = Context();
  v1::CreateInvoiceResponse resp;
  grpc::Status s = invoices_->CreateInvoice(ctx.get(), NewInvoice(), &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAVAILABLE);
  const ErrorDetails d = ReadErrorDetails(s);
  EXPECT_EQ(d.metadata("write_outcome"), "NOT_SENT");
  EXPECT_EQ(d.retry_ms(), 1000);  // safe to send again
  EXPECT_EQ(faults_->connections(), 1);
  EXPECT_TRUE(faults_->RequestHeads().empty());
}

}  // namespace
}  // namespace maesn::testing
