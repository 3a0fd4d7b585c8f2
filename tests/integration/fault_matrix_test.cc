// The upstream fault matrix: every fault Maesn (or the network in between)
// can throw at the gateway, each answered with its documented status
// (docs/errors.md, "Upstream faults"), after which the gateway keeps
// serving, frees its upstream slot and leaks no key.
//
// HTTP-level faults come from the simulator's fault plan (the same JSON
// that POST /_sim/faults takes); faults below HTTP (slow, truncated, reset,
// endless, not TLS) come from FaultServer. Every case runs against its own
// gateway with ONE upstream slot (UPSTREAM_MAX_IN_FLIGHT=1), so a slot the
// fault kept would make the follow-up call fail.

#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "fault_plan.h"
#include "fault_server.h"
#include "gateway/server/server.h"
#include "maesn/accounting/v1/invoice.grpc.pb.h"
#include "simulator.h"
#include "tests/testing/error_details.h"
#include "tests/testing/fixtures.h"
#include "tls_cert.h"

namespace maesn::testing {
namespace {

namespace v1 = ::maesn::accounting::v1;

constexpr char kApiKey[] = "sim-api-key";
constexpr char kAccountKey[] = "sim-account-key";

std::string OkResponse() {
  const std::string body =
      R"({"meta":{"warnings":[]},"data":{"invoiceId":"ABC123"}})";
  return absl::StrCat(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
      "Content-Length: ",
      body.size(), "\r\nConnection: close\r\n\r\n", body);
}

// What the environment of one case looks like.
struct World {
  std::unique_ptr<sim::MaesnSimulator> sim;
  std::unique_ptr<sim::FaultServer> faults;  // the upstream, if set
  std::unique_ptr<sim::FaultServer> other_host;
  gateway::GatewayConfig config;
  std::string trusted_dir;  // the fault server's CA
};

struct FaultCase {
  std::string name;
  // Prepares the upstream and the gateway config.
  std::function<void(World&)> setup;
  grpc::StatusCode code;
  std::string reason;  // "" = no ErrorInfo reason expected beyond a default
  absl::Duration client_timeout = absl::Seconds(10);
  // Upper bound for the call's duration (the fault must not hold it).
  absl::Duration max_duration = absl::Seconds(5);
  // Extra checks after the call.
  std::function<void(World&)> check = nullptr;
  // Whether the follow-up call can succeed: false when the fault is the
  // configuration itself (the gateway must then still answer, the same way).
  bool follow_up_ok = true;
};

std::ostream& operator<<(std::ostream& os, const FaultCase& c) {
  return os << c.name;
}

void UseSimFault(World& w, const std::string& plan_json) {
  auto plan = sim::FaultPlan::FromJson(sim::Json::parse(plan_json));
  ASSERT_TRUE(plan.ok()) << plan.status();
  w.sim->SetFaultPlan(*std::move(plan));
}

void UseFaultServer(World& w, sim::FaultBehaviour behaviour, bool tls = true) {
  w.trusted_dir = MakeTempDir();
  auto cert = sim::MakeSelfSignedCert(w.trusted_dir);
  ASSERT_TRUE(cert.ok());
  sim::FaultServerOptions options;
  if (tls) {
    options.cert_file = cert->cert_file;
    options.key_file = cert->key_file;
  }
  w.faults = std::make_unique<sim::FaultServer>(options);
  ASSERT_TRUE(w.faults->Start().ok());
  w.faults->SetBehaviour(behaviour);
  w.config.maesn_base_url = w.faults->base_url();
  w.config.maesn_ca_file = cert->cert_file;
}

sim::FaultBehaviour Behaviour(sim::Fault fault) {
  sim::FaultBehaviour b;
  b.fault = fault;
  return b;
}

class FaultMatrixTest : public ::testing::TestWithParam<FaultCase> {
 protected:
  void SetUp() override {
    w_.sim = std::make_unique<sim::MaesnSimulator>();
    ASSERT_TRUE(w_.sim->Start().ok());
    w_.config.listen = "127.0.0.1:0";
    w_.config.maesn_base_url = w_.sim->base_url();
    w_.config.maesn_ca_file = w_.sim->ca_file();
    w_.config.upstream_max_in_flight = 1;
    w_.config.connect_timeout = absl::Seconds(2);
    w_.config.read_timeout = absl::Seconds(10);
    w_.config.max_response_bytes = 1 << 20;
    w_.config.metrics_listen = "off";
    w_.config.drain_delay = absl::ZeroDuration();
  }
  void TearDown() override {
    stub_.reset();
    if (gateway_) gateway_->Shutdown(absl::Now() + absl::Seconds(5));
    gateway_.reset();
    if (w_.faults) w_.faults->Stop();
    if (w_.other_host) w_.other_host->Stop();
  }

