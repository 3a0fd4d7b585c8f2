#ifndef MAESN_GATEWAY_OBSERVABILITY_METRICS_H_
#define MAESN_GATEWAY_OBSERVABILITY_METRICS_H_

#include <array>
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "gateway/observability/rpc_observer.h"
#include "gateway/observability/upstream_observer.h"

namespace prometheus {
class Counter;
class Exposer;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace maesn::gateway {

class CallbackCollectable;

// The gateway's Prometheus metrics (prometheus-cpp):
//   grpc_server_started_total{grpc_type,grpc_service,grpc_method}
//   grpc_server_handled_total{grpc_type,grpc_service,grpc_method,grpc_code}
//   grpc_server_handling_seconds{grpc_type,grpc_service,grpc_method}
//   maesn_upstream_requests_total{operation,http_status}
//   maesn_upstream_request_duration_seconds{operation,http_status}
//   maesn_upstream_retries_total{operation}
// plus any value registered with RegisterGauge/RegisterCounter (read at
// scrape time). grpc_code is the canonical name ("OK", "NOT_FOUND"); an
// http_status of "none" means no HTTP response arrived. Labels only ever
// hold method and operation names and status codes: never a credential,
// an id or a request value.
//
// Thread-safe. Recording takes a shared lock to find the call's series
// (exclusive only the first time a method, code or upstream status is seen);
// prometheus-cpp's counters are atomic.
class Metrics final : public RpcObserver, public UpstreamObserver {
 public:
  Metrics();
  ~Metrics() override;

  void OnRpcStart(const RpcRecord& record) override;
  void OnRpcEnd(const RpcRecord& record) override;
  void OnUpstreamAttempt(absl::string_view operation, int http_status,
                         absl::Duration latency) override;
  void OnUpstreamRetry(absl::string_view operation) override;

  // Registers a value read at every scrape, exposed as a gauge (or a
  // counter: `fn` must then never decrease) named `name` without labels.
  // This is how long-lived components (the executor, the task-watch hub:
  // maesn_watch_streams_open, maesn_watch_poll_loops_active,
  // maesn_watch_polls_total) publish their state. `fn` is called from the
  // metrics server's thread: it must be thread-safe, fast, and stay callable
  // until Unregister(name) or the end of this object. Replaces an earlier
  // registration of the same name.
  void RegisterGauge(const std::string& name, const std::string& help,
                     std::function<double()> fn);
  // The same for a gauge family with one label: one series per (label
  // value, fn), e.g. maesn_upstream_connections{protocol="h1"|"h2"}.
  void RegisterGauge(
      const std::string& name, const std::string& help,
      const std::string& label,
      std::vector<std::pair<std::string, std::function<double()>>> series);
  void RegisterCounter(const std::string& name, const std::string& help,
                       std::function<double()> fn);
  void Unregister(const std::string& name);

  // Everything in the Prometheus text exposition format (version 0.0.4).
  std::string TextExposition() const;

  // Serves GET /metrics on `listen` ("host:port"; port 0 picks one) until
  // StopServing() or destruction. Call at most once.
  absl::Status Serve(const std::string& listen);
  // The bound port, once serving (0 otherwise).
  int port() const { return port_; }
  void StopServing();

 private:
  // The series one method records into, looked up once: prometheus-cpp's
  // Family::Add builds a label map and hashes it under the family's lock
  // on every call.
  struct MethodSeries {
    std::string grpc_type, service, method;
    prometheus::Counter* started = nullptr;
    prometheus::Histogram* seconds = nullptr;
    // By absl::StatusCode (0 to 16); filled on first use.
    std::array<std::atomic<prometheus::Counter*>, 17> handled{};
  };
  struct UpstreamSeries {
    prometheus::Counter* requests = nullptr;
    prometheus::Histogram* seconds = nullptr;
  };

  MethodSeries& SeriesFor(const RpcRecord& record);
  UpstreamSeries SeriesFor(absl::string_view operation, int http_status);

  std::shared_ptr<prometheus::Registry> registry_;
  std::shared_ptr<CallbackCollectable> callbacks_;
  prometheus::Family<prometheus::Counter>* started_;
  prometheus::Family<prometheus::Counter>* handled_;
  prometheus::Family<prometheus::Histogram>* handling_seconds_;
  prometheus::Family<prometheus::Counter>* upstream_requests_;
  prometheus::Family<prometheus::Histogram>* upstream_seconds_;
  prometheus::Family<prometheus::Counter>* upstream_retries_;
  std::unique_ptr<prometheus::Exposer> exposer_;
  int port_ = 0;

  absl::Mutex series_mu_;
  // Entries are never removed (nor are prometheus-cpp's metrics).
  absl::flat_hash_map<std::string, std::unique_ptr<MethodSeries>> methods_
      ABSL_GUARDED_BY(series_mu_);
  absl::flat_hash_map<std::string, absl::flat_hash_map<int, UpstreamSeries>>
      upstream_ ABSL_GUARDED_BY(series_mu_);
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_OBSERVABILITY_METRICS_H_
