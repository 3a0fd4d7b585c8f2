// maesn-soak: a long mixed run against the real gateway process, with a
// share of Maesn's answers replaced by faults, that prints one table:
// calls by outcome (gRPC code), throughput, the gateway's RSS after warm-up
// and at the end, and whether the gateway crashed.
//
//   maesn-soak --gateway=build/gateway/maesn-gateway --calls=200000
//
// The simulator runs in this process (its fault plan injects the faults);
// the gateway runs as a child process, so its RSS is its own. With
// --upstream=epoll the gateway talks to the benchmark upstream
// (tests/bench/epoll_upstream.h: one thread, one epoll loop, no thread per
// connection or per held answer) instead of the simulator's HTTP server; it
// answers from the simulator's data and routes (MaesnSimulator::Answer) and
// injects the same faults (the simulator's named faults, same rate and
// seed), so that under latency the upstream is not the bottleneck. Exit
// status 0 only if the gateway never crashed, every call ended with an
// expected code, and RSS grew by at most --max_rss_growth_pct.

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "epoll_upstream.h"
#include "fault_plan.h"
#include "maesn/accounting/v1/bill.grpc.pb.h"
#include "maesn/accounting/v1/invoice.grpc.pb.h"
#include "maesn/accounting/v1/task.grpc.pb.h"
#include "simulator.h"
#include "tests/testing/proc_stats.h"

ABSL_FLAG(std::string, gateway, "", "Path of the maesn-gateway binary.");
ABSL_FLAG(int64_t, calls, 200000, "Calls in total (warm-up included).");
ABSL_FLAG(int64_t, warmup, 20000, "Calls before the first RSS reading.");
ABSL_FLAG(int, concurrency, 32, "Calls in flight at once.");
ABSL_FLAG(double, fault_rate, 0.05,
          "Share of upstream requests answered with a fault.");
ABSL_FLAG(double, max_rss_growth_pct, 5.0,
          "Fail when RSS grows more than this from warm-up to the end.");
ABSL_FLAG(int, upstream_max_in_flight, 4096,
          "UPSTREAM_MAX_IN_FLIGHT of the gateway.");
ABSL_FLAG(int, latency_ms, 0,
          "Simulated Maesn latency: every answer is held this many ms.");
ABSL_FLAG(uint64_t, seed, 1, "Seed of the call mix and the faults.");
ABSL_FLAG(absl::Duration, settle, absl::Seconds(12),
          "After the warm-up and again at the end, with no call in flight: "
          "how long the gateway's RSS is sampled (every 100 ms); the lowest "
          "sample is the settled RSS, which the growth limit applies to. It "
          "must cover one GATEWAY_HEAP_TRIM_INTERVAL_MS (10 s by default) so "
          "that the heap trimmer has run. 0 = compare the RSS sampled right "
          "after each phase instead.");
ABSL_FLAG(std::vector<std::string>, gateway_env, {},
          "Extra NAME=VALUE environment entries for the gateway process.");
ABSL_FLAG(std::string, upstream, "sim",
          "The Maesn the gateway talks to: \"sim\" (the simulator's HTTPS "
          "server, a thread per connection) or \"epoll\" (the benchmark "
          "upstream, one epoll loop, answering from the simulator's data).");

