#include "gateway/observability/metrics.h"

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <exception>
#include <map>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"

namespace maesn::gateway {

// Values read through callbacks at scrape time.
class CallbackCollectable final : public prometheus::Collectable {
 public:
  struct Entry {
    std::string help;
    prometheus::MetricType type;
    // Without labels when `label` is empty (then one series, value "").
    std::string label;
    std::vector<std::pair<std::string, std::function<double()>>> series;
  };

  void Set(const std::string& name, Entry entry) {
    absl::MutexLock lock(&mu_);
    entries_[name] = std::move(entry);
  }
  void Remove(const std::string& name) {
    absl::MutexLock lock(&mu_);
    entries_.erase(name);
  }

  std::vector<prometheus::MetricFamily> Collect() const override {
    absl::MutexLock lock(&mu_);
    std::vector<prometheus::MetricFamily> out;
    out.reserve(entries_.size());
    for (const auto& [name, e] : entries_) {
      prometheus::MetricFamily f;
      f.name = name;
      f.help = e.help;
      f.type = e.type;
      for (const auto& [value, fn] : e.series) {
        prometheus::ClientMetric m;
        if (!e.label.empty()) m.label.push_back({e.label, value});
        const double v = fn();
        if (e.type == prometheus::MetricType::Counter) {
          m.counter.value = v;
        } else {
          m.gauge.value = v;
        }
        f.metric.push_back(std::move(m));
      }
      out.push_back(std::move(f));
    }
    return out;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

namespace {

// Upper bounds in seconds: from a cached answer (ms) to a slow target
// system behind Maesn (tens of seconds).
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* b = new prometheus::Histogram::BucketBoundaries{
      0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
  return *b;
}

// "/pkg.Service/Method" -> {"pkg.Service", "Method"}.
std::pair<std::string, std::string> SplitMethod(const std::string& full) {
  const auto slash = full.rfind('/');
  if (slash == std::string::npos || slash == 0) return {"unknown", full};
  const std::size_t begin = full[0] == '/' ? 1 : 0;
  return {full.substr(begin, slash - begin), full.substr(slash + 1)};
}

std::string HttpStatusLabel(int status) {
  return status > 0 ? absl::StrCat(status) : "none";
}

}  // namespace

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      callbacks_(std::make_shared<CallbackCollectable>()) {
  started_ = &prometheus::BuildCounter()
                  .Name("grpc_server_started_total")
                  .Help("RPCs started on the server.")
                  .Register(*registry_);
  handled_ = &prometheus::BuildCounter()
                  .Name("grpc_server_handled_total")
                  .Help("RPCs completed on the server, by status code.")
                  .Register(*registry_);
  handling_seconds_ =
      &prometheus::BuildHistogram()
           .Name("grpc_server_handling_seconds")
           .Help("Time from the start of an RPC to its status, in seconds.")
           .Register(*registry_);
  upstream_requests_ =
      &prometheus::BuildCounter()
           .Name("maesn_upstream_requests_total")
           .Help(
               "HTTP requests to Maesn, by operation and HTTP status "
               "(\"none\": no response arrived).")
           .Register(*registry_);
  upstream_seconds_ =
      &prometheus::BuildHistogram()
           .Name("maesn_upstream_request_duration_seconds")
           .Help("Latency of HTTP requests to Maesn, in seconds.")
           .Register(*registry_);
  upstream_retries_ =
      &prometheus::BuildCounter()
           .Name("maesn_upstream_retries_total")
           .Help(
               "Retries of idempotent Maesn reads after a transient "
               "failure.")
           .Register(*registry_);
}

Metrics::~Metrics() { StopServing(); }

Metrics::MethodSeries& Metrics::SeriesFor(const RpcRecord& record) {
  {
    absl::ReaderMutexLock lock(&series_mu_);
    auto it = methods_.find(record.method);
    if (it != methods_.end() && it->second->grpc_type == record.grpc_type) {
      return *it->second;
    }
  }
  auto [service, method] = SplitMethod(record.method);
  absl::MutexLock lock(&series_mu_);
  // A registered method has one grpc_type; anything else gets its own key.
  auto it = methods_.find(record.method);
  std::unique_ptr<MethodSeries>& slot =
      it == methods_.end() || it->second->grpc_type == record.grpc_type
          ? methods_[record.method]
          : methods_[absl::StrCat(record.method, " ", record.grpc_type)];
  if (slot == nullptr) {
    slot = std::make_unique<MethodSeries>();
    slot->grpc_type = record.grpc_type;
    slot->service = service;
    slot->method = method;
    const prometheus::Labels labels{{"grpc_type", record.grpc_type},
                                    {"grpc_service", service},
                                    {"grpc_method", method}};
    slot->started = &started_->Add(labels);
    slot->seconds = &handling_seconds_->Add(labels, LatencyBuckets());
  }
  return *slot;
}

Metrics::UpstreamSeries Metrics::SeriesFor(absl::string_view operation,
                                           int http_status) {
  {
    absl::ReaderMutexLock lock(&series_mu_);
    auto op = upstream_.find(operation);
    if (op != upstream_.end()) {
      auto it = op->second.find(http_status);
      if (it != op->second.end()) return it->second;
    }
  }
  const prometheus::Labels labels{
      {"operation", std::string(operation)},
      {"http_status", HttpStatusLabel(http_status)}};
  absl::MutexLock lock(&series_mu_);
  UpstreamSeries& series = upstream_[operation][http_status];
  if (series.requests == nullptr) {
    series.requests = &upstream_requests_->Add(labels);
    series.seconds = &upstream_seconds_->Add(labels, LatencyBuckets());
  }
  return series;
}

void Metrics::OnRpcStart(const RpcRecord& record) {
  SeriesFor(record).started->Increment();
}

void Metrics::OnRpcEnd(const RpcRecord& record) {
  MethodSeries& series = SeriesFor(record);
  auto code = static_cast<std::size_t>(record.code);
  if (code >= series.handled.size()) {
    code = static_cast<std::size_t>(absl::StatusCode::kUnknown);
  }
  prometheus::Counter* handled =
      series.handled[code].load(std::memory_order_acquire);
  if (handled == nullptr) {
    // Family::Add returns the one series of these labels, so threads racing
    // here store the same pointer.
    handled = &handled_->Add(
        {{"grpc_type", series.grpc_type},
         {"grpc_service", series.service},
         {"grpc_method", series.method},
         {"grpc_code",
          absl::StatusCodeToString(static_cast<absl::StatusCode>(code))}});
    series.handled[code].store(handled, std::memory_order_release);
  }
  handled->Increment();
  series.seconds->Observe(absl::ToDoubleSeconds(record.duration));
}

void Metrics::OnUpstreamAttempt(absl::string_view operation, int http_status,
                                absl::Duration latency) {
  const UpstreamSeries series = SeriesFor(operation, http_status);
  series.requests->Increment();
  series.seconds->Observe(absl::ToDoubleSeconds(latency));
}

void Metrics::OnUpstreamRetry(absl::string_view operation) {
  upstream_retries_->Add({{"operation", std::string(operation)}}).Increment();
}

void Metrics::RegisterGauge(const std::string& name, const std::string& help,
                            std::function<double()> fn) {
  callbacks_->Set(
      name, {help, prometheus::MetricType::Gauge, "", {{"", std::move(fn)}}});
}

void Metrics::RegisterGauge(
    const std::string& name, const std::string& help, const std::string& label,
    std::vector<std::pair<std::string, std::function<double()>>> series) {
  callbacks_->Set(
      name, {help, prometheus::MetricType::Gauge, label, std::move(series)});
}

void Metrics::RegisterCounter(const std::string& name, const std::string& help,
                              std::function<double()> fn) {
  callbacks_->Set(
      name, {help, prometheus::MetricType::Counter, "", {{"", std::move(fn)}}});
}

void Metrics::Unregister(const std::string& name) { callbacks_->Remove(name); }

std::string Metrics::TextExposition() const {
  auto families = registry_->Collect();
  auto more = callbacks_->Collect();
  families.insert(families.end(), std::make_move_iterator(more.begin()),
                  std::make_move_iterator(more.end()));
  return prometheus::TextSerializer().Serialize(families);
}

absl::Status Metrics::Serve(const std::string& listen) {
  if (exposer_ != nullptr) {
    return absl::FailedPreconditionError("metrics are already served");
  }
  try {
    auto exposer = std::make_unique<prometheus::Exposer>(listen, 2);
    exposer->RegisterCollectable(registry_);
    exposer->RegisterCollectable(callbacks_);
    const auto ports = exposer->GetListeningPorts();
    if (ports.empty()) {
      return absl::UnavailableError(
          absl::StrCat("METRICS_LISTEN ", listen, " could not be bound"));
    }
    port_ = ports.front();
    exposer_ = std::move(exposer);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat(
        "METRICS_LISTEN ", listen,
        " could not be bound (in use or not a local address): ", e.what()));
  }
  return absl::OkStatus();
}

void Metrics::StopServing() {
  exposer_.reset();
  port_ = 0;
}

}  // namespace maesn::gateway
