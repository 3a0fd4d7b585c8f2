// watch_bench: many concurrent WatchTask streams over a few tasks, on
// loopback, against the Maesn simulator, with the gateway as a separate
// process (so that its threads and memory are its own).
//
//   watch_bench --gateway=build/gateway/maesn-gateway
//       [--streams=10000] [--tasks=100] [--channels=8] [--poll_min_ms=1000]
//       [--step_ms=1000] [--measure_s=20] [--checkpoints=1000,5000,10000]
//   watch_bench --gateway=... --smoke     (a few seconds; used by ctest)
//   watch_bench --gateway=... --upstream=epoll ...
//
// The upstream runs in this process. With --upstream=sim (the default) it is
// the Maesn simulator, and a thread advances every task one step per
// --step_ms (staggered across tasks). With --upstream=epoll it is the
// single-threaded epoll server of epoll_upstream.h, where each task's step is
// a pure function of time (TimedTasks: the same staggered schedule), so the
// time of every change is known exactly and no thread makes it; it also holds
// no thread per connection or per delayed answer, which the simulator does.
// Each step changes the task's responseData {"step": k}, so the client knows
// which change a message carries and when it was made. Streams are opened in
// batches up to each checkpoint; once all of them have their first message, the
// gateway's threads and resident memory are read from /proc/<pid>/status.
// Then, for --measure_s, it counts upstream requests (the simulator's) and
// the delay from each change to its arrival at the client. Prints a
// Markdown table. Exits non-zero when streams fail or are not served.

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "epoll_upstream.h"
#include "maesn/accounting/v1/task.grpc.pb.h"
#include "simulator.h"
#include "tests/testing/proc_stats.h"
#include "tls_cert.h"

extern char** environ;

ABSL_FLAG(std::string, gateway, "", "Path of the maesn-gateway binary.");
ABSL_FLAG(int, streams, 10000, "Concurrent WatchTask streams.");
ABSL_FLAG(int, tasks, 100, "Distinct tasks the streams watch.");
ABSL_FLAG(int, channels, 8, "Client channels (HTTP/2 connections).");
ABSL_FLAG(int, poll_min_ms, 1000, "WATCH_POLL_MIN_MS of the gateway.");
ABSL_FLAG(int, step_ms, 1000, "Each task changes once per this many ms.");
ABSL_FLAG(int, measure_s, 20, "Length of the measuring window.");
ABSL_FLAG(int, latency_ms, 0,
          "Simulated Maesn latency: every answer is held this long.");
ABSL_FLAG(std::string, checkpoints, "1000,5000,10000",
          "Stream counts at which the gateway's threads and memory are read.");
ABSL_FLAG(std::string, upstream, "sim",
          "The Maesn behind the gateway: \"sim\" (the simulator, a thread "
          "per connection) or \"epoll\" (one epoll loop, tasks that change "
          "as a function of time).");
ABSL_FLAG(bool, smoke, false,
          "A short run (200 streams, 10 tasks, 100 ms interval, 2 s window) "
          "that checks the machinery, not the targets.");

namespace {

namespace v1 = ::maesn::accounting::v1;
using Clock = std::chrono::steady_clock;

constexpr char kAccount[] = "sim-account-key";
constexpr char kApiKey[] = "sim-api-key";

std::int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             Clock::now().time_since_epoch())
      .count();
}

// --- The gateway process ---------------------------------------------------

struct ProcStatus {
  long threads = 0;
  long rss_kb = 0;

  double rss_mb() const { return static_cast<double>(rss_kb) / 1024.0; }
};

ProcStatus ReadProcStatus(pid_t pid) {
  ProcStatus out;
  out.threads = maesn::testing::ProcStatusNumber(pid, "Threads");
  out.rss_kb = maesn::testing::ProcStatusNumber(pid, "VmRSS");
  return out;
}

class GatewayProcess {
 public:
  ~GatewayProcess() { Stop(); }

