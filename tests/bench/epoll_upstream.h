// A Maesn stand-in for the latency benchmarks: a single-threaded HTTPS/1.1
// server on one epoll loop. It holds neither a thread nor a polling loop per
// connection or per delayed answer: sockets are non-blocking, TLS is
// OpenSSL's non-blocking state machine, and every answer waits for its
// `latency_ms` in a timer heap driven by one timerfd in the same loop. So at
// 2,048 keep-alive connections with 200 ms of latency it is one thread that
// sleeps in epoll_wait between events, and what a benchmark measures is the
// gateway, not the upstream.
//
// HTTP/1.1 only: keep-alive, requests with Content-Length bodies (or none),
// pipelined and partial requests; answers are identity-encoded with a
// Content-Length. Answers on one connection leave in request order.
//
// Fault injection (EpollUpstreamOptions::faults) works like the simulator's
// fault plan (tests/sim/fault_plan.h, "rate", "pool", "seed"): a seeded share
// of the requests gets a fault picked uniformly from a pool, either an
// answer that replaces the handler's or the handler's answer held longer.
#ifndef MAESN_TESTS_BENCH_EPOLL_UPSTREAM_H_
#define MAESN_TESTS_BENCH_EPOLL_UPSTREAM_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace maesn::bench {

// One parsed request. Header names are lower-cased.
struct UpstreamRequest {
  std::string method;
  std::string target;  // path and query, as sent
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The value of header `lower_name`, if present.
  std::optional<std::string> Header(const std::string& lower_name) const;
};

struct UpstreamResponse {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  // The Content-Type header; empty = none.
  std::string content_type = "application/json";
  // Held this much longer than the upstream's latency (a late answer).
  std::chrono::milliseconds extra_delay{0};
};

// One injected fault: `response` replaces the handler's answer; without
// one, the handler's answer is held `delay` longer (a late answer). A
// replacing answer is held `delay` longer too.
struct UpstreamFault {
  std::string kind;  // a name, for the counts
  std::optional<UpstreamResponse> response;
  std::chrono::milliseconds delay{0};
};

// Which requests get a fault: each request with probability `rate`, the
// fault picked uniformly from `pool`; both choices from one generator
// seeded with `seed`, so a run is repeatable for the same request order.
struct UpstreamFaultPlan {
  double rate = 0;
  std::vector<UpstreamFault> pool;
  std::uint64_t seed = 1;
};

// Called on the loop thread when a request is complete (the answer is then
// held for the latency). Must not block.
using UpstreamHandler =
    std::function<UpstreamResponse(const UpstreamRequest& request)>;

struct EpollUpstreamOptions {
  std::string cert_file;  // PEM server certificate
  std::string key_file;   // PEM private key
  std::chrono::milliseconds latency{0};
  UpstreamHandler handler;
  UpstreamFaultPlan faults;
  std::string host = "127.0.0.1";
  int port = 0;  // 0: any free port
};

class EpollUpstream {
 public:
  explicit EpollUpstream(EpollUpstreamOptions options);
  ~EpollUpstream();
  EpollUpstream(const EpollUpstream&) = delete;
  EpollUpstream& operator=(const EpollUpstream&) = delete;

  // Loads the certificate, binds and listens; then port() is valid.
  absl::Status Bind();
  // Runs the loop on the calling thread until Stop().
  void Run();
  // Bind() and Run() on a thread of its own.
  absl::Status Start();
  // Ends Run() (from any thread; safe in a signal handler) and joins the
  // thread of Start(). Connections are closed.
  void Stop();

  int port() const { return port_; }
  std::string base_url() const;

  // Requests answered or waiting, since the start.
  std::int64_t requests_seen() const { return requests_.load(); }
  // TCP connections accepted, since the start.
  std::int64_t connections_accepted() const { return accepted_.load(); }
  // Connections open now.
  std::int64_t connections_open() const { return open_.load(); }
  // Faults injected since the start: in all, and by kind.
  std::int64_t faults_injected() const { return faults_.load(); }
  std::map<std::string, std::int64_t> faults_by_kind() const;

 private:
  struct Impl;

  EpollUpstreamOptions options_;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
  std::thread thread_;
  std::atomic<std::int64_t> requests_{0};
  std::atomic<std::int64_t> accepted_{0};
  std::atomic<std::int64_t> open_{0};
  std::atomic<std::int64_t> faults_{0};
  mutable std::mutex faults_mu_;
  std::map<std::string, std::int64_t> faults_by_kind_;  // guarded by faults_mu_
};

// The answers the benchmarks need, in Maesn's {meta, data} envelope.

// GET /accounting/invoices/{id}: `invoice_body` (a whole envelope, e.g.
// bench::InvoiceBody(1)); GET /accounting/asyncTask/{id}: TaskBody of
// `task_step(id)` when it returns a step >= 0, else 404; anything else 404.
UpstreamHandler MaesnHandler(
    std::string invoice_body,
    std::function<int(const std::string& task_id)> task_step);

// The AsyncTaskResponseDto of a task that is IN_PROGRESS at `step`, with
// responseData {"step": step}, in its envelope (as the simulator's scripted
// tasks of watch_bench answer).
std::string TaskBody(int step);

// Tasks whose state is a pure function of time: task t of `tasks` ("bench-
// task-%04d") is at step k from origin + k * step_ms + t * step_ms / tasks
// (staggered), step 0 before its first change.
class TimedTasks {
 public:
  TimedTasks(std::chrono::steady_clock::time_point origin,
             std::chrono::milliseconds step, int tasks);

  static std::string Id(int task);
  // The task's index, or -1 for an id that is not one of ours.
  int Index(const std::string& id) const;
  // When task `task` moves to `step` (step >= 1).
  std::chrono::steady_clock::time_point ChangeTime(int task, int step) const;
  int StepAt(int task, std::chrono::steady_clock::time_point now) const;

 private:
  std::chrono::steady_clock::time_point origin_;
  std::chrono::microseconds step_;
  int tasks_;
};

// Lets this process open as many descriptors as its hard limit allows (a
// benchmark holds thousands of connections); leaves it as it is otherwise.
void RaiseDescriptorLimit();

}  // namespace maesn::bench

#endif  // MAESN_TESTS_BENCH_EPOLL_UPSTREAM_H_
