// maesn-hop-server: the gRPC hop alone, with the gateway's server settings
// (callback API, InvoiceService/GetInvoice, reactors gRPC may run inline),
// answering every GetInvoice UNAUTHENTICATED with no other work, either
//
//   --answer=inline   on the gRPC thread that received the call (what the
//                     gateway does for a call without x-account-key), or
//   --answer=thread   from another thread: the call is queued for a thread
//                     that waits in epoll_wait on an eventfd, as the
//                     gateway's upstream event loop waits for Maesn's
//                     answer, and calls Finish there; calls that arrive
//                     together are answered together, or
//   --answer=spread   from that thread, each call at its own time: arrival
//                     plus a uniformly random delay below --spread (a
//                     timerfd wakes the thread), the way answers from Maesn
//                     come back one by one on their own connections.
//
// overhead_bench runs them and reports the differences: what answering from
// a thread other than gRPC's own costs with gRPC 1.51's callback API, which
// every non-blocking gateway pays once per call, and what answering one by
// one costs on top (section i4.).
//
//   maesn-hop-server --answer=thread --port_file=FILE
//
// Serves the standard health service; writes its port to --port_file once
// listening; SIGTERM or SIGINT stops it.
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/random/random.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "maesn/accounting/v1/invoice.grpc.pb.h"

ABSL_FLAG(std::string, answer, "inline",
          "Where calls are answered: inline (on gRPC's thread), thread "
          "(from a thread woken through an eventfd) or spread (from that "
          "thread, each call after its own random delay below --spread).");
ABSL_FLAG(absl::Duration, spread, absl::Milliseconds(1),
          "--answer=spread: each call is answered after a uniformly random "
          "delay in [0, spread).");
ABSL_FLAG(std::string, listen, "127.0.0.1:0", "Address to serve on.");
ABSL_FLAG(std::string, port_file, "", "Write the bound port here.");

namespace maesn::bench {
namespace {

namespace v1 = ::maesn::accounting::v1;

// What the gateway answers a call without x-account-key.
grpc::Status Unauthenticated() {
  return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                      "x-account-key is missing");
}

// A thread that finishes the reactors handed to it, woken through an
// eventfd the way the gateway's event loop is woken by a socket: all queued
// calls at once, or (with a spread) each when its own random delay is up,
// through a timerfd.
class AnswerThread {
 public:
  explicit AnswerThread(absl::Duration spread)
      : spread_(spread),
        wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
        timer_fd_(
            ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)),
        epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    for (int fd : {wake_fd_, timer_fd_}) {
      epoll_event ev{};
      ev.events = EPOLLIN;
      ev.data.fd = fd;
      ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
    }
    thread_ = std::thread([this] { Run(); });
  }
  ~AnswerThread() {
    {
      absl::MutexLock lock(&mu_);
      stop_ = true;
    }
    Wake();
    thread_.join();
    ::close(epoll_fd_);
    ::close(timer_fd_);
    ::close(wake_fd_);
  }
  AnswerThread(const AnswerThread&) = delete;
  AnswerThread& operator=(const AnswerThread&) = delete;

  void Answer(grpc::ServerUnaryReactor* reactor) {
    if (spread_ <= absl::ZeroDuration()) {
      bool was_empty = false;
      {
        absl::MutexLock lock(&mu_);
        was_empty = queue_.empty();
        queue_.push_back(reactor);
      }
      if (was_empty) Wake();
      return;
    }
    absl::MutexLock lock(&mu_);
    const absl::Time due =
        absl::Now() + absl::Uniform(bitgen_, 0.0, 1.0) * spread_;
    const bool earliest = pending_.empty() || due < pending_.top().due;
    pending_.push(Pending{due, reactor});
    if (earliest) ArmLocked(due);
  }

 private:
  struct Pending {
    absl::Time due;
    grpc::ServerUnaryReactor* reactor;
    bool operator>(const Pending& other) const { return due > other.due; }
  };

  void Wake() {
    const std::uint64_t one = 1;
    while (::write(wake_fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }

  void ArmLocked(absl::Time due) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const absl::Duration wait =
        std::max(due - absl::Now(), absl::Nanoseconds(1));
    itimerspec spec{};
    spec.it_value = absl::ToTimespec(wait);
    ::timerfd_settime(timer_fd_, 0, &spec, nullptr);
  }

  // Moves what is due now into `batch`, re-arming for the next one.
  void TakeDueLocked(std::vector<grpc::ServerUnaryReactor*>& batch)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    batch.swap(queue_);
    const absl::Time now = absl::Now();
    while (!pending_.empty() && (stop_ || pending_.top().due <= now)) {
      batch.push_back(pending_.top().reactor);
      pending_.pop();
    }
    if (!pending_.empty()) ArmLocked(pending_.top().due);
  }

  void Run() {
    std::vector<grpc::ServerUnaryReactor*> batch;
    for (;;) {
      epoll_event events[2];
      const int n = ::epoll_wait(epoll_fd_, events, 2, -1);
      if (n < 0 && errno != EINTR) return;
      for (int i = 0; i < n; ++i) {
        std::uint64_t count = 0;
        while (::read(events[i].data.fd, &count, sizeof count) < 0 &&
               errno == EINTR) {
        }
      }
      bool stop = false;
      {
        absl::MutexLock lock(&mu_);
        TakeDueLocked(batch);
        stop = stop_;
      }
      for (grpc::ServerUnaryReactor* r : batch) r->Finish(Unauthenticated());
      batch.clear();
      if (stop) return;
    }
  }

  const absl::Duration spread_;
  const int wake_fd_;
  const int timer_fd_;
  const int epoll_fd_;
  absl::Mutex mu_;
  std::vector<grpc::ServerUnaryReactor*> queue_ ABSL_GUARDED_BY(mu_);
  std::priority_queue<Pending, std::vector<Pending>, std::greater<Pending>>
      pending_ ABSL_GUARDED_BY(mu_);
  absl::BitGen bitgen_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

