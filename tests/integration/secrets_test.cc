// Keys never leak: every RPC of every service (found from the descriptors,
// so new RPCs are covered as they are added) is called with distinctive
// keys in every way that can go wrong: accepted keys, unknown and malformed
// keys, the configured key, and a Maesn that echoes the keys it received in
// its error texts and validation errors. None of the keys may appear in any
// status message, status details, initial or trailing metadata, response,
// in the gateway process's stdout/stderr (its logs), or in what the
// RpcObserver receives, or in what /metrics serves.

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gateway/observability/json_log.h"
#include "gateway/observability/rpc_observer.h"
#include "gateway/server/server.h"
#include "simulator.h"
#include "tests/integration/rpc_prober.h"
#include "tests/testing/fixtures.h"

#ifndef MAESN_GATEWAY_BINARY
#error "MAESN_GATEWAY_BINARY must name the built maesn-gateway"
#endif

namespace maesn::testing {
namespace {

// Distinctive values: any of them found anywhere is a leak.
constexpr char kApiKey[] = "APIKEY-q7Zt3WfK9sLm";
constexpr char kAccountA[] = "ACCTKEY-A-h4Rv8XyN2c";
constexpr char kAccountB[] = "ACCTKEY-B-p1Jd6TbQ0w";
constexpr char kUnknownAccount[] = "ACCTKEY-UNKNOWN-u5Gk2VnE";
constexpr char kEchoAccount[] = "ACCTKEY-ECHO-e9Mx4LrA7";
constexpr char kConfiguredKey[] = "CONFKEY-c3Nw8HzB5y";
constexpr char kMalformedAccount[] = "ACCTKEY-MAL formed-z2Kq";

const std::vector<std::string>& Secrets() {
  static const auto* secrets = new std::vector<std::string>{
      kApiKey, kAccountA, kAccountB, kUnknownAccount, kEchoAccount,
      kConfiguredKey,
      // The malformed key's halves: neither may be echoed either.
      "ACCTKEY-MAL", "formed-z2Kq"};
  return *secrets;
}

std::string FindSecret(const std::string& text) {
  for (const std::string& s : Secrets()) {
    if (absl::StrContains(text, s)) return s;
  }
  return "";
}

using Metadata = std::vector<std::pair<std::string, std::string>>;

std::vector<Metadata> CallerModes() {
  return {
      {{"x-api-key", kApiKey}, {"x-account-key", kAccountA}},
      {{"x-api-key", kApiKey}, {"x-account-key", kAccountB}},
      {{"x-api-key", kApiKey}, {"x-account-key", kUnknownAccount}},
      {{"x-account-key", kAccountA}},  // the configured key is used
      {{"x-api-key", kApiKey}, {"x-account-key", kEchoAccount}},
      {{"x-api-key", kApiKey}, {"x-account-key", kMalformedAccount}},
      {{"x-api-key", kConfiguredKey}, {"x-account-key", kEchoAccount}},
  };
}

std::unique_ptr<sim::MaesnSimulator> StartSimulator() {
  sim::SimulatorOptions options;
  options.api_key = kApiKey;
  options.account_keys = {kAccountA, kAccountB};
  auto sim = std::make_unique<sim::MaesnSimulator>(options);
  EXPECT_TRUE(sim->Start().ok());
  // A Maesn that quotes the keys it got, in its message and in validation
  // errors (field paths and texts), for the echo account.
  sim->SetRequestHook([n = std::make_shared<int>(0)](const sim::ApiRequest& r)
                          -> std::optional<sim::ApiResponse> {
    if (r.account_key != kEchoAccount) return std::nullopt;
    std::string api;
    for (const auto& [k, v] : r.headers) {
      if (absl::EqualsIgnoreCase(k, "X-API-KEY")) api = v;
    }
    sim::Json body = sim::Json::object();
    const int status = (++*n % 2 == 0) ? 400 : 500;
    body["statusCode"] = status;
    body["message"] =
        absl::StrCat("keys ", api, " / ", r.account_key, " were rejected");
    body["validationErrors"] =
        sim::Json::object({{absl::StrCat("lineItems[0].", r.account_key),
                            absl::StrCat("bad value for ", api)}});
    return sim::JsonResponse(status, body);
  });
  return sim;
}

void ProbeEverything(const std::shared_ptr<grpc::Channel>& channel,
                     int* calls) {
  for (const auto* method : AllGatewayMethods()) {
    const std::string request = ProbeRequest(*method, "PROBE-1");
    for (const Metadata& md : CallerModes()) {
      ProbeResult r =
          Probe(channel, *method, request, md, absl::Milliseconds(1500));
      ++*calls;
      const std::string leak = FindSecret(r.AllText());
      EXPECT_TRUE(leak.empty())
          << r.method << " leaked " << leak << " (status "
          << r.status.error_code() << ": " << r.status.error_message() << ")";
    }
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

TEST(SecretsTest, NoKeyInAnyAnswerOrInTheGatewayProcessOutput) {
  auto sim = StartSimulator();
  const std::string dir = MakeTempDir();
  const std::string port_file = dir + "/port";
  const std::string out_file = dir + "/stdout";
  const std::string err_file = dir + "/stderr";

  std::vector<std::string> env = {
      "GATEWAY_LISTEN=127.0.0.1:0",
      "GATEWAY_PORT_FILE=" + port_file,
      "MAESN_BASE_URL=" + sim->base_url(),
      "MAESN_CA_FILE=" + sim->ca_file(),
      std::string("MAESN_API_KEY=") + kConfiguredKey,
      "UPSTREAM_MAX_IN_FLIGHT=64",
      "METRICS_LISTEN=127.0.0.1:0",
      "GATEWAY_DRAIN_DELAY_MS=0",
      "LOG_LEVEL=debug",  // every line the gateway can write
  };
  // Whatever logging/metrics switches the process reads, leave them on
  // their defaults; pass PATH for completeness.
  if (const char* path = getenv("PATH"))
    env.push_back(std::string("PATH=") + path);
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);

  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const int out = open(out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    const int err = open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(out, 1);
    dup2(err, 2);
    char* argv[] = {const_cast<char*>(MAESN_GATEWAY_BINARY), nullptr};
    execve(MAESN_GATEWAY_BINARY, argv, envp.data());
    _exit(127);
  }
  // The process writes its port once it listens (a real process start:
  // polling for that file, with a time limit, is the only way to know).
  std::string port;
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while ((port = ReadFile(port_file)).empty()) {
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, WNOHANG), 0)
        << "gateway exited: " << ReadFile(err_file);
    ASSERT_LT(absl::Now(), give_up) << "gateway did not start";
    absl::SleepFor(absl::Milliseconds(10));
  }
  while (!port.empty() && (port.back() == '\n')) port.pop_back();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials());