  void StartGateway() {
    auto server = gateway::GatewayServer::Start(w_.config);
    ASSERT_TRUE(server.ok()) << server.status();
    gateway_ = *std::move(server);
    stub_ = v1::InvoiceService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  grpc::Status Call(absl::Duration timeout, grpc::ClientContext& ctx) {
    ctx.AddMetadata("x-api-key", kApiKey);
    ctx.AddMetadata("x-account-key", kAccountKey);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     absl::ToChronoMilliseconds(timeout));
    v1::GetInvoiceRequest req;
    req.set_invoice_id("ABC123");
    v1::GetInvoiceResponse resp;
    return stub_->GetInvoice(&ctx, req, &resp);
  }

  // UPSTREAM_MAX_IN_FLIGHT slots held (the gauge maesn_gateway_upstream_calls);
  // -1 if the gauge is missing.
  double UpstreamSlotsInUse() {
    const std::string text = gateway_->metrics().TextExposition();
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      double value = 0;
      if (absl::ConsumePrefix(&line, "maesn_gateway_upstream_calls ") &&
          absl::SimpleAtod(line, &value)) {
        return value;
      }
    }
    return -1;
  }

  // The gateway gives a call's slot back when it has finished the call,
  // which can be a moment after the caller saw its own deadline pass or its
  // cancellation confirmed; a slot kept for good fails this.
  void ExpectTheSlotIsFreed() {
    EXPECT_TRUE(Eventually([&] { return UpstreamSlotsInUse() == 0; }))
        << UpstreamSlotsInUse() << " upstream slot(s) still held";
  }

