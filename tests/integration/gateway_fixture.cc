#include "tests/integration/gateway_fixture.h"

#include <chrono>

#include "absl/strings/str_cat.h"

namespace maesn::testing {

void GatewayFixture::SetUp() {
  sim_ = std::make_unique<sim::MaesnSimulator>();
  ASSERT_TRUE(sim_->Start().ok());
}

void GatewayFixture::TearDown() {
  invoices_.reset();
  bills_.reset();
  tasks_.reset();
  channel_.reset();
  if (gateway_ != nullptr) {
    gateway_->Shutdown(absl::Now() + absl::Seconds(5));
    gateway_.reset();
  }
  sim_.reset();
}

gateway::GatewayConfig GatewayFixture::BaseConfig() const {
  gateway::GatewayConfig c;
  c.listen = "127.0.0.1:0";
  c.maesn_base_url = sim_->base_url();
  c.maesn_ca_file = sim_->ca_file();
  c.connect_timeout = absl::Seconds(5);
  c.read_timeout = absl::Seconds(10);
  c.metrics_listen = "off";  // tests that scrape pick 127.0.0.1:0
  return c;
}

void GatewayFixture::StartGateway(const gateway::GatewayConfig& config) {
  auto server = gateway::GatewayServer::Start(config);
  ASSERT_TRUE(server.ok()) << server.status();
  gateway_ = *std::move(server);
  channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                                 grpc::InsecureChannelCredentials());
  invoices_ = v1::InvoiceService::NewStub(channel_);
  bills_ = v1::BillService::NewStub(channel_);
  tasks_ = v1::TaskService::NewStub(channel_);
}

std::unique_ptr<grpc::ClientContext> GatewayFixture::Context(
    const std::string& api_key, const std::string& account_key,
    absl::Duration timeout) const {
  auto ctx = std::make_unique<grpc::ClientContext>();
  if (!api_key.empty()) ctx->AddMetadata("x-api-key", api_key);
  if (!account_key.empty()) ctx->AddMetadata("x-account-key", account_key);
  ctx->set_deadline(std::chrono::system_clock::now() +
                    absl::ToChronoMilliseconds(timeout));
  return ctx;
}

}  // namespace maesn::testing