class HopService final : public v1::InvoiceService::CallbackService {
 public:
  explicit HopService(AnswerThread* answer_thread)
      : answer_thread_(answer_thread) {}

  grpc::ServerUnaryReactor* GetInvoice(
      grpc::CallbackServerContext* context,
      const v1::GetInvoiceRequest* /*request*/,
      v1::GetInvoiceResponse* /*response*/) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (answer_thread_ == nullptr) {
      reactor->Finish(Unauthenticated());
    } else {
      answer_thread_->Answer(reactor);
    }
    return reactor;
  }

 private:
  AnswerThread* const answer_thread_;
};

grpc::Server* running = nullptr;

void OnSignal(int /*signal*/) {
  // Shutdown() may not be called from a signal handler; a thread does it.
  std::thread([] { running->Shutdown(); }).detach();
}

int Run() {
  const std::string answer = absl::GetFlag(FLAGS_answer);
  if (answer != "inline" && answer != "thread" && answer != "spread") {
    std::fprintf(stderr, "--answer: inline, thread or spread, not '%s'\n",
                 answer.c_str());
    return 2;
  }
  std::unique_ptr<AnswerThread> answer_thread;
  if (answer != "inline") {
    answer_thread = std::make_unique<AnswerThread>(
        answer == "spread" ? absl::GetFlag(FLAGS_spread)
                           : absl::ZeroDuration());
  }
  HopService service(answer_thread.get());
  grpc::EnableDefaultHealthCheckService(true);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen),
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "could not serve on %s\n",
                 absl::GetFlag(FLAGS_listen).c_str());
    return 1;
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    const std::string tmp = port_file + ".tmp";
    std::ofstream(tmp) << port << "\n";
    std::rename(tmp.c_str(), port_file.c_str());
  }
  running = server.get();
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);
  server->Wait();
  return 0;
}

}  // namespace
}  // namespace maesn::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return maesn::bench::Run();
}
