#ifndef MAESN_GATEWAY_SERVER_SERVER_H_
#define MAESN_GATEWAY_SERVER_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/common/clock.h"
#include "gateway/common/executor.h"
#include "gateway/maesn/http_transport.h"
#include "gateway/maesn/maesn_connection.h"
#include "gateway/server/config.h"
#include "gateway/service/unary_call.h"

namespace maesn::gateway {

// Collaborators a test may replace; null members get the production ones.
struct ServerDependencies {
  std::shared_ptr<HttpTransport> transport;
  std::shared_ptr<Clock> clock;
  RpcObserver* observer = nullptr;
};

// The running gateway: wiring only. Builds the transport, stub, connection,
// executor and services from the configuration, and a grpc::Server with the
// standard health service (SERVING for "" and every service once started)
// and server reflection.
class GatewayServer {
 public:
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(
      const GatewayConfig& config, ServerDependencies deps = {});
  ~GatewayServer();

  // The bound port (useful with GATEWAY_LISTEN=...:0).
  int port() const { return port_; }

  // Health NOT_SERVING, then stops the server: calls in flight get until
  // `deadline` to finish, after which they are cancelled.
  void Shutdown(absl::Time deadline);

  // Blocks until the server has shut down.
  void Wait();

  // An in-process channel (tests).
  std::shared_ptr<grpc::Channel> InProcessChannel();

 private:
  GatewayServer() = default;

  std::unique_ptr<Executor> executor_;
  std::shared_ptr<HttpTransport> transport_;
  std::shared_ptr<MaesnConnection> connection_;
  ServiceEnvironment env_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  bool shut_down_ = false;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVER_SERVER_H_
