// maesn-hop-server: the gRPC hop alone, with the gateway's server settings
// (callback API, InvoiceService/GetInvoice, reactors gRPC may run inline),
// answering every GetInvoice UNAUTHENTICATED with no other work, either
//
//   --answer=inline   on the gRPC thread that received the call (what the
//                     gateway does for a call without x-account-key), or
//   --answer=thread   from another thread: the call is queued for a thread
//                     that waits in epoll_wait on an eventfd, as the
//                     gateway's upstream event loop waits for Maesn's
//                     answer, and calls Finish there.
//
// overhead_bench runs both and reports the difference: what answering from a
// thread other than gRPC's own costs with gRPC 1.51's callback API, which
// every non-blocking gateway pays once per call (section i4.).
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
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/synchronization/mutex.h"
#include "maesn/accounting/v1/invoice.grpc.pb.h"

ABSL_FLAG(std::string, answer, "inline",
          "Where calls are answered: inline (on gRPC's thread) or thread "
          "(from a thread woken through an eventfd).");
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
// eventfd the way the gateway's event loop is woken by a socket.
class AnswerThread {
 public:
  AnswerThread()
      : wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)),
        epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = wake_fd_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
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
    ::close(wake_fd_);
  }
  AnswerThread(const AnswerThread&) = delete;
  AnswerThread& operator=(const AnswerThread&) = delete;

  void Answer(grpc::ServerUnaryReactor* reactor) {
    bool was_empty = false;
    {
      absl::MutexLock lock(&mu_);
      was_empty = queue_.empty();
      queue_.push_back(reactor);
    }
    if (was_empty) Wake();
  }

 private:
  void Wake() {
    const std::uint64_t one = 1;
    while (::write(wake_fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }

  void Run() {
    std::vector<grpc::ServerUnaryReactor*> batch;
    for (;;) {
      epoll_event ev{};
      if (::epoll_wait(epoll_fd_, &ev, 1, -1) < 0 && errno != EINTR) return;
      std::uint64_t count = 0;
      while (::read(wake_fd_, &count, sizeof count) < 0 && errno == EINTR) {
      }
      {
        absl::MutexLock lock(&mu_);
        batch.swap(queue_);
        if (stop_ && batch.empty()) return;
      }
      for (grpc::ServerUnaryReactor* r : batch) r->Finish(Unauthenticated());
      batch.clear();
    }
  }

  const int wake_fd_;
  const int epoll_fd_;
  absl::Mutex mu_;
  std::vector<grpc::ServerUnaryReactor*> queue_ ABSL_GUARDED_BY(mu_);
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
  if (answer != "inline" && answer != "thread") {
    std::fprintf(stderr, "--answer: inline or thread, not '%s'\n",
                 answer.c_str());
    return 2;
  }
  std::unique_ptr<AnswerThread> answer_thread;
  if (answer == "thread") answer_thread = std::make_unique<AnswerThread>();
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
