#include "gateway/server/server.h"

#include <algorithm>
#include <climits>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "gateway/maesn/curl_transport.h"
#include "gateway/maesn/https_maesn_stub.h"
#include "gateway/service/maesn_service.h"
#include "gateway/service/status_interceptor.h"

namespace maesn::gateway {
namespace {

absl::StatusOr<std::string> ReadFile(const char* var, const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  if (!in.good() && !in.eof()) {
    return absl::InvalidArgumentError(
        absl::StrCat(var, " names a file that cannot be read: ", path));
  }
  return ss.str();
}

// Plaintext by default; TLS with the configured certificate, and client
// certificates required and verified against the client CA when one is set.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerCredentials(
    const GatewayConfig& config) {
  if (config.tls_cert_file.empty()) return grpc::InsecureServerCredentials();
  auto cert = ReadFile("GATEWAY_TLS_CERT_FILE", config.tls_cert_file);
  if (!cert.ok()) return cert.status();
  auto key = ReadFile("GATEWAY_TLS_KEY_FILE", config.tls_key_file);
  if (!key.ok()) return key.status();
  grpc::SslServerCredentialsOptions options(
      config.tls_client_ca_file.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  if (!config.tls_client_ca_file.empty()) {
    auto ca = ReadFile("GATEWAY_TLS_CLIENT_CA_FILE", config.tls_client_ca_file);
    if (!ca.ok()) return ca.status();
    options.pem_root_certs = *std::move(ca);
  }
  options.pem_key_cert_pairs.push_back({*std::move(key), *std::move(cert)});
  return grpc::SslServerCredentials(options);
}

// The cores this process may run on (at least 1).
int CpuCount() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(n);
}

int Millis(absl::Duration d) {
  return static_cast<int>(
      std::min<int64_t>(absl::ToInt64Milliseconds(d), INT_MAX));
}

// HTTP/2 connection management: keepalive pings find dead peers, and a
// maximum connection age makes clients reconnect (and so rebalance over new
// replicas) while calls in flight get the age grace to finish.
void ConnectionArguments(const GatewayConfig& config,
                         grpc::ServerBuilder& builder) {
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS,
                             Millis(config.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS,
                             Millis(config.keepalive_timeout));
  // Clients may ping idle connections (watch streams wait long), but not
  // more often than this.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  builder.AddChannelArgument(
      GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
      Millis(config.min_client_ping_interval));
  if (config.max_connection_age > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               Millis(config.max_connection_age));
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                               Millis(config.max_connection_age_grace));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<GatewayServer>> GatewayServer::Start(
    const GatewayConfig& config, ServerDependencies deps) {
  std::unique_ptr<GatewayServer> s(new GatewayServer());
  LogSink* sink = deps.log_sink;
  if (sink == nullptr) {
    s->owned_log_sink_ = std::make_unique<StdioLogSink>(stdout);
    sink = s->owned_log_sink_.get();
  }
  s->logger_ = std::make_unique<JsonLogger>(
      sink, ParseLogLevel(config.log_level).value_or(LogLevel::kInfo));
  s->rpc_logger_ = std::make_unique<RpcLogger>(s->logger_.get());
  s->metrics_ = std::make_unique<Metrics>();
  s->observers_.Add(s->rpc_logger_.get());
  s->observers_.Add(s->metrics_.get());
  s->observers_.Add(deps.observer);

  auto credentials = ServerCredentials(config);
  if (!credentials.ok()) return credentials.status();

  CurlTransport* curl = nullptr;  // when the transport is ours
  if (deps.transport == nullptr) {
    CurlTransportOptions topts;
    topts.base_url = config.maesn_base_url;
    topts.ca_file = config.maesn_ca_file;
    topts.connect_timeout = config.connect_timeout;
    topts.read_timeout = config.read_timeout;
    topts.max_response_bytes = config.max_response_bytes;
    topts.proxy = config.egress_proxy;
    topts.no_proxy = config.no_proxy;
    topts.event_loops = config.upstream_event_loops;
    topts.max_connections = config.upstream_max_connections;
    // Keep as many connections as can be busy at once: under HTTP/1.1 a
    // smaller cache closes a connection after every answer and opens a
    // new one (a TLS handshake) for the next request. Idle ones close
    // after libcurl's idle limit (118 s).
    topts.max_idle_connections = config.upstream_max_connections > 0
                                     ? config.upstream_max_connections
                                     : config.upstream_max_in_flight;
    auto t = CurlTransport::Create(std::move(topts));
    if (!t.ok()) {
      if (!ParseBaseUrl(config.maesn_base_url).ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("MAESN_BASE_URL ", t.status().message()));
      }
      return t.status();
    }
    curl = t->get();
    deps.transport = *std::move(t);
  }
  if (deps.clock == nullptr) deps.clock = std::make_shared<SystemClock>();
  // Every rpc's REST binding, checked before anything is served.
  auto bindings = BindingTable::Build(BindingTable::ContractServices());
  if (!bindings.ok()) return bindings.status();
  s->bindings_ = *std::move(bindings);
  const RestBinding* poll = nullptr;
  for (const auto& b : s->bindings_->bindings()) {
    if (b->poll != nullptr) poll = b->poll;
  }
  if (poll == nullptr) {
    return absl::InvalidArgumentError(
        "the contract has no rpc that follows a Maesn task");
  }
  s->transport_ = deps.transport;
  // No thread waits for Maesn: these few only map large answers, off the
  // transport's event loops.
  s->executor_ = std::make_unique<Executor>(CpuCount(), 1024);
  s->upstream_limit_ =
      std::make_unique<InFlightLimit>(config.upstream_max_in_flight);
  RetryPolicy retry;
  retry.max_attempts = config.retry_max_attempts;
  auto stub = std::make_shared<HttpsMaesnStub>(s->transport_, s->metrics_.get(),
                                               s->executor_.get());
  s->connection_ = std::make_shared<MaesnConnection>(
      stub, retry, deps.clock, s->metrics_.get(),
      std::dynamic_pointer_cast<AsyncTimers>(s->transport_));
  WatchOptions watch;
  watch.poll_min = config.watch_poll_min;
  watch.poll_max = config.watch_poll_max;
  watch.max_duration = config.watch_max_duration;
  watch.max_streams = config.watch_max_streams;
  watch.heartbeat_min = config.watch_heartbeat_min;
  s->watch_hub_ = std::make_unique<WatchHub>(
      std::make_shared<StubTaskPoller>(stub, *poll),
      // Starting a poll does not block: run it on the timer thread.
      [](std::function<void()> task) {
        task();
        return true;
      },
      deps.clock, watch);
  s->watch_hub_->StartTimerThread();
  s->env_.upstream_limit = s->upstream_limit_.get();
  s->env_.default_api_key = config.maesn_api_key;
  s->env_.observer = &s->observers_;

  std::vector<std::string> served;
  for (const auto* service : s->bindings_->services()) {
    s->services_.push_back(std::make_unique<MaesnService>(
        s->env_, *s->bindings_, *service, s->connection_, s->watch_hub_.get()));
    served.push_back(service->full_name());
  }
  const std::vector<std::string> health_names = served;
  served.push_back("grpc.health.v1.Health");
  served.push_back("grpc.reflection.v1.ServerReflection");
  served.push_back("grpc.reflection.v1alpha.ServerReflection");
  auto catalog = ReflectionCatalog::Embedded(std::move(served));
  if (!catalog.ok()) return catalog.status();
  s->reflection_catalog_ = *std::move(catalog);
  s->services_.push_back(
      std::make_unique<ReflectionServiceV1>(s->reflection_catalog_.get()));
  s->services_.push_back(
      std::make_unique<ReflectionServiceV1Alpha>(s->reflection_catalog_.get()));

  InFlightLimit* limit = s->upstream_limit_.get();
  s->metrics_->RegisterGauge(
      "maesn_gateway_upstream_calls",
      "Calls holding one of the UPSTREAM_MAX_IN_FLIGHT slots (a unary call "
      "from its first attempt to its answer, a stream while it fetches).",
      [limit] { return static_cast<double>(limit->in_flight()); });
  s->metrics_->RegisterGauge(
      "maesn_gateway_upstream_calls_limit", "UPSTREAM_MAX_IN_FLIGHT.",
      [limit] { return static_cast<double>(limit->max()); });
  s->metrics_->RegisterCounter(
      "maesn_gateway_overloaded_total",
      "Calls refused with RESOURCE_EXHAUSTED because UPSTREAM_MAX_IN_FLIGHT "
      "calls were in flight.",
      [limit] { return static_cast<double>(limit->refused()); });
  if (curl != nullptr) {
    s->metrics_->RegisterGauge(
        "maesn_upstream_in_flight",
        "Requests to Maesn started and not yet answered.",
        [curl] { return static_cast<double>(curl->in_flight()); });
    s->metrics_->RegisterGauge(
        "maesn_upstream_connections",
        "Open connections to Maesn that have carried a response, by protocol.",
        "protocol",
        {{"h1",
          [curl] {
            return static_cast<double>(
                curl->open_connections(HttpProtocol::kHttp1));
          }},
         {"h2", [curl] {
            return static_cast<double>(
                curl->open_connections(HttpProtocol::kHttp2));
          }}});
  }
  WatchHub* hub = s->watch_hub_.get();
  s->metrics_->RegisterGauge(
      "maesn_watch_streams_open", "Open WatchTask streams and WaitTask calls.",
      [hub] { return static_cast<double>(hub->stats().open_streams); });
  s->metrics_->RegisterGauge(
      "maesn_watch_poll_loops_active",
      "Task poll loops running (one per credentials and task watched).",
      [hub] { return static_cast<double>(hub->stats().active_loops); });
  s->metrics_->RegisterCounter(
      "maesn_watch_polls_total", "Upstream polls made by task watch loops.",
      [hub] { return static_cast<double>(hub->stats().polls); });

  // Our own grpc.health.v1 (gRPC's built-in one cannot end Watch streams,
  // which would hold every shutdown until its deadline).
  s->services_.push_back(std::make_unique<HealthService>(&s->health_));

  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen, *credentials, &s->port_);
  builder.SetMaxReceiveMessageSize(config.max_message_bytes);
  ConnectionArguments(config, builder);
  {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(
        std::make_unique<StatusInterceptorFactory>(config.maesn_api_key));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  for (auto& svc : s->services_) builder.RegisterService(svc.get());
  s->server_ = builder.BuildAndStart();
  if (s->server_ == nullptr || s->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("GATEWAY_LISTEN ", config.listen,
                     " could not be bound (in use, not a local address, or "
                     "an unusable TLS certificate)"));
  }

  if (!config.health_listen.empty()) {
    // Plaintext, health only: reachable by kubelet gRPC probes (which speak
    // neither TLS nor client certificates) without exposing the services.
    s->probe_health_service_ = std::make_unique<HealthService>(&s->health_);
    grpc::ServerBuilder hb;
    hb.RegisterService(s->probe_health_service_.get());
    hb.AddListeningPort(config.health_listen, grpc::InsecureServerCredentials(),
                        &s->health_port_);
    ConnectionArguments(config, hb);
    s->health_server_ = hb.BuildAndStart();
    if (s->health_server_ == nullptr || s->health_port_ == 0) {
      return absl::UnavailableError(
          absl::StrCat("GATEWAY_HEALTH_LISTEN ", config.health_listen,
                       " could not be bound (in use or not a local address)"));
    }
  }

  if (config.metrics_listen != "off") {
    if (auto st = s->metrics_->Serve(config.metrics_listen); !st.ok()) {
      return st;
    }
  }

  if (config.heap_trim_interval > absl::ZeroDuration()) {
    s->heap_trimmer_ = std::make_unique<HeapTrimmer>(config.heap_trim_interval);
  }
  s->health_.Set("", true);
  for (const std::string& name : health_names) s->health_.Set(name, true);
  return s;
}

