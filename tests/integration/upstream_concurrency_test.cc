// Requests to Maesn cost memory, not threads: many calls wait for a slow
// Maesn at once on the upstream client's event loop, the gateway's thread
// count stays flat while they do, and UPSTREAM_MAX_IN_FLIGHT refuses the
// call beyond it at once with RESOURCE_EXHAUSTED and RetryInfo.
//
// The upstream is a FaultServer that never answers (one named thread per
// connection, which the thread count leaves out).

#include <dirent.h>
#include <gmock/gmock.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "fault_server.h"
#include "gateway/server/server.h"
#include "maesn/accounting/v1/invoice.grpc.pb.h"
#include "tests/testing/error_details.h"
#include "tests/testing/fixtures.h"
#include "tls_cert.h"

namespace maesn::testing {
namespace {

namespace v1 = ::maesn::accounting::v1;

constexpr char kApiKey[] = "sim-api-key";
constexpr char kAccountKey[] = "sim-account-key";

// Threads of this process, except the fault server's connection threads.
int ThreadsExceptFaultServer() {
  int n = 0;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream comm(absl::StrCat("/proc/self/task/", e->d_name, "/comm"));
    std::string name;
    std::getline(comm, name);
    if (name != "fault-conn") ++n;
  }
  closedir(dir);
  return n;
}

// Calls in flight from this test, each finishing into `statuses`.
class PendingCalls {
 public:
  explicit PendingCalls(v1::InvoiceService::Stub& stub) : stub_(stub) {}
  ~PendingCalls() {
    for (auto& c : calls_) c->ctx.TryCancel();
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](PendingCalls* p) ABSL_EXCLUSIVE_LOCKS_REQUIRED(p->mu_) {
          return p->finished_ == static_cast<int>(p->calls_.size());
        },
        this));
  }

  void Start(absl::Duration timeout) {
    auto call = std::make_unique<Call>();
    call->ctx.AddMetadata("x-api-key", kApiKey);
    call->ctx.AddMetadata("x-account-key", kAccountKey);
    call->ctx.set_deadline(std::chrono::system_clock::now() +
                           absl::ToChronoMilliseconds(timeout));
    call->req.set_invoice_id("ABC123");
    Call* c = call.get();
    calls_.push_back(std::move(call));
    stub_.async()->GetInvoice(&c->ctx, &c->req, &c->resp,
                              [this, c](grpc::Status s) {
                                absl::MutexLock lock(&mu_);
                                c->status = std::move(s);
                                ++finished_;
                              });
  }

  int finished() {
    absl::MutexLock lock(&mu_);
    return finished_;
  }

 private:
  struct Call {
    grpc::ClientContext ctx;
    v1::GetInvoiceRequest req;
    v1::GetInvoiceResponse resp;
    grpc::Status status;
  };
  v1::InvoiceService::Stub& stub_;
  std::vector<std::unique_ptr<Call>> calls_;
  absl::Mutex mu_;
  int finished_ ABSL_GUARDED_BY(mu_) = 0;
};

class UpstreamConcurrencyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string dir = MakeTempDir();
    auto cert = sim::MakeSelfSignedCert(dir);
    ASSERT_TRUE(cert.ok());
    sim::FaultServerOptions options;
    options.cert_file = cert->cert_file;
    options.key_file = cert->key_file;
    faults_ = std::make_unique<sim::FaultServer>(options);
    ASSERT_TRUE(faults_->Start().ok());
    sim::FaultBehaviour never;
    never.fault = sim::Fault::kNoAnswer;
    faults_->SetBehaviour(never);
    config_.listen = "127.0.0.1:0";
    config_.maesn_base_url = faults_->base_url();
    config_.maesn_ca_file = cert->cert_file;
    config_.metrics_listen = "off";
    config_.drain_delay = absl::ZeroDuration();
  }
  void TearDown() override {
    stub_.reset();
    if (gateway_) gateway_->Shutdown(absl::Now() + absl::Seconds(5));
    gateway_.reset();
    if (faults_) faults_->Stop();
  }

  void StartGateway() {
    auto server = gateway::GatewayServer::Start(config_);
    ASSERT_TRUE(server.ok()) << server.status();
    gateway_ = *std::move(server);
    stub_ = v1::InvoiceService::NewStub(
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                            grpc::InsecureChannelCredentials()));
  }

  // maesn_gateway_upstream_calls, as a scrape reads it.
  int SlotsTaken() {
    const std::string text = gateway_->metrics().TextExposition();
    const std::string key = "\nmaesn_gateway_upstream_calls ";
    const size_t at = text.find(key);
    if (at == std::string::npos) return -1;
    return std::atoi(text.c_str() + at + key.size());
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

  gateway::GatewayConfig config_;
  std::unique_ptr<sim::FaultServer> faults_;
  std::unique_ptr<gateway::GatewayServer> gateway_;
  std::unique_ptr<v1::InvoiceService::Stub> stub_;
};

