// What the gateway costs a caller, measured side by side in one run against
// the Maesn simulator on loopback:
//
//  a. GetInvoice made directly to the simulator (HTTPS, keep-alive, parsing
//     the JSON with nlohmann: what a service without the gateway does) and
//     the same call through a maesn-gateway process (gRPC), at each
//     concurrency: latency p50/p99, throughput, and CPU seconds per 1,000
//     calls of the gateway process (/proc/<pid>/stat) against the direct
//     client's (CPU time of its calling threads).
//  c. Connection reuse: upstream TLS connections a fresh gateway opens for
//     --reuse_calls calls (the simulator's ConnectionsSeen()).
//  d. Footprint: time from starting the gateway process to health SERVING,
//     and its resident memory idle at start, after the load, and at peak.
//
// The simulator runs in this process; the gateway is a separate process so
// that its CPU time can be read on its own. Prints markdown tables and exits
// non-zero if any call failed or returned a different invoice.
//
//   build-release/tests/bench/overhead_bench --duration=5s
#include <curl/curl.h>
#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench_data.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "maesn/accounting/v1/invoice.grpc.pb.h"
#include "simulator.h"
#include "tests/testing/proc_stats.h"

#ifndef CPPHTTPLIB_OPENSSL_SUPPORT
#error "Link PkgConfig::HTTPLIB: libcpp-httplib.so is built with OpenSSL"
#endif
#ifndef MAESN_GATEWAY_BINARY
#define MAESN_GATEWAY_BINARY ""
#endif
#ifndef MAESN_HOP_SERVER_BINARY
#define MAESN_HOP_SERVER_BINARY ""
#endif
#ifndef MAESN_BUILD_TYPE
#define MAESN_BUILD_TYPE "unknown"
#endif

ABSL_FLAG(std::string, gateway, MAESN_GATEWAY_BINARY,
          "The maesn-gateway binary to measure.");
ABSL_FLAG(std::vector<std::string>, concurrency,
          std::vector<std::string>({"1", "16", "64"}),
          "Concurrent callers (one thread each), comma-separated.");
ABSL_FLAG(absl::Duration, duration, absl::Seconds(5),
          "Measured time per path and concurrency.");
ABSL_FLAG(absl::Duration, warmup, absl::Seconds(1),
          "Unmeasured calls before each measurement.");
ABSL_FLAG(int, line_items, 1, "Line items of the invoice fetched.");
ABSL_FLAG(int, reuse_calls, 10000,
          "Calls through a fresh gateway for the connection-reuse count.");
ABSL_FLAG(std::vector<std::string>, reuse_concurrency,
          std::vector<std::string>({"1", "64"}),
          "Concurrencies of the connection-reuse runs, comma-separated.");
ABSL_FLAG(int, upstream_max_in_flight, 4096,
          "UPSTREAM_MAX_IN_FLIGHT of the gateway.");
ABSL_FLAG(std::vector<std::string>, gateway_env, {},
          "More NAME=VALUE settings for the gateway, comma-separated (e.g. "
          "LOG_LEVEL=warn, to see what a setting costs).");
ABSL_FLAG(bool, grpc_only, true,
          "Also measure calls the gateway answers at once (no x-account-key): "
          "the cost of the gRPC hop alone.");
ABSL_FLAG(std::string, hop_server, MAESN_HOP_SERVER_BINARY,
          "maesn-hop-server, to measure what answering from a thread other "
          "than gRPC's costs (rows \"hop server, ...\"; section i4.); "
          "empty = skip. Needs --grpc_only.");
ABSL_FLAG(absl::Duration, hop_spread, absl::Milliseconds(1),
          "Row \"hop server, answered from another thread, one by one\": "
          "each call is answered after a random delay below this.");
ABSL_FLAG(bool, direct_libcurl, true,
          "Also make the direct call with libcurl's easy interface (rows "
          "\"direct (libcurl)\"; section i4.).");
ABSL_FLAG(std::string, direct_accept_encoding, "gzip",
          "Accept-Encoding of the direct client: by default what the gateway "
          "sends to Maesn, so that both paths fetch the same bytes; empty = "
          "none (the simulator then answers uncompressed).");
ABSL_FLAG(int, sim_threads, 256,
          "Simulator worker threads (each open keep-alive connection holds "
          "one).");