namespace {

namespace v1 = ::maesn::accounting::v1;
namespace sim = ::maesn::sim;
namespace bench = ::maesn::bench;

bench::UpstreamResponse ToUpstreamResponse(const sim::ApiResponse& answer) {
  bench::UpstreamResponse out;
  out.status = answer.status;
  out.body = answer.body;
  out.headers = answer.headers;
  out.content_type = answer.content_type;
  out.extra_delay = answer.delay;
  return out;
}

struct Gateway {
  pid_t pid = -1;
  int port = 0;
  std::string log;
};

bool StartGateway(const std::string& binary, const std::string& base_url,
                  const std::string& ca_file, const std::string& dir,
                  Gateway& g) {
  const std::string port_file = dir + "/port";
  g.log = dir + "/gateway.log";
  std::vector<std::string> env = {
      "GATEWAY_LISTEN=127.0.0.1:0",
      "GATEWAY_PORT_FILE=" + port_file,
      "MAESN_BASE_URL=" + base_url,
      "MAESN_CA_FILE=" + ca_file,
      "MAESN_API_KEY=sim-api-key",
      absl::StrCat("UPSTREAM_MAX_IN_FLIGHT=",
                   absl::GetFlag(FLAGS_upstream_max_in_flight)),
      "MAESN_READ_TIMEOUT_MS=5000",
      "METRICS_LISTEN=127.0.0.1:0",  // served, so the soak includes it
      "GATEWAY_DRAIN_DELAY_MS=0",
      "LOG_LEVEL=warn",  // the lines of failed calls only
  };
  for (const std::string& extra : absl::GetFlag(FLAGS_gateway_env)) {
    env.push_back(extra);
  }
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  g.pid = fork();
  if (g.pid < 0) return false;
  if (g.pid == 0) {
    const int fd = open(g.log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 1);
    dup2(fd, 2);
    char* argv[] = {const_cast<char*>(binary.c_str()), nullptr};
    execve(binary.c_str(), argv, envp.data());
    _exit(127);
  }
  // A real process start: poll for its port file, with a time limit.
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  std::string port;
  while ((port = maesn::testing::ReadWholeFile(port_file)).empty()) {
    int status = 0;
    if (waitpid(g.pid, &status, WNOHANG) != 0 || absl::Now() > give_up) {
      return false;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  g.port = std::atoi(port.c_str());
  return g.port > 0;
}

// Keeps `concurrency` calls in flight until `total` have been started.
class Driver {
 public:
  Driver(std::shared_ptr<grpc::Channel> channel, int64_t total, uint64_t seed)
      : invoices_(v1::InvoiceService::NewStub(channel)),
        bills_(v1::BillService::NewStub(channel)),
        tasks_(v1::TaskService::NewStub(channel)),
        total_(total),
        rng_(seed) {}

  // Runs calls until `until` of them have finished.
  void RunUntil(int64_t until, int concurrency) {
    {
      absl::MutexLock lock(&mu_);
      until_ = until;
    }
    for (int i = 0; i < concurrency; ++i) StartOne();
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](Driver* d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(d->mu_) {
          return d->finished_ >= d->until_ && d->in_flight_ == 0;
        },
        this));
  }

  std::map<grpc::StatusCode, int64_t> codes() const {
    absl::MutexLock lock(&mu_);
    return codes_;
  }
  int64_t finished() const {
    absl::MutexLock lock(&mu_);
    return finished_;
  }
  int64_t refused() const {
    absl::MutexLock lock(&mu_);
    return refused_;
  }

 private:
  struct Call {
    grpc::ClientContext ctx;
    v1::GetInvoiceRequest invoice_req;
    v1::GetInvoiceResponse invoice_resp;
    v1::GetBillRequest bill_req;
    v1::GetBillResponse bill_resp;
    v1::GetTaskRequest task_req;
    v1::GetTaskResponse task_resp;
    v1::ListInvoicesRequest list_req;
    v1::ListInvoicesResponse list_resp;
    v1::ListBillsRequest list_bills_req;
    v1::ListBillsResponse list_bills_resp;
    v1::CreateInvoiceRequest create_req;
    v1::CreateInvoiceResponse create_resp;
    v1::DeleteBillRequest delete_req;
    v1::DeleteBillResponse delete_resp;
  };

  void StartOne() {
    int kind;
    {
      absl::MutexLock lock(&mu_);
      if (started_ >= until_ || started_ >= total_) return;
      ++started_;
      ++in_flight_;
      kind = static_cast<int>(rng_() % 100);
    }
    auto call = std::make_shared<Call>();
    call->ctx.AddMetadata("x-account-key", kind % 2 == 0 ? "sim-account-key"
                                                         : "sim-account-key-2");
    call->ctx.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(10));
    auto done = [this, call](grpc::Status s) { Done(s); };
    // The mix: mostly reads that exist, some that do not, pages, writes
    // (one that Maesn refuses), and some bad input.
    if (kind < 30) {
      call->invoice_req.set_invoice_id(kind < 27 ? "ABC123" : "missing");
      invoices_->async()->GetInvoice(&call->ctx, &call->invoice_req,
                                     &call->invoice_resp, done);
    } else if (kind < 50) {
      call->bill_req.set_bill_id("9714f3a2-5b8e-4d1b-8a0c-9f6e7d2f3e4b");
      bills_->async()->GetBill(&call->ctx, &call->bill_req, &call->bill_resp,
                               done);
    } else if (kind < 65) {
      call->task_req.set_task_id("task-datev-duo-1");
      tasks_->async()->GetTask(&call->ctx, &call->task_req, &call->task_resp,
                               done);
    } else if (kind < 77) {
      call->list_req.set_page_size(10);
      invoices_->async()->ListInvoices(&call->ctx, &call->list_req,
                                       &call->list_resp, done);
    } else if (kind < 85) {
      call->list_bills_req.set_page_size(20);
      bills_->async()->ListBills(&call->ctx, &call->list_bills_req,
                                 &call->list_bills_resp, done);
    } else if (kind < 92) {
      auto* invoice = call->create_req.mutable_invoice();
      invoice->mutable_invoice_date()->set_year(2026);
      invoice->mutable_invoice_date()->set_month(1);
      invoice->mutable_invoice_date()->set_day(1);
      invoice->set_currency("EUR");
      auto* line = invoice->add_line_items();
      line->set_quantity(1);
      line->set_unit_amount(100.5);
      invoices_->async()->CreateInvoice(&call->ctx, &call->create_req,
                                        &call->create_resp, done);
    } else if (kind < 97) {
      call->delete_req.set_bill_id("no-such-bill");  // Maesn: 404
      bills_->async()->DeleteBill(&call->ctx, &call->delete_req,
                                  &call->delete_resp, done);
    } else {
      call->invoice_req.set_invoice_id("");  // INVALID_ARGUMENT, no upstream
      invoices_->async()->GetInvoice(&call->ctx, &call->invoice_req,
                                     &call->invoice_resp, done);
    }
  }

