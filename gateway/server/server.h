#ifndef MAESN_GATEWAY_SERVER_SERVER_H_
#define MAESN_GATEWAY_SERVER_SERVER_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "gateway/common/clock.h"
#include "gateway/common/executor.h"
#include "gateway/maesn/http_transport.h"
#include "gateway/maesn/maesn_connection.h"
#include "gateway/observability/json_log.h"
#include "gateway/observability/metrics.h"
#include "gateway/observability/observer_list.h"
#include "gateway/server/config.h"
#include "gateway/server/health_service.h"
#include "gateway/server/heap_trimmer.h"
#include "gateway/server/reflection_service.h"
#include "gateway/service/call_lifecycle.h"
#include "gateway/watch/watch_hub.h"

namespace maesn::gateway {

// Collaborators a test may replace; null members get the production ones.
struct ServerDependencies {
  std::shared_ptr<HttpTransport> transport;
  std::shared_ptr<Clock> clock;
  // Hears of every RPC besides the log and the metrics.
  RpcObserver* observer = nullptr;
  // Where log lines go; null = stdout. Must outlive the server.
  LogSink* log_sink = nullptr;
};

// The running gateway: wiring only. Builds the transport, stub, connection,
// executor and services from the configuration, and a grpc::Server (TLS or
// mTLS when configured; keepalive and maximum connection age from the
// configuration) with the standard health service (SERVING for "" and every
// service once started, NOT_SERVING from the start of a drain), server
// reflection (v1 and v1alpha, with the proto comments), a plaintext
// health-only listener when configured, Prometheus metrics and one JSON log
// line per RPC.
//
// Shutdown order: drain (health NOT_SERVING, calls still served) -> stream
// owners end their streams -> the gRPC server stops accepting and lets calls
// finish until the deadline -> the executor finishes its queue.
// BeginDrain, SkipDrainDelay and Shutdown are thread-safe.
class GatewayServer {
 public:
  static absl::StatusOr<std::unique_ptr<GatewayServer>> Start(
      const GatewayConfig& config, ServerDependencies deps = {});
  ~GatewayServer();

  // The bound port (useful with GATEWAY_LISTEN=...:0).
  int port() const { return port_; }

  // The bound port of the health-only listener (0 when none).
  int health_port() const { return health_port_; }
  // The bound metrics port (0 when METRICS_LISTEN=off).
  int metrics_port() const { return metrics_->port(); }
  // For components that publish values (Metrics::RegisterGauge).
  Metrics& metrics() { return *metrics_; }
  JsonLogger& logger() { return *logger_; }

  // Health NOT_SERVING for "" and every service, on every listener, so that
  // load balancers and Kubernetes endpoints stop sending new calls; calls
  // keep being served. Idempotent.
  void BeginDrain();

  // The SIGTERM sequence: BeginDrain(), keep serving for `drain_delay`
  // (or until SkipDrainDelay()), then Shutdown() giving calls in flight
  // `grace`, less a margin (a tenth, at most one second) so that calls still
  // running are cancelled with a status before the grace ends. Returns when
  // the server has stopped.
  void Drain(absl::Duration drain_delay, absl::Duration grace);
  // Ends the drain delay of a running Drain() early (second signal).
  void SkipDrainDelay() { skip_drain_.Notify(); }

  // BeginDrain(), then stops the server: it accepts no new call, calls in
  // flight get until `deadline` to finish, after which they are cancelled;
  // then the executor finishes what is queued. Open WatchTask streams and
  // WaitTask calls end at once with UNAVAILABLE (reconnect).
  void Shutdown(absl::Time deadline);

  // Counters of the task-watch hub (open streams, loops, polls), for
  // metrics.
  WatchStats watch_stats() const { return watch_hub_->stats(); }
  WatchHub& watch_hub() { return *watch_hub_; }

  // Blocks until the server has shut down.
  void Wait();

  // Every rpc's REST binding (read from the contract at start-up).
  const BindingTable& bindings() const { return *bindings_; }

  // An in-process channel (tests).
  std::shared_ptr<grpc::Channel> InProcessChannel();

 private:
  GatewayServer() = default;

  // Declared first: destroyed last (the services report to them).
  std::unique_ptr<LogSink> owned_log_sink_;
  std::unique_ptr<JsonLogger> logger_;
  std::unique_ptr<RpcLogger> rpc_logger_;
  std::unique_ptr<Metrics> metrics_;
  RpcObserverList observers_;
  std::unique_ptr<ReflectionCatalog> reflection_catalog_;
  HealthState health_;
  std::unique_ptr<HealthService> probe_health_service_;

  std::unique_ptr<BindingTable> bindings_;
  std::unique_ptr<Executor> executor_;  // maps large answers
  std::unique_ptr<InFlightLimit> upstream_limit_;
  std::shared_ptr<HttpTransport> transport_;
  std::shared_ptr<MaesnConnection> connection_;
  std::unique_ptr<WatchHub> watch_hub_;
  ServiceEnvironment env_;
  std::vector<std::unique_ptr<grpc::Service>> services_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<grpc::Server> health_server_;  // may be null
  std::unique_ptr<HeapTrimmer> heap_trimmer_;    // may be null
  int port_ = 0;
  int health_port_ = 0;
  absl::Notification skip_drain_;
  absl::Mutex mu_;
  bool draining_ ABSL_GUARDED_BY(mu_) = false;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVER_SERVER_H_