namespace maesn::bench {
namespace {

namespace v1 = ::maesn::accounting::v1;
namespace testing = ::maesn::testing;
using Clock = std::chrono::steady_clock;

constexpr char kApiKey[] = "sim-api-key";
constexpr char kAccountKey[] = "sim-account-key";

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

std::string CpuModel() {
  std::istringstream info(testing::ReadWholeFile("/proc/cpuinfo"));
  std::string line;
  while (std::getline(info, line)) {
    if (absl::StartsWith(line, "model name")) {
      return std::string(
          absl::StripAsciiWhitespace(line.substr(line.find(':') + 1)));
    }
  }
  return "unknown";
}

double MemTotalGiB() {
  std::istringstream meminfo(testing::ReadWholeFile("/proc/meminfo"));
  std::string key;
  double kb = 0;
  meminfo >> key >> kb;  // "MemTotal: <kB> kB" comes first
  return kb / 1024 / 1024;
}

std::vector<int> ParseInts(const std::vector<std::string>& list) {
  std::vector<int> out;
  for (const std::string& s : list) {
    int v = 0;
    if (absl::SimpleAtoi(s, &v) && v > 0) out.push_back(v);
  }
  return out;
}

// ---------------------------------------------------------------------------
// The gateway as a child process.

class GatewayProcess {
 public:
  GatewayProcess() = default;
  GatewayProcess(const GatewayProcess&) = delete;
  GatewayProcess& operator=(const GatewayProcess&) = delete;
  ~GatewayProcess() { Stop(); }

  // Starts `binary` against the simulator and returns once its health
  // service answers SERVING (polling: a real process has to start).
  absl::Status Start(const std::string& binary, const std::string& work_dir,
                     const maesn::sim::MaesnSimulator& sim, int max_in_flight) {
    const std::string port_file = NewChildFiles(work_dir);
    std::vector<std::string> env = {
        "GATEWAY_LISTEN=127.0.0.1:0",
        "GATEWAY_PORT_FILE=" + port_file,
        "MAESN_BASE_URL=" + sim.base_url(),
        "MAESN_CA_FILE=" + sim.ca_file(),
        std::string("MAESN_API_KEY=") + kApiKey,
        absl::StrCat("UPSTREAM_MAX_IN_FLIGHT=", max_in_flight),
        // Defaults otherwise, but nothing to drain on loopback and no
        // fixed metrics port.
        "GATEWAY_DRAIN_DELAY_MS=0",
        "METRICS_LISTEN=127.0.0.1:0",
    };
    for (const std::string& e : absl::GetFlag(FLAGS_gateway_env)) {
      env.push_back(e);
    }
    return Launch({binary}, std::move(env), port_file);
  }