  void Done(const grpc::Status& s) {
    {
      absl::MutexLock lock(&mu_);
      ++codes_[s.error_code()];
      // The gateway's own admission control (not a fault Maesn sent).
      if (s.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED &&
          absl::StrContains(s.error_message(), "UPSTREAM_MAX_IN_FLIGHT")) {
        ++refused_;
      }
      ++finished_;
      --in_flight_;
    }
    StartOne();
  }

  std::unique_ptr<v1::InvoiceService::Stub> invoices_;
  std::unique_ptr<v1::BillService::Stub> bills_;
  std::unique_ptr<v1::TaskService::Stub> tasks_;
  const int64_t total_;
  mutable absl::Mutex mu_;
  std::mt19937_64 rng_ ABSL_GUARDED_BY(mu_);
  int64_t until_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t refused_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t started_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t finished_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  std::map<grpc::StatusCode, int64_t> codes_ ABSL_GUARDED_BY(mu_);
};

// The faults of every kind the gateway handles, in the simulator's fault
// plan syntax (tests/sim/fault_plan.h).
constexpr char kFaultPool[] = R"([
    {"kind":"rate_limited","retryAfter":"0"},{"kind":"unavailable"},
    {"kind":"bad_gateway"},{"kind":"gateway_timeout"},{"kind":"internal"},
    {"kind":"not_found"},{"kind":"not_supported"},{"kind":"html"},
    {"kind":"garbage"},{"kind":"wrong_content_type"},
    {"kind":"slow","delayMs":20}])";