TEST_F(UpstreamConcurrencyTest, ManyCallsWaitForMaesnAtOnceWithoutAThreadEach) {
  StartGateway();
  // Warm up: one call through every layer, so that lazily started threads
  // (gRPC's, the event loop's) exist before the count.
  {
    grpc::ClientContext ctx;
    EXPECT_EQ(Call(absl::Milliseconds(200), ctx).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
  }
  const int before = ThreadsExceptFaultServer();
  constexpr int kCalls = 200;  // the old worker pool held 32
  PendingCalls calls(*stub_);
  for (int i = 0; i < kCalls; ++i) calls.Start(absl::Seconds(60));
  // All of them reach Maesn together: none waits for another to finish.
  ASSERT_TRUE(Eventually([&] {
    return faults_->RequestHeads().size() >= static_cast<size_t>(kCalls + 1);
  })) << faults_->RequestHeads().size()
      << " requests arrived";
  const int during = ThreadsExceptFaultServer();
  EXPECT_EQ(calls.finished(), 0);
  // A handful of threads may start on demand (gRPC's pollers); a thread
  // per call would be 200.
  EXPECT_LT(during - before, 16) << before << " threads before, " << during
                                 << " with " << kCalls << " calls waiting";
}

TEST_F(UpstreamConcurrencyTest, BeyondMaxInFlightACallIsRefusedAtOnce) {
  config_.upstream_max_in_flight = 2;
  StartGateway();
  PendingCalls held(*stub_);
  held.Start(absl::Seconds(60));
  held.Start(absl::Seconds(60));
  ASSERT_TRUE(Eventually([&] { return faults_->RequestHeads().size() == 2; }));

  grpc::ClientContext ctx;
  const absl::Time start = absl::Now();
  grpc::Status s = Call(absl::Seconds(30), ctx);
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(),
              ::testing::HasSubstr("UPSTREAM_MAX_IN_FLIGHT"));
  const ErrorDetails d = ReadErrorDetails(s);
  EXPECT_EQ(d.reason(), "GATEWAY_OVERLOADED");
  EXPECT_EQ(d.retry_ms(), 1000);
  const auto& trailers = ctx.GetServerTrailingMetadata();
  auto pushback = trailers.find("grpc-retry-pushback-ms");
  ASSERT_NE(pushback, trailers.end());
  EXPECT_EQ(std::string(pushback->second.data(), pushback->second.size()),
            "1000");
  // Nothing was sent for it.
  EXPECT_EQ(faults_->RequestHeads().size(), 2u);
}

TEST_F(UpstreamConcurrencyTest, AFinishedCallGivesItsSlotBack) {
  config_.upstream_max_in_flight = 1;
  StartGateway();
  for (int i = 0; i < 3; ++i) {
    // Each call ends at its deadline and frees the only slot: the next one
    // reaches Maesn instead of being refused. (The client may see its
    // deadline a moment before the gateway has ended the call.)
    grpc::ClientContext ctx;
    EXPECT_EQ(Call(absl::Milliseconds(200), ctx).error_code(),
              grpc::StatusCode::DEADLINE_EXCEEDED);
    ASSERT_TRUE(Eventually([&] { return SlotsTaken() == 0; }));
  }
  EXPECT_EQ(faults_->RequestHeads().size(), 3u);
}

TEST_F(UpstreamConcurrencyTest, ACancelledCallFreesItsSlotAndItsConnection) {
  config_.upstream_max_in_flight = 1;
  StartGateway();
  {
    PendingCalls held(*stub_);
    held.Start(absl::Seconds(60));
    ASSERT_TRUE(
        Eventually([&] { return faults_->RequestHeads().size() == 1; }));
  }  // cancelled here, and waited for
  // The gateway hung up on Maesn for it at once.
  EXPECT_TRUE(
      Eventually([&] { return faults_->finished() == 1; }, absl::Seconds(2)));
  // The slot is given back when the aborted transfer's completion has run,
  // a moment after Maesn saw the connection close.
  ASSERT_TRUE(Eventually([&] { return SlotsTaken() == 0; }));
  grpc::ClientContext ctx;
  EXPECT_EQ(Call(absl::Milliseconds(200), ctx).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(faults_->RequestHeads().size(), 2u);
}

}  // namespace
}  // namespace maesn::testing