  // Starts maesn-hop-server answering `answer` (inline, thread or spread).
  absl::Status StartHopServer(const std::string& binary,
                              const std::string& work_dir,
                              const std::string& answer) {
    const std::string port_file = NewChildFiles(work_dir);
    return Launch(
        {binary, "--answer=" + answer,
         "--spread=" + absl::FormatDuration(absl::GetFlag(FLAGS_hop_spread)),
         "--port_file=" + port_file},
        {}, port_file);
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  pid_t pid() const { return pid_; }
  const std::string& address() const { return address_; }
  double startup_seconds() const { return startup_; }
  double CpuSeconds() const { return testing::ProcessCpuSeconds(pid_); }
  double RssMiB() const { return StatusMiB("VmRSS"); }
  double PeakRssMiB() const { return StatusMiB("VmHWM"); }
  // A kB line of /proc/<pid>/status in MiB; -1 if absent.
  double StatusMiB(absl::string_view name) const {
    const long kb = testing::ProcStatusNumber(pid_, name);
    return kb < 0 ? -1 : static_cast<double>(kb) / 1024;
  }

 private:
  // Numbers the next child process's files in `work_dir`: sets its log file
  // (Launch() sends its output there) and returns its port file.
  std::string NewChildFiles(const std::string& work_dir) {
    static int counter = 0;
    const int n = ++counter;
    log_file_ = absl::StrCat(work_dir, "/child-", n, ".log");
    return absl::StrCat(work_dir, "/child-", n, ".port");
  }

  // Runs `args` with `env`, waits for its port in `port_file`, then for
  // health SERVING.
  absl::Status Launch(std::vector<std::string> args,
                      std::vector<std::string> env,
                      const std::string& port_file) {
    name_ = std::filesystem::path(args.front()).filename().string();
    std::vector<char*> envp;
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    const Clock::time_point start = Clock::now();
    pid_ = fork();
    if (pid_ < 0) return absl::InternalError("fork failed");
    if (pid_ == 0) {
      // Only async-signal-safe calls between fork and exec.
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      const int fd =
          open(log_file_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      if (fd >= 0) {
        dup2(fd, 1);
        dup2(fd, 2);
      }
      execve(argv[0], argv.data(), envp.data());
      _exit(127);
    }
    const Clock::time_point give_up = start + std::chrono::seconds(30);
    int port = 0;
    while (port == 0) {
      if (Exited()) return Failed("exited before listening");
      if (Clock::now() > give_up) return Failed("did not write its port");
      std::ifstream in(port_file);
      if (!(in >> port)) {
        port = 0;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    }
    address_ = absl::StrCat("127.0.0.1:", port);
    auto channel =
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
    auto health = grpc::health::v1::Health::NewStub(channel);
    for (;;) {
      if (Exited()) return Failed("exited before SERVING");
      if (Clock::now() > give_up) return Failed("never became SERVING");
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(200));
      grpc::health::v1::HealthCheckRequest req;
      grpc::health::v1::HealthCheckResponse resp;
      if (health->Check(&ctx, req, &resp).ok() &&
          resp.status() == grpc::health::v1::HealthCheckResponse::SERVING) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    startup_ = std::chrono::duration<double>(Clock::now() - start).count();
    return absl::OkStatus();
  }

  bool Exited() {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return true;
    }
    return false;
  }
  absl::Status Failed(const std::string& what) {
    Stop();
    return absl::UnavailableError(
        absl::StrCat(name_, " ", what, "; its output:\n",
                     testing::ReadWholeFile(log_file_)));
  }

  pid_t pid_ = -1;
  std::string name_;
  std::string log_file_;
  std::string address_;
  double startup_ = 0;
};

// ---------------------------------------------------------------------------
// Callers: one per thread, each making one GetInvoice per Call().

struct Expected {
  std::string invoice_id;
  double total_amount = 0;
  int line_items = 0;
};

class Caller {
 public:
  virtual ~Caller() = default;
  // One call; false (with `error`) if it failed or returned another invoice.
  virtual bool Call(std::string* error) = 0;
};

// Parses Maesn's JSON answer with nlohmann and checks it is `expected`.
bool CheckInvoice(const std::string& body, const Expected& expected,
                  absl::string_view who, std::string* error) {
  const nlohmann::json json =
      nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    *error = absl::StrCat(who, ": the body is not a JSON object");
    return false;
  }
  auto data = json.find("data");
  if (data == json.end() || !data->is_object()) {
    *error = absl::StrCat(who, ": no data");
    return false;
  }
  auto id = data->find("invoiceId");
  auto total = data->find("totalAmount");
  auto lines = data->find("lineItems");
  if (id == data->end() || !id->is_string() ||
      id->get_ref<const std::string&>() != expected.invoice_id ||
      total == data->end() || !total->is_number() ||
      total->get<double>() != expected.total_amount || lines == data->end() ||
      !lines->is_array() ||
      static_cast<int>(lines->size()) != expected.line_items) {
    *error = absl::StrCat(who, ": another invoice came back");
    return false;
  }
  return true;
}

// What a service without the gateway does: HTTPS with keep-alive to Maesn,
// then parse the JSON and read the invoice from it.
class DirectCaller : public Caller {
 public:
  DirectCaller(const maesn::sim::MaesnSimulator& sim, Expected expected)
      : client_("localhost", sim.port()), expected_(std::move(expected)) {
    client_.set_ca_cert_path(sim.ca_file().c_str());
    client_.enable_server_certificate_verification(true);
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);
    headers_ = {{"X-API-KEY", kApiKey},
                {"X-ACCOUNT-KEY", kAccountKey},
                {"Accept", "application/json"}};
    // The same representation the gateway asks Maesn for, so that both
    // paths fetch the same bytes (httplib inflates it).
    const std::string encoding = absl::GetFlag(FLAGS_direct_accept_encoding);
    if (!encoding.empty()) headers_.emplace("Accept-Encoding", encoding);
    path_ = "/accounting/invoices/" + expected_.invoice_id;
  }

  bool Call(std::string* error) override {
    auto res = client_.Get(path_, headers_);
    if (!res) {
      *error = "direct: " + httplib::to_string(res.error());
      return false;
    }
    if (res->status != 200) {
      *error = absl::StrCat("direct: HTTP ", res->status);
      return false;
    }
    return CheckInvoice(res->body, expected_, "direct", error);
  }