// The same faults for the epoll upstream: the simulator's answers, so both
// upstreams inject exactly the same statuses, bodies and headers.
absl::StatusOr<bench::UpstreamFaultPlan> EpollFaults(double rate,
                                                     uint64_t seed) {
  bench::UpstreamFaultPlan plan;
  plan.rate = rate;
  plan.seed = seed;
  for (const sim::Json& j : sim::Json::parse(kFaultPool)) {
    absl::StatusOr<sim::HttpFault> named =
        sim::NamedFault(j.at("kind").get<std::string>(), j);
    if (!named.ok()) return named.status();
    bench::UpstreamFault fault;
    fault.kind = named->kind;
    fault.delay = std::chrono::milliseconds(j.value("delayMs", 0));
    if (named->response.has_value()) {
      fault.response = ToUpstreamResponse(*named->response);
    }
    plan.pool.push_back(std::move(fault));
  }
  return plan;
}

const char* CodeName(grpc::StatusCode c) {
  switch (c) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    default:
      return "OTHER";
  }
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const std::string binary = absl::GetFlag(FLAGS_gateway);
  const int64_t total = absl::GetFlag(FLAGS_calls);
  const int64_t warmup = std::min(absl::GetFlag(FLAGS_warmup), total);
  if (binary.empty()) {
    std::fprintf(stderr, "maesn-soak: --gateway=<maesn-gateway binary>\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  const std::string upstream_kind = absl::GetFlag(FLAGS_upstream);
  if (upstream_kind != "sim" && upstream_kind != "epoll") {
    std::fprintf(stderr, "maesn-soak: --upstream must be sim or epoll\n");
    return 2;
  }
  const bool use_epoll = upstream_kind == "epoll";

  sim::SimulatorOptions options;
  options.max_recorded_requests = 1000;  // keep the simulator small
  // A thread per keep-alive connection: with latency, about one
  // connection per call in flight. Behind the epoll upstream the
  // simulator's own server carries no requests.
  const int latency_ms = absl::GetFlag(FLAGS_latency_ms);
  options.worker_threads = use_epoll ? 2
                           : latency_ms > 0
                               ? absl::GetFlag(FLAGS_concurrency) + 64
                               : 64;
  if (!use_epoll)
    options.response_delay = std::chrono::milliseconds(latency_ms);
  sim::MaesnSimulator simulator(options);
  if (!simulator.Start().ok()) return 1;
  // 5 % of upstream answers are faults of every kind the gateway handles.
  const double fault_rate = absl::GetFlag(FLAGS_fault_rate);
  const uint64_t seed = absl::GetFlag(FLAGS_seed);
  std::unique_ptr<bench::EpollUpstream> epoll;
  std::string base_url = simulator.base_url();
  if (use_epoll) {
    bench::RaiseDescriptorLimit();
    absl::StatusOr<bench::UpstreamFaultPlan> faults =
        EpollFaults(fault_rate, seed);
    if (!faults.ok()) return 1;
    bench::EpollUpstreamOptions upstream;
    upstream.cert_file = simulator.ca_file();
    upstream.key_file = simulator.key_file();
    upstream.latency = std::chrono::milliseconds(latency_ms);
    upstream.faults = *std::move(faults);
    upstream.handler = [&simulator](const bench::UpstreamRequest& r) {
      return ToUpstreamResponse(
          simulator.Answer(r.method, r.target, r.headers, r.body));
    };
    epoll = std::make_unique<bench::EpollUpstream>(std::move(upstream));
    if (absl::Status s = epoll->Start(); !s.ok()) {
      std::fprintf(stderr, "maesn-soak: epoll upstream: %s\n",
                   s.ToString().c_str());
      return 1;
    }
    base_url = epoll->base_url();
  } else {
    const std::string plan = absl::StrFormat(
        R"({"rate":%f,"seed":%d,"pool":%s})", fault_rate, seed, kFaultPool);
    auto fault_plan = sim::FaultPlan::FromJson(sim::Json::parse(plan));
    if (!fault_plan.ok()) return 1;
    simulator.SetFaultPlan(*std::move(fault_plan));
  }

  char dir_template[] = "/tmp/maesn-soak-XXXXXX";
  const std::string dir = mkdtemp(dir_template);
  Gateway gw;
  if (!StartGateway(binary, base_url, simulator.ca_file(), dir, gw)) {
    std::fprintf(stderr, "maesn-soak: the gateway did not start:\n%s\n",
                 maesn::testing::ReadWholeFile(gw.log).c_str());
    return 1;
  }
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", gw.port),
                                     grpc::InsecureChannelCredentials());
  Driver driver(channel, total, absl::GetFlag(FLAGS_seed));
  const int concurrency = absl::GetFlag(FLAGS_concurrency);

  // RSS and open descriptors (mostly upstream connections) along the way:
  // three samples during the warm-up, ten after it.
  struct Sample {
    int64_t calls;
    long rss_kb;
    long fds;
  };
  std::vector<Sample> samples;
  auto sample = [&](int64_t calls) {
    samples.push_back({calls, maesn::testing::ProcStatusNumber(gw.pid, "VmRSS"),
                       maesn::testing::OpenFds(gw.pid)});
  };
  const absl::Time start = absl::Now();
  for (int q = 1; q < 4 && warmup >= 4; ++q) {
    driver.RunUntil(warmup * q / 4, concurrency);
    sample(warmup * q / 4);
  }
  // Idle, the RSS only moves when the heap trimmer gives free memory back:
  // the lowest sample over one trim interval is what the gateway holds,
  // whatever the phase of its trims when the calls stopped.
  const absl::Duration settle = absl::GetFlag(FLAGS_settle);
  auto settled_rss = [&] {
    long lowest = maesn::testing::ProcStatusNumber(gw.pid, "VmRSS");
    const absl::Time until = absl::Now() + settle;
    while (absl::Now() < until) {
      absl::SleepFor(absl::Milliseconds(100));
      const long rss = maesn::testing::ProcStatusNumber(gw.pid, "VmRSS");
      if (rss > 0) lowest = std::min(lowest, rss);
    }
    return lowest;
  };
  driver.RunUntil(warmup, concurrency);
  const long rss_warm = maesn::testing::ProcStatusNumber(gw.pid, "VmRSS");
  const long fds_warm = maesn::testing::OpenFds(gw.pid);
  samples.push_back({warmup, rss_warm, fds_warm});
  const long settled_warm = settled_rss();
  const absl::Time warm = absl::Now();
  const int64_t step = std::max<int64_t>(1, (total - warmup) / 10);
  for (int64_t next = warmup + step; next < total; next += step) {
    driver.RunUntil(next, concurrency);
    sample(next);
  }
  driver.RunUntil(total, concurrency);
  const absl::Time end = absl::Now();
  const long rss_end = maesn::testing::ProcStatusNumber(gw.pid, "VmRSS");
  const long fds_end = maesn::testing::OpenFds(gw.pid);
  samples.push_back({total, rss_end, fds_end});
  const long settled_end = settled_rss();

  int status = 0;
  const bool alive = waitpid(gw.pid, &status, WNOHANG) == 0;
  kill(gw.pid, SIGTERM);
  waitpid(gw.pid, &status, 0);
  const bool clean_exit = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  const int crashes = (alive && clean_exit) ? 0 : 1;

  // Codes a call may legitimately end with under these faults.
  const std::set<grpc::StatusCode> expected = {
      grpc::StatusCode::OK,
      grpc::StatusCode::INVALID_ARGUMENT,
      grpc::StatusCode::NOT_FOUND,
      grpc::StatusCode::RESOURCE_EXHAUSTED,
      grpc::StatusCode::UNIMPLEMENTED,
      grpc::StatusCode::INTERNAL,
      grpc::StatusCode::UNAVAILABLE};
  int64_t unexpected = 0;
  std::printf("| outcome | calls | share |\n|---|---:|---:|\n");
  for (const auto& [code, n] : driver.codes()) {
    std::printf("| %s | %lld | %.2f %% |\n", CodeName(code),
                static_cast<long long>(n),
                100.0 * static_cast<double>(n) / static_cast<double>(total));
    if (!expected.count(code)) unexpected += n;
  }
  auto growth_of = [](long from, long to) {
    return from > 0 ? 100.0 * static_cast<double>(to - from) /
                          static_cast<double>(from)
                    : 0.0;
  };
  const bool use_settled = settle > absl::ZeroDuration();
  const double growth = use_settled ? growth_of(settled_warm, settled_end)
                                    : growth_of(rss_warm, rss_end);
  const auto finished = static_cast<double>(driver.finished());
  const double seconds = absl::ToDoubleSeconds(end - start);
  std::printf("\n| figure | value |\n|---|---:|\n");
  std::printf("| calls | %lld (warm-up %lld) |\n",
              static_cast<long long>(driver.finished()),
              static_cast<long long>(warmup));
  std::printf("| injected fault rate (upstream requests) | %.1f %% |\n",
              100 * absl::GetFlag(FLAGS_fault_rate));
  std::printf("| Maesn latency; calls in flight | %d ms; %d |\n", latency_ms,
              concurrency);
  if (epoll != nullptr) {
    const auto requests = static_cast<double>(epoll->requests_seen());
    std::printf(
        "| upstream | epoll (one thread): %lld requests, %lld faults "
        "injected (%.2f %%), %lld connections accepted |\n",
        static_cast<long long>(epoll->requests_seen()),
        static_cast<long long>(epoll->faults_injected()),
        requests > 0
            ? 100.0 * static_cast<double>(epoll->faults_injected()) / requests
            : 0.0,
        static_cast<long long>(epoll->connections_accepted()));
  } else {
    std::printf("| upstream | simulator (a thread per connection) |\n");
  }
  std::printf("| duration | %.1f s |\n| throughput | %.0f calls/s |\n", seconds,
              finished / seconds);
  std::printf("| steady-phase throughput | %.0f calls/s |\n",
              (finished - static_cast<double>(warmup)) /
                  absl::ToDoubleSeconds(end - warm));
  std::printf(
      "| gateway RSS after warm-up: as the calls stopped / settled (lowest "
      "in %s idle) | %.1f / %.1f MiB |\n",
      absl::FormatDuration(settle).c_str(),
      static_cast<double>(rss_warm) / 1024.0,
      static_cast<double>(settled_warm) / 1024.0);
  std::printf(
      "| gateway RSS at the end: as the calls stopped / settled | %.1f / "
      "%.1f MiB |\n",
      static_cast<double>(rss_end) / 1024.0,
      static_cast<double>(settled_end) / 1024.0);
  std::printf("| RSS growth as the calls stopped | %+.2f %% |\n",
              growth_of(rss_warm, rss_end));
  std::printf("| RSS growth (%s; the limit applies to it) | %+.2f %% |\n",
              use_settled ? "settled" : "as the calls stopped", growth);
  std::printf(
      "| gateway open file descriptors after warm-up / at the end | "
      "%ld / %ld |\n",
      fds_warm, fds_end);
  std::printf("| gateway crashes | %d |\n", crashes);
  std::printf("| calls with an unexpected code | %lld |\n",
              static_cast<long long>(unexpected));
  std::printf("| calls refused by admission control | %lld |\n",
              static_cast<long long>(driver.refused()));
  std::printf(
      "\n| after calls | gateway RSS | gateway open descriptors |\n"
      "|---:|---:|---:|\n");
  for (const Sample& s : samples) {
    std::printf("| %lld%s | %.1f MiB | %ld |\n",
                static_cast<long long>(s.calls),
                s.calls < warmup ? " (warm-up)" : "",
                static_cast<double>(s.rss_kb) / 1024.0, s.fds);
  }
  // Below UPSTREAM_MAX_IN_FLIGHT nothing may be refused.
  const bool ok = crashes == 0 && unexpected == 0 && driver.refused() == 0 &&
                  driver.finished() == total &&
                  growth <= absl::GetFlag(FLAGS_max_rss_growth_pct);
  if (!ok) {
    const std::string log = maesn::testing::ReadWholeFile(gw.log);
    std::printf("\nFAILED. End of the gateway's output:\n%s\n",
                log.substr(log.size() > 4000 ? log.size() - 4000 : 0).c_str());
  }
  return ok ? 0 : 1;
}