  World w_;
  std::unique_ptr<gateway::GatewayServer> gateway_;
  std::unique_ptr<v1::InvoiceService::Stub> stub_;
};

TEST_P(FaultMatrixTest, DocumentedStatusThenKeepsServing) {
  const FaultCase& c = GetParam();
  c.setup(w_);
  if (HasFatalFailure()) return;
  StartGateway();

  grpc::ClientContext ctx;
  const absl::Time start = absl::Now();
  grpc::Status s = Call(c.client_timeout, ctx);
  const absl::Duration took = absl::Now() - start;

  EXPECT_EQ(s.error_code(), c.code) << s.error_message();
  const ErrorDetails d = ReadErrorDetails(s);
  if (!c.reason.empty()) {
    // "A|B": either reason (a race the fault cannot control).
    const std::vector<std::string> reasons = absl::StrSplit(c.reason, '|');
    EXPECT_THAT(reasons, ::testing::Contains(d.reason())) << s.error_message();
    EXPECT_EQ(d.info->domain(), "gateway.maesn.dev");
    EXPECT_EQ(d.metadata("operation"), "getInvoice");
  }
  EXPECT_LT(took, c.max_duration);
  // Nothing leaks: neither key is in the message, details or trailers.
  for (const std::string& text : {s.error_message(), s.error_details()}) {
    EXPECT_FALSE(absl::StrContains(text, kApiKey));
    EXPECT_FALSE(absl::StrContains(text, kAccountKey));
  }
  for (const auto& [k, v] : ctx.GetServerTrailingMetadata()) {
    EXPECT_FALSE(
        absl::StrContains(absl::string_view(v.data(), v.size()), kAccountKey));
  }
  if (c.check) c.check(w_);

  // The gateway keeps serving, through its only upstream slot.
  ExpectTheSlotIsFreed();
  w_.sim->SetFaultPlan({});
  if (w_.faults) {
    sim::FaultBehaviour ok;
    ok.fault = sim::Fault::kRawResponse;
    ok.raw_response = OkResponse();
    w_.faults->SetBehaviour(ok);
  }
  grpc::ClientContext again;
  grpc::Status after = Call(absl::Seconds(10), again);
  if (c.follow_up_ok) {
    EXPECT_TRUE(after.ok())
        << after.error_code() << " " << after.error_message();
  } else {
    EXPECT_EQ(after.error_code(), c.code) << after.error_message();
  }
  // No connection is left hanging at the fault server.
  if (w_.faults) {
    EXPECT_TRUE(Eventually([&] {
      return w_.faults->finished() == w_.faults->connections();
    })) << w_.faults->finished()
        << " of " << w_.faults->connections();
  }
}

TEST_F(FaultMatrixTest, CallerCancellationFreesTheWorkerAtOnce) {
  UseFaultServer(w_, Behaviour(sim::Fault::kNoAnswer));
  StartGateway();
  grpc::ClientContext ctx;
  ctx.AddMetadata("x-api-key", kApiKey);
  ctx.AddMetadata("x-account-key", kAccountKey);
  v1::GetInvoiceRequest req;
  req.set_invoice_id("ABC123");
  v1::GetInvoiceResponse resp;
  absl::Notification done;
  grpc::Status status;
  stub_->async()->GetInvoice(&ctx, &req, &resp, [&](grpc::Status s) {
    status = std::move(s);
    done.Notify();
  });
  // Once the request is upstream (no deadline: only cancelling ends it).
  ASSERT_TRUE(Eventually([&] { return !w_.faults->RequestHeads().empty(); }));
  ctx.TryCancel();
  done.WaitForNotification();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  // The gateway hung up on Maesn, and its only upstream slot is free again.
  EXPECT_TRUE(
      Eventually([&] { return w_.faults->finished() == 1; }, absl::Seconds(2)));
  ExpectTheSlotIsFreed();
  sim::FaultBehaviour ok;
  ok.fault = sim::Fault::kRawResponse;
  ok.raw_response = OkResponse();
  w_.faults->SetBehaviour(ok);
  grpc::ClientContext again;
  EXPECT_TRUE(Call(absl::Seconds(5), again).ok());
}

// The transport's watchdog sleeps until the earliest moment it knows of; a
// request that comes with an earlier deadline while a longer one waits is
// still cut off at its own deadline: the gateway hangs up on Maesn for it
// and keeps the other.
TEST_F(FaultMatrixTest, AShortDeadlineIsKeptWhileALongerCallWaits) {
  UseFaultServer(w_, Behaviour(sim::Fault::kNoAnswer));
  w_.config.upstream_max_in_flight = 2;
  StartGateway();
  grpc::ClientContext long_ctx;
  v1::GetInvoiceRequest req;
  req.set_invoice_id("ABC123");
  v1::GetInvoiceResponse long_resp;
  absl::Notification long_done;
  grpc::Status long_status;
  long_ctx.AddMetadata("x-api-key", kApiKey);
  long_ctx.AddMetadata("x-account-key", kAccountKey);
  long_ctx.set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(60));
  stub_->async()->GetInvoice(&long_ctx, &req, &long_resp, [&](grpc::Status s) {
    long_status = std::move(s);
    long_done.Notify();
  });
  ASSERT_TRUE(
      Eventually([&] { return w_.faults->RequestHeads().size() == 1; }));