  // Starts `binary` with `base_url` (trusting `ca_file`) as Maesn; returns
  // its port or 0.
  int Start(const std::string& binary, const std::string& base_url,
            const std::string& ca_file, const std::string& work_dir,
            int poll_min_ms, int max_streams) {
    const std::string port_file = work_dir + "/gateway.port";
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
      const std::string var = *e;
      if (var.rfind("GATEWAY_", 0) == 0 || var.rfind("MAESN_", 0) == 0 ||
          var.rfind("WATCH_", 0) == 0 || var.rfind("UPSTREAM_", 0) == 0 ||
          var.rfind("METRICS_", 0) == 0 || var.rfind("LOG_", 0) == 0) {
        continue;
      }
      env.push_back(var);
    }
    env.push_back("GATEWAY_LISTEN=127.0.0.1:0");
    env.push_back("GATEWAY_PORT_FILE=" + port_file);
    // Nothing to drain on loopback; metrics on a port of their own.
    env.push_back("GATEWAY_DRAIN_DELAY_MS=0");
    env.push_back("METRICS_LISTEN=127.0.0.1:0");
    env.push_back("MAESN_BASE_URL=" + base_url);
    env.push_back("MAESN_CA_FILE=" + ca_file);
    env.push_back(absl::StrCat("MAESN_API_KEY=", kApiKey));
    env.push_back(absl::StrCat("WATCH_POLL_MIN_MS=", poll_min_ms));
    env.push_back(absl::StrCat("WATCH_MAX_STREAMS=", max_streams));
    std::vector<char*> envp;
    for (auto& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::string arg0 = binary;
    char* argv[] = {arg0.data(), nullptr};

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null",
                                     O_WRONLY, 0);
    const int rc = posix_spawn(&pid_, binary.c_str(), &actions, nullptr, argv,
                               envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
      std::fprintf(stderr, "cannot start %s: %s\n", binary.c_str(),
                   std::strerror(rc));
      pid_ = 0;
      return 0;
    }
    // A real process must start: wait for its port file, with a timeout.
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    while (Clock::now() < deadline) {
      int port = 0;
      std::ifstream in(port_file);
      if (in >> port && port > 0) return port;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        std::fprintf(stderr, "the gateway exited (status %d)\n", status);
        pid_ = 0;
        return 0;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::fprintf(stderr, "the gateway did not write its port file\n");
    return 0;
  }

