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

v1::Task GatewayFixture::FinishTask(const std::string& task_id,
                                    const std::string& account_key) {
  EXPECT_TRUE(simulator().AdvanceTask(account_key, task_id)) << task_id;
  v1::WaitTaskRequest wait;
  wait.set_task_id(task_id);
  v1::WaitTaskResponse done;
  auto ctx = Context(kApiKey, account_key);
  grpc::Status s = tasks_->WaitTask(ctx.get(), wait, &done);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return done.task();
}

v1::FilePart GatewayFixture::File(const std::string& name,
                                  const std::string& type,
                                  const std::string& bytes) {
  v1::FilePart file;
  file.set_file_name(name);
  file.set_content_type(type);
  file.set_content(bytes);
  return file;
}

google::type::Date GatewayFixture::Day(int year, int month, int day) {
  google::type::Date date;
  date.set_year(year);
  date.set_month(month);
  date.set_day(day);
  return date;
}

}  // namespace maesn::testing