  grpc::ClientContext short_ctx;
  EXPECT_EQ(Call(absl::Milliseconds(300), short_ctx).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(w_.faults->RequestHeads().size(), 2u);
  // The short request's upstream connection is closed by the gateway soon
  // after its deadline, while the long one still waits.
  EXPECT_TRUE(
      Eventually([&] { return w_.faults->finished() == 1; }, absl::Seconds(2)));
  EXPECT_FALSE(long_done.HasBeenNotified());

  long_ctx.TryCancel();
  long_done.WaitForNotification();
  EXPECT_EQ(long_status.error_code(), grpc::StatusCode::CANCELLED);
}

std::string SimFault(const std::string& fault_json, bool every_request) {
  return every_request ? absl::StrCat(R"({"rate":1,"pool":[)", fault_json, "]}")
                       : absl::StrCat(R"({"next":[)", fault_json, "]}");
}

// Upstream requests the simulator saw (attempts of the gateway).
std::function<void(World&)> Attempts(std::size_t n) {
  return [n](World& w) { EXPECT_EQ(w.sim->Requests().size(), n); };
}

std::function<void(World&)> FaultServerAttempts(int n) {
  return [n](World& w) { EXPECT_EQ(w.faults->connections(), n); };
}

INSTANTIATE_TEST_SUITE_P(
    Matrix, FaultMatrixTest,
    ::testing::Values(
        // --- HTTP answers ------------------------------------------------
        FaultCase{"RateLimited",
                  [](World& w) {
                    UseSimFault(w, SimFault(R"({"kind":"rate_limited",)"
                                            R"("retryAfter":"0"})",
                                            true));
                  },
                  grpc::StatusCode::RESOURCE_EXHAUSTED, "UPSTREAM_RATE_LIMITED",
                  absl::Seconds(10), absl::Seconds(5), Attempts(4)},
        FaultCase{"ServiceUnavailable",
                  [](World& w) {
                    UseSimFault(w, SimFault(R"({"kind":"unavailable"})", true));
                  },
                  grpc::StatusCode::UNAVAILABLE, "UPSTREAM_UNAVAILABLE",
                  absl::Seconds(10), absl::Seconds(5), Attempts(4)},
        FaultCase{"BadGatewayOnceIsRetriedAway",
                  [](World& w) {
                    UseSimFault(w,
                                SimFault(R"({"kind":"bad_gateway"})", false));
                  },
                  grpc::StatusCode::OK, "", absl::Seconds(10), absl::Seconds(5),
                  Attempts(2)},
        FaultCase{"GatewayTimeout",
                  [](World& w) {
                    UseSimFault(
                        w, SimFault(R"({"kind":"gateway_timeout"})", true));
                  },
                  grpc::StatusCode::UNAVAILABLE, "UPSTREAM_UNAVAILABLE",
                  absl::Seconds(10), absl::Seconds(5), Attempts(4)},
        // Maesn's error guide calls 500 retryable: reads retry it.
        FaultCase{"InternalServerErrorIsRetried",
                  [](World& w) {
                    UseSimFault(w, SimFault(R"({"kind":"internal"})", true));
                  },
                  grpc::StatusCode::UNAVAILABLE, "UPSTREAM_UNAVAILABLE",
                  absl::Seconds(10), absl::Seconds(5), Attempts(4)},
        FaultCase{"NotSupportedByTargetSystem",
                  [](World& w) {
                    UseSimFault(w,
                                SimFault(R"({"kind":"not_supported"})", true));
                  },
                  grpc::StatusCode::UNIMPLEMENTED, "TARGET_SYSTEM_UNSUPPORTED",
                  absl::Seconds(10), absl::Seconds(5), Attempts(1)},
        FaultCase{
            "TargetSystemNotFound",
            [](World& w) {
              UseSimFault(w, SimFault(R"({"kind":"target_not_found"})", true));
            },
            grpc::StatusCode::FAILED_PRECONDITION, "TARGET_SYSTEM_NOT_FOUND",
            absl::Seconds(10), absl::Seconds(5), Attempts(1)},
        FaultCase{"HtmlErrorPage",
                  [](World& w) {
                    UseSimFault(w, SimFault(R"({"kind":"html"})", true));
                  },
                  grpc::StatusCode::UNAVAILABLE, "UPSTREAM_UNAVAILABLE",
                  absl::Seconds(10), absl::Seconds(5),
                  [](World& w) { EXPECT_EQ(w.sim->Requests().size(), 4u); }},
        FaultCase{"TruncatedJson",
                  [](World& w) {
                    UseSimFault(w, SimFault(R"({"kind":"garbage"})", true));
                  },
                  grpc::StatusCode::INTERNAL, "INVALID_UPSTREAM_RESPONSE",
                  absl::Seconds(10), absl::Seconds(5), Attempts(1)},
        FaultCase{"WrongContentType",
                  [](World& w) {
                    UseSimFault(
                        w, SimFault(R"({"kind":"wrong_content_type"})", true));
                  },
                  grpc::StatusCode::INTERNAL, "INVALID_UPSTREAM_RESPONSE",
                  absl::Seconds(10), absl::Seconds(5), Attempts(1)},
        FaultCase{"RedirectToAnotherHostIsNotFollowed",
                  [](World& w) {
                    w.other_host = std::make_unique<sim::FaultServer>(
                        sim::FaultServerOptions{});
                    ASSERT_TRUE(w.other_host->Start().ok());
                    UseSimFault(w,
                                SimFault(absl::StrCat(R"({"kind":"redirect",)"
                                                      R"("location":")",
                                                      w.other_host->base_url(),
                                                      R"(/accounting/x"})"),
                                         true));
                  },
                  grpc::StatusCode::INTERNAL, "UPSTREAM_REDIRECT_REFUSED",
                  absl::Seconds(10), absl::Seconds(5),
                  [](World& w) {
                    EXPECT_EQ(w.sim->Requests().size(), 1u);
                    EXPECT_EQ(w.other_host->connections(), 0);
                  }},
        FaultCase{"SlowAnswerPastTheReadBudget",
                  [](World& w) {
                    w.config.connect_timeout = absl::Milliseconds(200);
                    w.config.read_timeout = absl::Milliseconds(300);
                    UseSimFault(w, SimFault(R"({"kind":"slow","delayMs":1500})",
                                            false));
                  },
                  grpc::StatusCode::DEADLINE_EXCEEDED, "UPSTREAM_TIMEOUT",
                  absl::Seconds(10), absl::Seconds(2)},
        FaultCase{
            "ResponseOverTheSizeCap",
            [](World& w) {
              const std::string big =
                  absl::StrCat(R"({"meta":{},"data":{"name":")",
                               std::string(2 << 20, 'x'), R"("}})");
              // A literal 2 MiB answer through the request hook.
              w.sim->SetRequestHook([big, used = std::make_shared<bool>(false)](
                                        const sim::ApiRequest&)
                                        -> std::optional<sim::ApiResponse> {
                if (*used) return std::nullopt;
                *used = true;
                sim::ApiResponse r;
                r.body = big;
                return r;
              });
            },
            grpc::StatusCode::RESOURCE_EXHAUSTED, "UPSTREAM_RESPONSE_TOO_LARGE",
            absl::Seconds(10), absl::Seconds(5), Attempts(1)},
        // --- Below HTTP ----------------------------------------------------
        FaultCase{"ConnectionRefused",
                  [](World& w) {
                    // A port that was just free: nothing listens there.
                    sim::FaultServer closed(sim::FaultServerOptions{});
                    ASSERT_TRUE(closed.Start().ok());
                    const std::string url = closed.base_url();
                    closed.Stop();
                    w.config.maesn_base_url = url;
                  },
                  grpc::StatusCode::UNAVAILABLE, "UPSTREAM_UNAVAILABLE",
                  absl::Seconds(10), absl::Seconds(5), nullptr,
                  /*follow_up_ok=*/false},
        FaultCase{"ResetOnAccept",
                  [](World& w) {
                    UseFaultServer(w, Behaviour(sim::Fault::kResetOnAccept));
                  },
                  // Whether the reset lands during connect or during the
                  // TLS handshake is up to the kernel; both are retried.
                  grpc::StatusCode::UNAVAILABLE,
                  "UPSTREAM_UNAVAILABLE|UPSTREAM_TLS_FAILED", absl::Seconds(10),
                  absl::Seconds(5), FaultServerAttempts(4)},
        FaultCase{"ResetAfterRequest",
                  [](World& w) {
                    UseFaultServer(w,
                                   Behaviour(sim::Fault::kResetAfterRequest));
                  },
                  grpc::StatusCode::UNAVAILABLE, "UPSTREAM_UNAVAILABLE",
                  absl::Seconds(10), absl::Seconds(5), FaultServerAttempts(4)},
        FaultCase{"TruncatedBody",
                  [](World& w) {
                    UseFaultServer(w, Behaviour(sim::Fault::kTruncatedBody));
                  },
                  grpc::StatusCode::UNAVAILABLE, "UPSTREAM_UNAVAILABLE",
                  absl::Seconds(10), absl::Seconds(5), FaultServerAttempts(4)},
        FaultCase{"NoAnswerUntilTheCallersDeadline",
                  [](World& w) {
                    UseFaultServer(w, Behaviour(sim::Fault::kNoAnswer));
                  },
                  grpc::StatusCode::DEADLINE_EXCEEDED, "",
                  absl::Milliseconds(500), absl::Seconds(2),
                  [](World& w) {
                    // The gateway hung up when the deadline passed.
                    EXPECT_TRUE(
                        Eventually([&] { return w.faults->finished() == 1; },
                                   absl::Seconds(2)));
                  }},
        FaultCase{"SlowHeadersPastTheReadBudget",
                  [](World& w) {
                    w.config.connect_timeout = absl::Milliseconds(200);
                    w.config.read_timeout = absl::Milliseconds(500);
                    UseFaultServer(w, Behaviour(sim::Fault::kTrickleHeaders));
                  },
                  grpc::StatusCode::DEADLINE_EXCEEDED, "UPSTREAM_TIMEOUT",
                  absl::Seconds(10), absl::Seconds(2)},
        FaultCase{"SlowBodyPastTheReadBudget",
                  [](World& w) {
                    w.config.connect_timeout = absl::Milliseconds(200);
                    w.config.read_timeout = absl::Milliseconds(500);
                    UseFaultServer(w, Behaviour(sim::Fault::kTrickleBody));
                  },
                  grpc::StatusCode::DEADLINE_EXCEEDED, "UPSTREAM_TIMEOUT",
                  absl::Seconds(10), absl::Seconds(2)},
        FaultCase{"SlowBodyUntilTheCallersDeadline",
                  [](World& w) {
                    UseFaultServer(w, Behaviour(sim::Fault::kTrickleBody));
                  },
                  grpc::StatusCode::DEADLINE_EXCEEDED, "",
                  absl::Milliseconds(700), absl::Seconds(2),
                  [](World& w) {
                    EXPECT_TRUE(
                        Eventually([&] { return w.faults->finished() == 1; },
                                   absl::Seconds(2)));
                  }},
        FaultCase{"EndlessBodyStopsAtTheSizeCap",
                  [](World& w) {
                    UseFaultServer(w, Behaviour(sim::Fault::kEndlessBody));
                  },
                  grpc::StatusCode::RESOURCE_EXHAUSTED,
                  "UPSTREAM_RESPONSE_TOO_LARGE", absl::Seconds(10),
                  absl::Seconds(5),
                  [](World& w) {
                    // The gateway stopped reading at the 1 MiB cap and
                    // closed: the server wrote little more than that.
                    EXPECT_TRUE(
                        Eventually([&] { return w.faults->finished() == 1; }));
                    EXPECT_LT(w.faults->bytes_sent(), 16 << 20);
                    EXPECT_GT(w.faults->bytes_sent(), 1 << 20);
                  }},
        FaultCase{"PlainHttpServerIsRefusedNoFallback",
                  [](World& w) {
                    sim::FaultBehaviour b;
                    b.fault = sim::Fault::kRawResponse;
                    b.raw_response = OkResponse();
                    UseFaultServer(w, b, /*tls=*/false);
                  },
                  grpc::StatusCode::UNAVAILABLE, "UPSTREAM_TLS_FAILED",
                  absl::Seconds(10), absl::Seconds(5),
                  [](World& w) {
                    // Only TLS ClientHellos arrived; no plain request.
                    const std::string first = w.faults->FirstBytes();
                    ASSERT_FALSE(first.empty());
                    EXPECT_EQ(static_cast<unsigned char>(first[0]), 0x16);
                    EXPECT_TRUE(w.faults->RequestHeads().empty());
                  },
                  /*follow_up_ok=*/false},
        FaultCase{"UntrustedCertificate",
                  [](World& w) {
                    const std::string dir = MakeTempDir();
                    auto other = sim::MakeSelfSignedCert(dir);
                    ASSERT_TRUE(other.ok());
                    w.config.maesn_ca_file = other->cert_file;
                  },
                  grpc::StatusCode::UNAVAILABLE,
                  "UPSTREAM_TLS_VERIFICATION_FAILED", absl::Seconds(10),
                  absl::Seconds(5), Attempts(0), /*follow_up_ok=*/false},
        FaultCase{
            "CertificateForAnotherHost",
            [](World& w) {
              // Trusted CA, but the certificate names another host.
              w.trusted_dir = MakeTempDir();
              auto cert = sim::MakeSelfSignedCert(w.trusted_dir,
                                                  {"api.example.invalid"}, {});
              ASSERT_TRUE(cert.ok());
              sim::FaultServerOptions o;
              o.cert_file = cert->cert_file;
              o.key_file = cert->key_file;
              w.faults = std::make_unique<sim::FaultServer>(o);
              ASSERT_TRUE(w.faults->Start().ok());
              w.config.maesn_base_url = w.faults->base_url();
              w.config.maesn_ca_file = cert->cert_file;
            },
            grpc::StatusCode::UNAVAILABLE, "UPSTREAM_TLS_VERIFICATION_FAILED",
            absl::Seconds(10), absl::Seconds(5),
            [](World& w) { EXPECT_TRUE(w.faults->RequestHeads().empty()); },
            /*follow_up_ok=*/false}),
    [](const ::testing::TestParamInfo<FaultCase>& param) {
      return param.param.name;
    });

}  // namespace
}  // namespace maesn::testing