  // SIGTERM, then waits for the exit; false (and SIGKILL) if the gateway
  // does not exit cleanly within 30 s.
  bool Stop() {
    if (pid_ <= 0) return true;
    kill(pid_, SIGTERM);
    const auto deadline = Clock::now() + std::chrono::seconds(30);
    int status = 0;
    while (waitpid(pid_, &status, WNOHANG) == 0) {
      if (Clock::now() > deadline) {
        std::fprintf(stderr, "the gateway did not stop on SIGTERM\n");
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
        pid_ = 0;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pid_ = 0;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }

  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = 0;
};

// --- Client side -----------------------------------------------------------

class Bench;

// One WatchTask stream on the callback API: no thread of its own.
class WatchStream final
    : public grpc::ClientReadReactor<v1::WatchTaskResponse> {
 public:
  WatchStream(Bench* bench, int task) : bench_(bench), task_(task) {}
  void Start(v1::TaskService::Stub* stub, const std::string& task_id);
  void Cancel() { context_.TryCancel(); }
  void OnReadDone(bool ok) override;
  void OnDone(const grpc::Status& status) override;

 private:
  Bench* const bench_;
  const int task_;
  grpc::ClientContext context_;
  v1::WatchTaskRequest request_;
  v1::WatchTaskResponse response_;
  bool first_ = true;
};

class Bench {
 public:
  Bench(int tasks, int steps) : steps_(steps), advanced_at_(tasks * steps) {
    for (auto& a : advanced_at_) a.store(0);
  }

  void SetAdvanced(int task, int step, std::int64_t at_ns) {
    advanced_at_[static_cast<std::size_t>(task * steps_ + step)].store(at_ns);
  }

  void OnMessage(int task, const v1::WatchTaskResponse& m, bool first) {
    const std::int64_t now = NowNs();
    int step = -1;
    const auto& fields = m.task().response_data().struct_value().fields();
    if (auto it = fields.find("step"); it != fields.end()) {
      step = static_cast<int>(it->second.number_value());
    }
    absl::MutexLock lock(&mu_);
    if (first) {
      ++first_messages_;
      return;
    }
    if (m.heartbeat() || step <= 0 || step >= steps_) return;
    const std::int64_t at =
        advanced_at_[static_cast<std::size_t>(task * steps_ + step)].load();
    if (!measuring_ || at == 0) return;
    ++window_messages_;
    delays_ms_.push_back(static_cast<double>(now - at) / 1e6);
  }

  void OnStreamDone(const grpc::Status& status) {
    absl::MutexLock lock(&mu_);
    ++done_;
    if (!cancelling_ && !status.ok()) {
      ++failed_;
      if (failed_ <= 5) {
        std::fprintf(stderr, "stream ended: %d %s\n", status.error_code(),
                     status.error_message().c_str());
      }
    }
  }

  // Waits until `n` streams have their first message (or one failed).
  bool AwaitFirstMessages(int n, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto ready = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return first_messages_ >= n || failed_ > 0;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&ready), timeout) &&
           failed_ == 0;
  }
  bool AwaitDone(int n, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto all = [this, n]()
                   ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return done_ >= n; };
    return mu_.AwaitWithTimeout(absl::Condition(&all), timeout);
  }

  void SetMeasuring(bool on) {
    absl::MutexLock lock(&mu_);
    measuring_ = on;
  }
  void SetCancelling() {
    absl::MutexLock lock(&mu_);
    cancelling_ = true;
  }
  int failed() {
    absl::MutexLock lock(&mu_);
    return failed_;
  }
  std::int64_t window_messages() {
    absl::MutexLock lock(&mu_);
    return window_messages_;
  }
  std::vector<double> delays() {
    absl::MutexLock lock(&mu_);
    return delays_ms_;
  }

 private:
  const int steps_;
  std::vector<std::atomic<std::int64_t>> advanced_at_;
  absl::Mutex mu_;
  int first_messages_ ABSL_GUARDED_BY(mu_) = 0;
  int done_ ABSL_GUARDED_BY(mu_) = 0;
  int failed_ ABSL_GUARDED_BY(mu_) = 0;
  bool measuring_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelling_ ABSL_GUARDED_BY(mu_) = false;
  std::int64_t window_messages_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<double> delays_ms_ ABSL_GUARDED_BY(mu_);
};

void WatchStream::Start(v1::TaskService::Stub* stub,
                        const std::string& task_id) {
  context_.AddMetadata("x-account-key", kAccount);
  request_.set_task_id(task_id);
  stub->async()->WatchTask(&context_, &request_, this);
  StartRead(&response_);
  StartCall();
}

void WatchStream::OnReadDone(bool ok) {
  if (!ok) return;  // OnDone follows
  bench_->OnMessage(task_, response_, first_);
  first_ = false;
  StartRead(&response_);
}

void WatchStream::OnDone(const grpc::Status& status) {
  bench_->OnStreamDone(status);
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const auto i =
      static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  return v[i];
}

struct Checkpoint {
  int streams;
  ProcStatus status;
};