 private:
  httplib::SSLClient client_;
  httplib::Headers headers_;
  std::string path_;
  Expected expected_;
};

// The direct call made with libcurl's easy interface instead (blocking, one
// handle per calling thread, keep-alive, the same headers and encoding): the
// HTTP client the gateway uses, without the gateway, so that its own cost
// per request can be told apart from the gateway's (section i4.).
class DirectCurlCaller : public Caller {
 public:
  DirectCurlCaller(const maesn::sim::MaesnSimulator& sim, Expected expected)
      : easy_(curl_easy_init()), expected_(std::move(expected)) {
    for (const std::string& h : {absl::StrCat("X-API-KEY: ", kApiKey),
                                 absl::StrCat("X-ACCOUNT-KEY: ", kAccountKey),
                                 std::string("Accept: application/json")}) {
      headers_ = curl_slist_append(headers_, h.c_str());
    }
    if (easy_ == nullptr) return;
    // libcurl copies string options; the header list it only points to.
    const std::string url = absl::StrCat(
        sim.base_url(), "/accounting/invoices/", expected_.invoice_id);
    curl_easy_setopt(easy_, CURLOPT_URL, url.c_str());
    curl_easy_setopt(easy_, CURLOPT_CAINFO, sim.ca_file().c_str());
    curl_easy_setopt(easy_, CURLOPT_HTTPHEADER, headers_);
    const std::string encoding = absl::GetFlag(FLAGS_direct_accept_encoding);
    if (!encoding.empty()) {
      curl_easy_setopt(easy_, CURLOPT_ACCEPT_ENCODING, encoding.c_str());
    }
    curl_easy_setopt(easy_, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy_, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(easy_, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(easy_, CURLOPT_WRITEDATA, &body_);
  }
  ~DirectCurlCaller() override {
    if (easy_ != nullptr) curl_easy_cleanup(easy_);
    curl_slist_free_all(headers_);
  }

  bool Call(std::string* error) override {
    if (easy_ == nullptr) {
      *error = "direct (libcurl): curl_easy_init failed";
      return false;
    }
    body_.clear();
    const CURLcode rc = curl_easy_perform(easy_);
    if (rc != CURLE_OK) {
      *error = absl::StrCat("direct (libcurl): ", curl_easy_strerror(rc));
      return false;
    }
    long status = 0;
    curl_easy_getinfo(easy_, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) {
      *error = absl::StrCat("direct (libcurl): HTTP ", status);
      return false;
    }
    return CheckInvoice(body_, expected_, "direct (libcurl)", error);
  }

 private:
  static size_t OnBody(char* data, size_t size, size_t n, void* body) {
    static_cast<std::string*>(body)->append(data, size * n);
    return size * n;
  }

  CURL* const easy_;
  curl_slist* headers_ = nullptr;
  std::string body_;
  Expected expected_;
};

// The same call through the gateway, as a gRPC client service makes it.
class GatewayCaller : public Caller {
 public:
  GatewayCaller(std::shared_ptr<grpc::Channel> channel, Expected expected)
      : stub_(v1::InvoiceService::NewStub(std::move(channel))),
        expected_(std::move(expected)) {
    request_.set_invoice_id(expected_.invoice_id);
  }

  bool Call(std::string* error) override {
    grpc::ClientContext ctx;
    ctx.AddMetadata("x-account-key", kAccountKey);
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    v1::GetInvoiceResponse response;
    const grpc::Status status = stub_->GetInvoice(&ctx, request_, &response);
    if (!status.ok()) {
      *error = absl::StrCat("gateway: code ", status.error_code(), ": ",
                            status.error_message());
      return false;
    }
    const v1::Invoice& invoice = response.invoice();
    if (invoice.invoice_id() != expected_.invoice_id ||
        invoice.total_amount() != expected_.total_amount ||
        invoice.line_items_size() != expected_.line_items) {
      *error = "gateway: another invoice came back";
      return false;
    }
    return true;
  }

 private:
  std::unique_ptr<v1::InvoiceService::Stub> stub_;
  v1::GetInvoiceRequest request_;
  Expected expected_;
};

// The gRPC hop alone: a call without x-account-key, which the gateway
// answers UNAUTHENTICATED at once on its gRPC thread, before any upstream
// work. Its cost is the floor of any call through the gateway.
class GrpcOnlyCaller : public Caller {
 public:
  explicit GrpcOnlyCaller(std::shared_ptr<grpc::Channel> channel)
      : stub_(v1::InvoiceService::NewStub(std::move(channel))) {
    request_.set_invoice_id("ABC123");
  }

  bool Call(std::string* error) override {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(30));
    v1::GetInvoiceResponse response;
    const grpc::Status status = stub_->GetInvoice(&ctx, request_, &response);
    if (status.error_code() != grpc::StatusCode::UNAUTHENTICATED) {
      *error = absl::StrCat("gRPC only: expected UNAUTHENTICATED, got ",
                            status.error_code());
      return false;
    }
    return true;
  }

 private:
  std::unique_ptr<v1::InvoiceService::Stub> stub_;
  v1::GetInvoiceRequest request_;
};

using CallerFactory = std::function<std::unique_ptr<Caller>()>;

// ---------------------------------------------------------------------------
// One measured phase: `concurrency` threads calling in a loop.

struct PhaseResult {
  std::string path;
  int concurrency = 0;
  std::int64_t calls = 0;
  std::int64_t failures = 0;
  std::string first_error;
  double wall_seconds = 0;
  double caller_cpu_seconds = 0;    // the calling threads
  double process_cpu_seconds = -1;  // the gateway process; -1 = none
  std::vector<std::int64_t> latencies_ns;