GatewayServer::~GatewayServer() {
  Shutdown(absl::Now());
  Wait();
  // The metrics server outlives the objects these read: stop reading them.
  if (metrics_ == nullptr) return;
  for (const char* name :
       {"maesn_gateway_upstream_calls", "maesn_gateway_upstream_calls_limit",
        "maesn_gateway_overloaded_total", "maesn_watch_streams_open",
        "maesn_watch_poll_loops_active", "maesn_watch_polls_total",
        "maesn_upstream_in_flight", "maesn_upstream_connections"}) {
    metrics_->Unregister(name);
  }
}

void GatewayServer::BeginDrain() {
  {
    absl::MutexLock lock(&mu_);
    if (draining_ || server_ == nullptr) return;
    draining_ = true;
  }
  // Every status NOT_SERVING, for good, on every listener; Watch streams
  // hear of it at once.
  health_.Shutdown();
}

void GatewayServer::Drain(absl::Duration drain_delay, absl::Duration grace) {
  BeginDrain();
  skip_drain_.WaitForNotificationWithTimeout(drain_delay);
  const absl::Duration margin = std::min(grace / 10, absl::Seconds(1));
  Shutdown(absl::Now() + grace - margin);
  Wait();
}

void GatewayServer::Shutdown(absl::Time deadline) {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_ || server_ == nullptr) return;
    shut_down_ = true;
  }
  BeginDrain();
  // Long-lived streams end here, with UNAVAILABLE, before the server waits
  // for its calls: health watches, task watches and task waits.
  health_.EndWatches();
  watch_hub_->Shutdown();
  server_->Shutdown(absl::ToChronoTime(deadline));
  if (health_server_ != nullptr)
    health_server_->Shutdown(absl::ToChronoTime(deadline));
  // Work a finished call left at Maesn (a page fetched ahead for a
  // cancelled stream) ends here, while everything its completion touches
  // (metrics, logs, the stub) still exists.
  if (transport_ != nullptr) transport_->Shutdown();
  executor_->Shutdown();
}

void GatewayServer::Wait() {
  if (server_ != nullptr) server_->Wait();
  if (health_server_ != nullptr) health_server_->Wait();
}

std::shared_ptr<grpc::Channel> GatewayServer::InProcessChannel() {
  return server_->InProcessChannel(grpc::ChannelArguments());
}

}  // namespace maesn::gateway
