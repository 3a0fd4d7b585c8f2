#include "gateway/server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/maesn/httplib_transport.h"
#include "gateway/maesn/https_maesn_stub.h"
#include "gateway/service/bill_service.h"
#include "gateway/service/invoice_service.h"
#include "gateway/service/task_service.h"
#include "grpc/health/v1/health.pb.h"

namespace maesn::gateway {
namespace {

constexpr const char* kServiceNames[] = {
    "maesn.accounting.v1.InvoiceService",
    "maesn.accounting.v1.BillService",
    "maesn.accounting.v1.TaskService",
};

}  // namespace

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(
    const GatewayConfig& config, ServerDependencies deps) {
  std::unique_ptr<GatewayServer> s(new GatewayServer());
  if (deps.transport == nullptr) {
    HttplibTransportOptions topts;
    topts.base_url = config.maesn_base_url;
    topts.ca_file = config.maesn_ca_file;
    topts.connect_timeout = config.connect_timeout;
    topts.read_timeout = config.read_timeout;
    topts.write_timeout = config.read_timeout;
    topts.max_response_bytes = config.max_response_bytes;
    auto t = HttplibTransport::Create(std::move(topts));
    if (!t.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("MAESN_BASE_URL ", t.status().message()));
    }
    deps.transport = *std::move(t);
  }
  if (deps.clock == nullptr) deps.clock = std::make_shared<SystemClock>();
  s->transport_ = deps.transport;
  s->executor_ = std::make_unique<Executor>(config.upstream_workers,
                                            config.upstream_queue);
  RetryPolicy retry;
  retry.max_attempts = config.retry_max_attempts;
  s->connection_ = std::make_shared<MaesnConnection>(
      std::make_shared<HttpsMaesnStub>(s->transport_), retry, deps.clock);
  s->env_.executor = s->executor_.get();
  s->env_.default_api_key = config.maesn_api_key;
  s->env_.observer = deps.observer;

  s->services_.push_back(
      std::make_unique<InvoiceServiceImpl>(s->env_, s->connection_));
  s->services_.push_back(
      std::make_unique<BillServiceImpl>(s->env_, s->connection_));
  s->services_.push_back(
      std::make_unique<TaskServiceImpl>(s->env_, s->connection_));

  // The built-in health service has no descriptor of its own: referencing
  // the generated one keeps it linked so reflection can describe it.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(),
                           &s->port_);
  builder.SetMaxReceiveMessageSize(config.max_message_bytes);
  for (auto& svc : s->services_) builder.RegisterService(svc.get());
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("GATEWAY_LISTEN ", config.listen,
                     " could not be bound (in use or not a local address)"));
  }
  auto* health = s->server_->GetHealthCheckService();
  health->SetServingStatus("", true);
  for (const char* name : kServiceNames) health->SetServingStatus(name, true);
  return s;
}

GatewayServer::~GatewayServer() {
  Shutdown(absl::Now());
  Wait();
}

void GatewayServer::Shutdown(absl::Time deadline) {
  if (shut_down_ || server_ == nullptr) return;
  shut_down_ = true;
  server_->GetHealthCheckService()->Shutdown();
  server_->Shutdown(absl::ToChronoTime(deadline));
  executor_->Shutdown();
}

void GatewayServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

std::shared_ptr<grpc::Channel> GatewayServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

}  // namespace maesn::gateway