  double Percentile(double p) const {
    if (latencies_ns.empty()) return 0;
    const auto i = static_cast<std::size_t>(
        std::ceil(p * static_cast<double>(latencies_ns.size())) - 1);
    return static_cast<double>(
               latencies_ns[std::min(i, latencies_ns.size() - 1)]) /
           1000.0;
  }
  // CPU seconds per 1,000 calls (= ms per call): of the server process, and
  // of the calling threads.
  double ProcessCpuPerThousand() const {
    return PerThousand(process_cpu_seconds);
  }
  double CallerCpuPerThousand() const {
    return PerThousand(caller_cpu_seconds);
  }
  double PerThousand(double seconds) const {
    return calls == 0 ? 0 : seconds / static_cast<double>(calls) * 1000.0;
  }
};

enum Phase { kWarmup = 0, kMeasure = 1, kStop = 2 };

PhaseResult RunTimed(const std::string& path, int concurrency,
                     const CallerFactory& factory, absl::Duration warmup,
                     absl::Duration duration, const GatewayProcess* gateway) {
  std::atomic<int> phase{kWarmup};
  absl::Mutex mu;
  PhaseResult result;
  result.path = path;
  result.concurrency = concurrency;
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&] {
      std::unique_ptr<Caller> caller = factory();
      std::vector<std::int64_t> latencies;
      latencies.reserve(1 << 16);
      std::int64_t failures = 0;
      std::string first_error;
      bool measuring = false;
      double cpu_start = 0;
      for (;;) {
        const int p = phase.load(std::memory_order_acquire);
        if (p == kStop) break;
        if (p == kMeasure && !measuring) {
          measuring = true;
          cpu_start = ThreadCpuSeconds();
        }
        std::string error;
        const Clock::time_point t0 = Clock::now();
        const bool ok = caller->Call(&error);
        const Clock::time_point t1 = Clock::now();
        if (measuring) {
          latencies.push_back(
              std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0)
                  .count());
        }
        if (!ok) {
          ++failures;
          if (first_error.empty()) first_error = error;
        }
      }
      const double cpu = measuring ? ThreadCpuSeconds() - cpu_start : 0;
      absl::MutexLock lock(&mu);
      result.calls += static_cast<std::int64_t>(latencies.size());
      result.failures += failures;
      if (result.first_error.empty()) result.first_error = first_error;
      result.caller_cpu_seconds += cpu;
      result.latencies_ns.insert(result.latencies_ns.end(), latencies.begin(),
                                 latencies.end());
    });
  }
  absl::SleepFor(warmup);
  const double cpu0 = gateway != nullptr ? gateway->CpuSeconds() : 0;
  const Clock::time_point start = Clock::now();
  phase.store(kMeasure, std::memory_order_release);
  absl::SleepFor(duration);
  phase.store(kStop, std::memory_order_release);
  const Clock::time_point end = Clock::now();
  const double cpu1 = gateway != nullptr ? gateway->CpuSeconds() : 0;
  for (auto& t : threads) t.join();
  result.wall_seconds = std::chrono::duration<double>(end - start).count();
  if (gateway != nullptr) result.process_cpu_seconds = cpu1 - cpu0;
  std::sort(result.latencies_ns.begin(), result.latencies_ns.end());
  return result;
}

// Exactly `calls` calls spread over `concurrency` threads.
PhaseResult RunCount(int concurrency, std::int64_t calls,
                     const CallerFactory& factory) {
  std::atomic<std::int64_t> remaining{calls};
  absl::Mutex mu;
  PhaseResult result;
  result.concurrency = concurrency;
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&] {
      std::unique_ptr<Caller> caller = factory();
      std::int64_t done = 0, failures = 0;
      std::string first_error;
      while (remaining.fetch_sub(1) > 0) {
        std::string error;
        if (!caller->Call(&error)) {
          ++failures;
          if (first_error.empty()) first_error = error;
        }
        ++done;
      }
      absl::MutexLock lock(&mu);
      result.calls += done;
      result.failures += failures;
      if (result.first_error.empty()) result.first_error = first_error;
    });
  }
  for (auto& t : threads) t.join();
  return result;
}

// ---------------------------------------------------------------------------

struct ReuseResult {
  int concurrency = 0;
  std::int64_t calls = 0;
  int connections = 0;
};