  int calls = 0;
  ProbeEverything(channel, &calls);
  EXPECT_GE(calls, 3 * static_cast<int>(CallerModes().size()));
  // The keys really went upstream (so the test exercised them).
  bool saw_account_a = false;
  for (const auto& r : sim->Requests())
    saw_account_a |= r.account_key == kAccountA;
  EXPECT_TRUE(saw_account_a);

  // The metrics the process serves (its port is in the "listening" line).
  std::string metrics;
  {
    const std::string out = ReadFile(out_file) + ReadFile(err_file);
    const auto at = out.find("\"metrics_port\":");
    ASSERT_NE(at, std::string::npos) << out;
    const int metrics_port = std::atoi(out.c_str() + at + 15);
    ASSERT_GT(metrics_port, 0);
    httplib::Client client("127.0.0.1", metrics_port);
    auto r = client.Get("/metrics");
    ASSERT_TRUE(r) << httplib::to_string(r.error());
    ASSERT_EQ(r->status, 200);
    metrics = r->body;
  }
  EXPECT_NE(metrics.find("grpc"), std::string::npos);  // it counted calls
  const std::string metrics_leak = FindSecret(metrics);
  EXPECT_TRUE(metrics_leak.empty()) << "/metrics contains " << metrics_leak;

  kill(pid, SIGTERM);
  int wstatus = 0;
  ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
  EXPECT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << wstatus;
  const std::string logs = ReadFile(out_file) + ReadFile(err_file);
  EXPECT_FALSE(logs.empty());  // it did say something (e.g. "listening")
  const std::string leak = FindSecret(logs);
  EXPECT_TRUE(leak.empty()) << "the gateway's output contains " << leak;
}

// Everything the observer (structured logs and metrics hang off it) sees.
class RecordingObserver final : public gateway::RpcObserver {
 public:
  void OnRpcStart(const gateway::RpcRecord& r) override { Add(r); }
  void OnRpcEnd(const gateway::RpcRecord& r) override { Add(r); }
  std::string Text() const {
    absl::MutexLock lock(&mu_);
    return text_;
  }

 private:
  void Add(const gateway::RpcRecord& r) {
    absl::MutexLock lock(&mu_);
    absl::StrAppend(&text_, r.method, "|", static_cast<int>(r.code), "|",
                    r.error_reason, "|", r.request_id, "|", r.stats.attempts,
                    "|", r.stats.upstream_status, "\n");
  }
  mutable absl::Mutex mu_;
  std::string text_;
};

// Every log line the gateway writes.
class RecordingLogSink final : public gateway::LogSink {
 public:
  void Write(absl::string_view line) override {
    absl::MutexLock lock(&mu_);
    absl::StrAppend(&text_, line);
  }
  std::string Text() const {
    absl::MutexLock lock(&mu_);
    return text_;
  }

 private:
  mutable absl::Mutex mu_;
  std::string text_;
};

TEST(SecretsTest, NoKeyReachesTheObserverTheLogOrTheMetrics) {
  auto sim = StartSimulator();
  gateway::GatewayConfig config;
  config.listen = "127.0.0.1:0";
  config.maesn_base_url = sim->base_url();
  config.maesn_ca_file = sim->ca_file();
  config.maesn_api_key = kConfiguredKey;
  config.upstream_max_in_flight = 64;
  config.metrics_listen = "off";
  config.log_level = "debug";
  RecordingObserver observer;
  RecordingLogSink log;
  gateway::ServerDependencies deps;
  deps.observer = &observer;
  deps.log_sink = &log;
  auto server = gateway::GatewayServer::Start(config, deps);
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel =
      grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                          grpc::InsecureChannelCredentials());
  int calls = 0;
  ProbeEverything(channel, &calls);
  const std::string metrics = (*server)->metrics().TextExposition();
  (*server)->Shutdown(absl::Now() + absl::Seconds(5));
  EXPECT_TRUE(FindSecret(metrics).empty()) << FindSecret(metrics);
  server->reset();  // the log is complete once the server is gone
  const std::string seen = observer.Text();
  EXPECT_FALSE(seen.empty());
  const std::string leak = FindSecret(seen);
  EXPECT_TRUE(leak.empty()) << "the observer saw " << leak;
  const std::string lines = log.Text();
  EXPECT_GT(std::count(lines.begin(), lines.end(), '\n'), 0);
  const std::string log_leak = FindSecret(lines);
  EXPECT_TRUE(log_leak.empty()) << "the log contains " << log_leak;
}

}  // namespace
}  // namespace maesn::testing