int Run() {
  int streams = absl::GetFlag(FLAGS_streams);
  int tasks = absl::GetFlag(FLAGS_tasks);
  int channels = absl::GetFlag(FLAGS_channels);
  int poll_min_ms = absl::GetFlag(FLAGS_poll_min_ms);
  int step_ms = absl::GetFlag(FLAGS_step_ms);
  int measure_s = absl::GetFlag(FLAGS_measure_s);
  std::vector<int> checkpoints;
  for (absl::string_view c :
       absl::StrSplit(absl::GetFlag(FLAGS_checkpoints), ',')) {
    int n = 0;
    if (absl::SimpleAtoi(c, &n) && n > 0) checkpoints.push_back(n);
  }
  if (absl::GetFlag(FLAGS_smoke)) {
    streams = 200;
    tasks = 10;
    channels = 2;
    poll_min_ms = 100;
    step_ms = 100;
    measure_s = 2;
    checkpoints = {100, 200};
  }
  if (std::find(checkpoints.begin(), checkpoints.end(), streams) ==
      checkpoints.end()) {
    checkpoints.push_back(streams);
  }
  std::sort(checkpoints.begin(), checkpoints.end());
  const std::string binary = absl::GetFlag(FLAGS_gateway);
  if (binary.empty() || streams <= 0 || tasks <= 0 || channels <= 0 ||
      poll_min_ms <= 0 || step_ms <= 0 || measure_s <= 0) {
    std::fprintf(stderr, "usage: watch_bench --gateway=PATH [options]\n");
    return 2;
  }

  // Plenty of descriptors for the channels, the simulator and the gateway.
  maesn::bench::RaiseDescriptorLimit();

  const std::string upstream_kind = absl::GetFlag(FLAGS_upstream);
  if (upstream_kind != "sim" && upstream_kind != "epoll") {
    std::fprintf(stderr, "--upstream must be sim or epoll\n");
    return 2;
  }
  const bool use_epoll = upstream_kind == "epoll";
  const std::string work_dir = std::filesystem::temp_directory_path() /
                               absl::StrCat("watch-bench-", getpid());
  std::filesystem::create_directories(work_dir);
  const int latency_ms = absl::GetFlag(FLAGS_latency_ms);
  const int steps = 600 * 1000 / step_ms + 2;  // enough for 10 minutes
  Bench bench(tasks, steps);
  std::vector<std::string> task_ids;
  std::string base_url;
  std::string ca_file;
  std::function<std::int64_t()> requests_seen;
  std::unique_ptr<maesn::sim::MaesnSimulator> sim;
  std::unique_ptr<maesn::bench::EpollUpstream> epoll;
  std::atomic<bool> stop{false};
  std::thread advancer;
  const auto origin = Clock::now();
  const maesn::bench::TimedTasks timed(
      origin, std::chrono::milliseconds(step_ms), tasks);

  if (use_epoll) {
    // Every change time is known: task t reaches step k at
    // timed.ChangeTime(t, k), whether or not anyone polls.
    for (int t = 0; t < tasks; ++t) {
      task_ids.push_back(maesn::bench::TimedTasks::Id(t));
      for (int k = 1; k < steps; ++k) {
        bench.SetAdvanced(t, k,
                          std::chrono::duration_cast<std::chrono::nanoseconds>(
                              timed.ChangeTime(t, k).time_since_epoch())
                              .count());
      }
    }
    auto files = maesn::sim::MakeSelfSignedCert(work_dir);
    if (!files.ok()) {
      std::fprintf(stderr, "certificate: %s\n",
                   files.status().ToString().c_str());
      return 1;
    }
    maesn::bench::EpollUpstreamOptions options;
    options.cert_file = files->cert_file;
    options.key_file = files->key_file;
    options.latency = std::chrono::milliseconds(latency_ms);
    options.handler =
        maesn::bench::MaesnHandler("{}", [&timed](const std::string& id) {
          const int task = timed.Index(id);
          return task < 0 ? -1 : timed.StepAt(task, Clock::now());
        });
    epoll = std::make_unique<maesn::bench::EpollUpstream>(options);
    if (absl::Status s = epoll->Start(); !s.ok()) {
      std::fprintf(stderr, "epoll upstream: %s\n", s.ToString().c_str());
      return 1;
    }
    base_url = epoll->base_url();
    ca_file = files->cert_file;
    requests_seen = [&epoll] { return epoll->requests_seen(); };
  } else {
    // The simulator, with one scripted task per watched task: a change of
    // responseData {"step": k} per step, never terminal.
    maesn::sim::SimulatorOptions sim_options;
    // More workers than the gateway's keep-alive connections: with Maesn
    // answering after latency_ms, about tasks x latency / interval polls are
    // in flight at once, each on its own HTTP/1.1 connection.
    sim_options.worker_threads =
        64 + 2 * tasks * latency_ms / std::max(1, poll_min_ms);
    sim_options.response_delay = std::chrono::milliseconds(latency_ms);
    sim_options.max_recorded_requests = 1000;
    sim = std::make_unique<maesn::sim::MaesnSimulator>(sim_options);
    if (absl::Status s = sim->Start(); !s.ok()) {
      std::fprintf(stderr, "simulator: %s\n", s.ToString().c_str());
      return 1;
    }
    for (int t = 0; t < tasks; ++t) {
      maesn::sim::TaskScript script;
      script.id = absl::StrFormat("bench-task-%04d", t);
      script.integration = "datev-rewe";
      for (int k = 0; k < steps; ++k) {
        maesn::sim::TaskStep step;
        step.status = "IN_PROGRESS";
        maesn::sim::Json data = maesn::sim::Json::object();
        data["step"] = k;
        step.response_data = data;
        script.steps.push_back(std::move(step));
      }
      task_ids.push_back(sim->CreateTask(kAccount, std::move(script)));
    }
    // Every task changes once per step, staggered across the tasks.
    advancer = std::thread([&] {
      for (int k = 1; k < steps && !stop.load(); ++k) {
        for (int t = 0; t < tasks && !stop.load(); ++t) {
          std::this_thread::sleep_until(timed.ChangeTime(t, k));
          bench.SetAdvanced(t, k, NowNs());
          sim->AdvanceTask(kAccount, task_ids[static_cast<std::size_t>(t)]);
        }
      }
    });
    base_url = sim->base_url();
    ca_file = sim->ca_file();
    requests_seen = [&sim] { return sim->RequestsSeen(); };
  }

  GatewayProcess gateway;
  const int port = gateway.Start(binary, base_url, ca_file, work_dir,
                                 poll_min_ms, streams + 100);
  int exit_code = 0;
  std::vector<Checkpoint> samples;
  ProcStatus idle;
  std::int64_t requests = 0;
  double window_s = 0;
  std::vector<std::unique_ptr<WatchStream>> watchers;
  std::vector<std::unique_ptr<v1::TaskService::Stub>> stubs;
  if (port == 0) {
    exit_code = 1;
  } else {
    idle = ReadProcStatus(gateway.pid());
    for (int c = 0; c < channels; ++c) {
      grpc::ChannelArguments args;
      args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // own connection
      stubs.push_back(v1::TaskService::NewStub(
          grpc::CreateCustomChannel(absl::StrCat("127.0.0.1:", port),
                                    grpc::InsecureChannelCredentials(), args)));
    }
    for (int target : checkpoints) {
      while (static_cast<int>(watchers.size()) < target) {
        const int i = static_cast<int>(watchers.size());
        const int task = i % tasks;
        watchers.push_back(std::make_unique<WatchStream>(&bench, task));
        watchers.back()->Start(
            stubs[static_cast<std::size_t>(i % channels)].get(),
            task_ids[static_cast<std::size_t>(task)]);
      }
      if (!bench.AwaitFirstMessages(target, absl::Seconds(120))) {
        std::fprintf(stderr, "streams were not served up to %d\n", target);
        exit_code = 1;
        break;
      }
      samples.push_back({target, ReadProcStatus(gateway.pid())});
    }
    if (exit_code == 0) {
      // Let every loop see a few changes, then measure.
      std::this_thread::sleep_for(std::chrono::milliseconds(3 * poll_min_ms));
      const std::int64_t before = requests_seen();
      const auto start = Clock::now();
      bench.SetMeasuring(true);
      std::this_thread::sleep_for(std::chrono::seconds(measure_s));
      bench.SetMeasuring(false);
      requests = requests_seen() - before;
      window_s = std::chrono::duration<double>(Clock::now() - start).count();
      samples.push_back({-1, ReadProcStatus(gateway.pid())});
    }
    bench.SetCancelling();
    for (auto& w : watchers) w->Cancel();
    if (!bench.AwaitDone(static_cast<int>(watchers.size()),
                         absl::Seconds(60))) {
      std::fprintf(stderr, "streams did not end after cancel\n");
      exit_code = 1;
    }
  }
  if (!gateway.Stop()) exit_code = 1;
  stop.store(true);
  if (advancer.joinable()) advancer.join();
  if (epoll != nullptr) epoll->Stop();
  std::filesystem::remove_all(work_dir);
  if (exit_code != 0 || samples.empty()) return exit_code == 0 ? 1 : exit_code;

  // --- Report ---------------------------------------------------------------
  const std::vector<double> delays = bench.delays();
  const double p50 = Percentile(delays, 0.50);
  const double p99 = Percentile(delays, 0.99);
  const double max = Percentile(delays, 1.0);
  const double intervals = window_s * 1000.0 / poll_min_ms;
  const double per_interval = static_cast<double>(requests) / intervals;
  const ProcStatus& full = samples.back().status;
  const double bytes_per_stream =
      static_cast<double>(full.rss_kb - idle.rss_kb) * 1024.0 / streams;
  long max_threads = idle.threads;
  for (const auto& s : samples)
    max_threads = std::max(max_threads, s.status.threads);

  std::printf("## WatchTask benchmark\n\n");
  std::printf(
      "%d streams over %d tasks, %d client channels, WATCH_POLL_MIN_MS=%d, "
      "each task changes every %d ms, Maesn latency %d ms, %.1f s "
      "window, upstream: %s.\n\n",
      streams, tasks, channels, poll_min_ms, step_ms, latency_ms, window_s,
      use_epoll ? "epoll (one thread, tasks a function of time)" : "simulator");
  std::printf("| open streams | gateway threads | gateway RSS (MB) |\n");
  std::printf("|---:|---:|---:|\n");
  std::printf("| 0 (idle) | %ld | %.1f |\n", idle.threads, idle.rss_mb());
  for (const auto& s : samples) {
    if (s.streams < 0) {
      std::printf("| %d (after the window) | %ld | %.1f |\n", streams,
                  s.status.threads, s.status.rss_mb());
    } else {
      std::printf("| %d | %ld | %.1f |\n", s.streams, s.status.threads,
                  s.status.rss_mb());
    }
  }
  std::printf("\n| metric | value | target |\n|---|---:|---|\n");
  std::printf("| gateway threads (max) | %ld | < 64, flat |\n", max_threads);
  std::printf("| gateway RSS at %d streams | %.1f MB | <= 400 MB |\n", streams,
              full.rss_mb());
  std::printf("| RSS per stream (above idle) | %.0f bytes | |\n",
              bytes_per_stream);
  std::printf("| upstream requests in window | %lld | |\n",
              static_cast<long long>(requests));
  std::printf(
      "| upstream requests per interval / distinct tasks | %.1f / %d = %.3f "
      "| >= 0.95 |\n",
      per_interval, tasks, per_interval / tasks);
  std::printf("| changes delivered in window | %lld (%.0f/s) | |\n",
              static_cast<long long>(bench.window_messages()),
              static_cast<double>(bench.window_messages()) / window_s);
  std::printf("| change -> client delay p50 | %.0f ms | |\n", p50);
  std::printf("| change -> client delay p99 | %.0f ms | <= %d ms |\n", p99,
              poll_min_ms + latency_ms + 100);
  std::printf("| change -> client delay max | %.0f ms | |\n", max);
  std::printf("| streams failed | %d | 0 |\n", bench.failed());
  std::fflush(stdout);

  // Machinery checks (not the performance targets, which depend on the
  // machine): every stream served, changes delivered, one poll per task
  // per interval at most.
  if (bench.failed() > 0 || delays.empty() || per_interval / tasks > 1.2) {
    std::fprintf(stderr, "watch_bench: FAILED\n");
    return 1;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  signal(SIGPIPE, SIG_IGN);
  return Run();
}