int Run() {
  const std::string binary = absl::GetFlag(FLAGS_gateway);
  const std::vector<int> levels = ParseInts(absl::GetFlag(FLAGS_concurrency));
  const std::vector<int> reuse_levels =
      ParseInts(absl::GetFlag(FLAGS_reuse_concurrency));
  const int line_items = absl::GetFlag(FLAGS_line_items);
  const int max_in_flight = absl::GetFlag(FLAGS_upstream_max_in_flight);
  if (binary.empty() || !std::filesystem::exists(binary)) {
    std::fprintf(stderr, "--gateway: no maesn-gateway binary at '%s'\n",
                 binary.c_str());
    return 2;
  }
  if (levels.empty()) {
    std::fprintf(stderr, "--concurrency: no positive number given\n");
    return 2;
  }

  // The simulator, serving the invoice built for the benchmarks.
  maesn::sim::SimulatorOptions options;
  options.worker_threads = absl::GetFlag(FLAGS_sim_threads);
  options.max_recorded_requests = 1;
  options.api_key = kApiKey;
  options.account_keys = {kAccountKey};
  maesn::sim::MaesnSimulator sim(options);
  if (absl::Status s = sim.Start(); !s.ok()) {
    std::fprintf(stderr, "simulator: %s\n", s.ToString().c_str());
    return 1;
  }
  auto envelope = InvoiceEnvelope(line_items);
  if (!envelope.ok()) {
    std::fprintf(stderr, "%s\n", envelope.status().ToString().c_str());
    return 1;
  }
  Expected expected;
  expected.invoice_id = InvoiceId(line_items);
  expected.total_amount = (*envelope)["data"]["totalAmount"].get<double>();
  expected.line_items = line_items;
  const std::size_t body_bytes = envelope->dump().size();
  maesn::sim::Record record;
  record.data = (*envelope)["data"];
  record.meta = (*envelope)["meta"];
  if (absl::Status s = sim.PutRecord(kAccountKey, "invoices", record);
      !s.ok()) {
    std::fprintf(stderr, "simulator: %s\n", s.ToString().c_str());
    return 1;
  }

  const std::string work_dir = (std::filesystem::temp_directory_path() /
                                absl::StrCat("maesn-overhead-bench-", getpid()))
                                   .string();
  std::filesystem::create_directories(work_dir);
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ignored;
      std::filesystem::remove_all(dir, ignored);
    }
  } cleanup{work_dir};

  const std::string load_before = testing::ReadWholeFile("/proc/loadavg");
  std::vector<double> startups;
  double rss_idle = 0, rss_after = 0, rss_peak = 0;
  std::vector<PhaseResult> results;    // direct, gateway per concurrency
  std::vector<PhaseResult> floors;     // gRPC hop only per concurrency
  std::vector<PhaseResult> curl_rows;  // direct with libcurl per concurrency
  std::int64_t total_calls = 0, total_failures = 0;
  std::string first_error;
  auto account = [&](const PhaseResult& r) {
    total_calls += r.calls;
    total_failures += r.failures;
    if (first_error.empty()) first_error = r.first_error;
  };

  {
    GatewayProcess gateway;
    if (absl::Status s = gateway.Start(binary, work_dir, sim, max_in_flight);
        !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    startups.push_back(gateway.startup_seconds());
    rss_idle = gateway.RssMiB();
    auto channel = grpc::CreateChannel(gateway.address(),
                                       grpc::InsecureChannelCredentials());
    const CallerFactory direct = [&] {
      return std::make_unique<DirectCaller>(sim, expected);
    };
    const CallerFactory through = [&] {
      return std::make_unique<GatewayCaller>(channel, expected);
    };
    const CallerFactory grpc_only = [&] {
      return std::make_unique<GrpcOnlyCaller>(channel);
    };
    const CallerFactory direct_curl = [&] {
      return std::make_unique<DirectCurlCaller>(sim, expected);
    };
    for (int c : levels) {
      results.push_back(RunTimed("direct", c, direct,
                                 absl::GetFlag(FLAGS_warmup),
                                 absl::GetFlag(FLAGS_duration), nullptr));
      account(results.back());
      if (absl::GetFlag(FLAGS_direct_libcurl)) {
        curl_rows.push_back(RunTimed("direct (libcurl)", c, direct_curl,
                                     absl::GetFlag(FLAGS_warmup),
                                     absl::GetFlag(FLAGS_duration), nullptr));
        account(curl_rows.back());
      }
      results.push_back(RunTimed("gateway", c, through,
                                 absl::GetFlag(FLAGS_warmup),
                                 absl::GetFlag(FLAGS_duration), &gateway));
      account(results.back());
      if (absl::GetFlag(FLAGS_grpc_only)) {
        floors.push_back(RunTimed("gRPC hop only", c, grpc_only,
                                  absl::GetFlag(FLAGS_warmup),
                                  absl::GetFlag(FLAGS_duration), &gateway));
        account(floors.back());
      }
    }
    rss_after = gateway.RssMiB();
    rss_peak = gateway.PeakRssMiB();
  }

  // The gRPC hop alone in maesn-hop-server, answered on gRPC's thread and
  // from another thread: the difference is what any gateway that answers
  // from its own I/O thread pays per call with this gRPC. Answered from
  // another thread one by one (each after its own random delay below
  // --hop_spread): what answers that come back at their own times cost on
  // top, as Maesn's do on their own connections.
  std::vector<PhaseResult> hop_inline, hop_thread, hop_spread;
  const std::string hop_binary = absl::GetFlag(FLAGS_hop_server);
  if (absl::GetFlag(FLAGS_grpc_only) && !hop_binary.empty()) {
    struct HopRun {
      const char* answer;  // --answer of maesn-hop-server
      const char* label;
      std::vector<PhaseResult>* rows;
    };
    for (const HopRun& run :
         {HopRun{"inline", "on gRPC's thread", &hop_inline},
          HopRun{"thread", "from another thread", &hop_thread},
          HopRun{"spread", "from another thread, one by one", &hop_spread}}) {
      GatewayProcess server;
      if (absl::Status s =
              server.StartHopServer(hop_binary, work_dir, run.answer);
          !s.ok()) {
        std::fprintf(stderr, "%s\n", s.ToString().c_str());
        return 1;
      }
      auto channel = grpc::CreateChannel(server.address(),
                                         grpc::InsecureChannelCredentials());
      const CallerFactory hop = [&] {
        return std::make_unique<GrpcOnlyCaller>(channel);
      };
      for (int c : levels) {
        run.rows->push_back(
            RunTimed(absl::StrCat("hop server, answered ", run.label), c, hop,
                     absl::GetFlag(FLAGS_warmup), absl::GetFlag(FLAGS_duration),
                     &server));
        account(run.rows->back());
      }
    }
  }

  // c. Connection reuse: a fresh gateway per run, so every upstream
  // connection it needs shows up in the simulator's count.
  std::vector<ReuseResult> reuse;
  for (int c : reuse_levels) {
    GatewayProcess gateway;
    if (absl::Status s = gateway.Start(binary, work_dir, sim, max_in_flight);
        !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      return 1;
    }
    startups.push_back(gateway.startup_seconds());
    auto channel = grpc::CreateChannel(gateway.address(),
                                       grpc::InsecureChannelCredentials());
    const int before = sim.ConnectionsSeen();
    PhaseResult r = RunCount(c, absl::GetFlag(FLAGS_reuse_calls), [&] {
      return std::make_unique<GatewayCaller>(channel, expected);
    });
    account(r);
    reuse.push_back({c, r.calls, sim.ConnectionsSeen() - before});
  }
  const std::string load_after = testing::ReadWholeFile("/proc/loadavg");

  // ---- Report.
  std::printf(
      "machine: %u CPUs (%s), %.1f GiB RAM, build %s; load average before "
      "%s, after %s\n",
      std::thread::hardware_concurrency(), CpuModel().c_str(), MemTotalGiB(),
      MAESN_BUILD_TYPE,
      std::string(absl::StripAsciiWhitespace(load_before)).c_str(),
      std::string(absl::StripAsciiWhitespace(load_after)).c_str());
  std::printf(
      "invoice: %d line item(s), %zu bytes of Maesn JSON; gateway "
      "UPSTREAM_MAX_IN_FLIGHT=%d; %s measured per row after %s warm-up\n\n",
      line_items, body_bytes, max_in_flight,
      absl::FormatDuration(absl::GetFlag(FLAGS_duration)).c_str(),
      absl::FormatDuration(absl::GetFlag(FLAGS_warmup)).c_str());

  std::printf(
      "a. GetInvoice direct vs through the gateway\n"
      "| concurrency | path | calls | p50 µs | p99 µs | calls/s | "
      "gateway process CPU s / 1,000 calls | calling threads' CPU s / 1,000 "
      "calls |\n|---|---|---|---|---|---|---|---|\n");
  std::vector<const PhaseResult*> rows;
  for (std::size_t i = 0; i < results.size(); ++i) {
    rows.push_back(&results[i]);
    if (i % 2 == 0 && i / 2 < curl_rows.size())
      rows.push_back(&curl_rows[i / 2]);
    if (i % 2 == 1 && i / 2 < floors.size()) rows.push_back(&floors[i / 2]);
    if (i % 2 == 1 && i / 2 < hop_thread.size()) {
      rows.push_back(&hop_inline[i / 2]);
      rows.push_back(&hop_thread[i / 2]);
      rows.push_back(&hop_spread[i / 2]);
    }
  }
  for (const PhaseResult* row : rows) {
    const PhaseResult& r = *row;
    std::printf(
        "| %d | %s | %lld | %.1f | %.1f | %.0f | %s | %.3f |\n", r.concurrency,
        r.path.c_str(), static_cast<long long>(r.calls), r.Percentile(0.5),
        r.Percentile(0.99), static_cast<double>(r.calls) / r.wall_seconds,
        r.process_cpu_seconds < 0
            ? "-"
            : absl::StrFormat("%.3f", r.ProcessCpuPerThousand()).c_str(),
        r.CallerCpuPerThousand());
  }
  std::printf(
      "\n| concurrency | p50 gateway / direct | target p50 <= 1.3x (at "
      "concurrency 1) | CPU per call: gateway process / direct client | "
      "target <= 1.5x |\n|---|---|---|---|---|\n");
  for (std::size_t i = 0; i + 1 < results.size(); i += 2) {
    const PhaseResult& d = results[i];
    const PhaseResult& g = results[i + 1];
    const double p50 = g.Percentile(0.5) / d.Percentile(0.5);
    const double cpu = g.ProcessCpuPerThousand() / d.CallerCpuPerThousand();
    std::printf("| %d | %.2fx | %s | %.2fx | %s |\n", d.concurrency, p50,
                d.concurrency == 1 ? (p50 <= 1.3 ? "met" : "MISSED") : "-", cpu,
                cpu <= 1.5 ? "met" : "MISSED");
  }

  if (!floors.empty()) {
    std::printf(
        "\ni4. Overhead of the gateway over the direct call plus the gRPC "
        "hop (CPU: ms per call)\n"
        "| concurrency | p50: gateway / (direct + hop) | target <= 1.10 | "
        "CPU: gateway / (hop + direct client) | target <= 1.20 | answering "
        "from another thread: extra p50 µs, extra CPU together, extra CPU "
        "one by one | direct client on libcurl: p50 µs, CPU | floor: CPU of "
        "hop + answer from another thread (one by one above concurrency 1) + "
        "direct client on libcurl | floor / (hop + direct client) | "
        "gateway / floor |\n"
        "|---|---|---|---|---|---|---|---|---|---|\n");
    for (std::size_t i = 0; i < floors.size(); ++i) {
      const PhaseResult& d = results[2 * i];
      const PhaseResult& g = results[2 * i + 1];
      const PhaseResult& h = floors[i];
      const double d_cpu = d.CallerCpuPerThousand();
      const double g_cpu = g.ProcessCpuPerThousand();
      const double h_cpu = h.ProcessCpuPerThousand();
      const double p50 =
          g.Percentile(0.5) / (d.Percentile(0.5) + h.Percentile(0.5));
      const double cpu = g_cpu / (h_cpu + d_cpu);
      // The floor: what a non-blocking gateway on libcurl pays that the
      // target's reference (a hop answered inline, a client on cpp-httplib)
      // does not, before any work of its own. At concurrency 1 every answer
      // comes alone anyway; above it, Maesn's answers arrive one by one on
      // their own connections, so the one-by-one row is the floor there.
      std::string thread_cost = "-", curl_cost = "-", floor = "-",
                  floor_ratio = "-", over_floor = "-";
      double extra_cpu = 0;
      if (i < hop_thread.size()) {
        const double inline_cpu = hop_inline[i].ProcessCpuPerThousand();
        const double together =
            hop_thread[i].ProcessCpuPerThousand() - inline_cpu;
        const double one_by_one =
            hop_spread[i].ProcessCpuPerThousand() - inline_cpu;
        extra_cpu = d.concurrency == 1 ? together : one_by_one;
        thread_cost = absl::StrFormat(
            "%.1f, %.3f, %.3f",
            hop_thread[i].Percentile(0.5) - hop_inline[i].Percentile(0.5),
            together, one_by_one);
      }
      if (i < curl_rows.size()) {
        const PhaseResult& dc = curl_rows[i];
        const double dc_cpu = dc.CallerCpuPerThousand();
        curl_cost = absl::StrFormat("%.1f, %.3f", dc.Percentile(0.5), dc_cpu);
        if (i < hop_thread.size()) {
          const double floor_cpu = h_cpu + extra_cpu + dc_cpu;
          floor = absl::StrFormat("%.3f", floor_cpu);
          floor_ratio = absl::StrFormat("%.2f", floor_cpu / (h_cpu + d_cpu));
          over_floor = absl::StrFormat("%.2f", g_cpu / floor_cpu);
        }
      }
      std::printf("| %d | %.2f | %s | %.2f | %s | %s | %s | %s | %s | %s |\n",
                  d.concurrency, p50, p50 <= 1.10 ? "met" : "MISSED", cpu,
                  cpu <= 1.20 ? "met" : "MISSED", thread_cost.c_str(),
                  curl_cost.c_str(), floor.c_str(), floor_ratio.c_str(),
                  over_floor.c_str());
    }
  }

  std::printf(
      "\nc. Connection reuse (a fresh gateway per row)\n"
      "| concurrency | calls | upstream TLS connections opened | target <= "
      "concurrency (HTTP/1.1: one request per connection at a time) "
      "|\n|---|---|---|---|\n");
  for (const ReuseResult& r : reuse) {
    std::printf("| %d | %lld | %d | %s |\n", r.concurrency,
                static_cast<long long>(r.calls), r.connections,
                r.connections <= r.concurrency ? "met" : "MISSED");
  }

  std::sort(startups.begin(), startups.end());
  std::printf(
      "\nd. Footprint\n"
      "| gateway starts | start to health SERVING, median ms | max ms | RSS "
      "idle after start MiB | RSS idle after the load MiB | peak RSS MiB |\n"
      "|---|---|---|---|---|---|\n"
      "| %zu | %.1f | %.1f | %.1f | %.1f | %.1f |\n",
      startups.size(), startups[startups.size() / 2] * 1000,
      startups.back() * 1000, rss_idle, rss_after, rss_peak);

  if (total_failures > 0) {
    std::printf("\nFAILED: %lld of %lld calls failed; first: %s\n",
                static_cast<long long>(total_failures),
                static_cast<long long>(total_calls), first_error.c_str());
    return 1;
  }
  std::printf("\nall %lld calls succeeded\n",
              static_cast<long long>(total_calls));
  return 0;
}

}  // namespace
}  // namespace maesn::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  curl_global_init(CURL_GLOBAL_DEFAULT);
  return maesn::bench::Run();
}
