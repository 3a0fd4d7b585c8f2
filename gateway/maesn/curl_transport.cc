#include "gateway/maesn/curl_transport.h"

#include <curl/curl.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gateway/common/errors.h"

namespace maesn::gateway {
namespace {

using Work = absl::AnyInvocable<void() &&>;

absl::Status Sent(absl::Status s, bool sent) {
  return WithErrorMetadata(std::move(s), "request_sent",
                           sent ? "true" : "false");
}

// libcurl's process-wide set-up, once, before the first handle exists.
bool CurlReady() {
  static const bool kReady = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return kReady;
}

bool CurlHasHttp2() {
  const curl_version_info_data* v = curl_version_info(CURLVERSION_NOW);
  return v != nullptr && (v->features & CURL_VERSION_HTTP2) != 0;
}

// A duration as libcurl's milliseconds, never below 1 (0 = "no timeout").
long CurlMillis(absl::Duration d) {
  return static_cast<long>(
      std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 1, LONG_MAX));
}

// Header names and values go out byte for byte: refuse what would split or
// end a header line.
bool SafeHeaderText(absl::string_view s) {
  return s.find_first_of(absl::string_view("\r\n\0", 3)) ==
         absl::string_view::npos;
}

// Consumes the count of an eventfd or timerfd (non-blocking), so that epoll
// stops reporting it readable.
void ReadCounter(int fd) {
  std::uint64_t count = 0;
  while (::read(fd, &count, sizeof count) < 0 && errno == EINTR) {
  }
}

// The queue through which any thread hands work to one event loop, and the
// eventfd that wakes it. Shared with operation handles, which may outlive
// the loop: once closed it drops what it is given.
class Inbox {
 public:
  Inbox() : wake_fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {}
  ~Inbox() {
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }
  Inbox(const Inbox&) = delete;
  Inbox& operator=(const Inbox&) = delete;

  // Readable while work waits; -1 if it could not be made.
  int wake_fd() const { return wake_fd_; }

  // Queues `work` and wakes the loop; false (and `work` dropped) once the
  // loop has closed the inbox.
  bool Post(Work work) {
    absl::MutexLock lock(&mu_);
    if (closed_) return false;
    queue_.push_back(std::move(work));
    Wake();
    return true;
  }
  void Stop() {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    if (!closed_) Wake();
  }
  // Loop side: what was queued since the last call.
  std::vector<Work> Take(bool* stopping) {
    absl::MutexLock lock(&mu_);
    if (woken_) {
      ReadCounter(wake_fd_);
      woken_ = false;
    }
    *stopping = stopping_;
    return std::exchange(queue_, {});
  }
  // Loop side, at shutdown: what is queued, or (when nothing is) closes the
  // inbox for good and returns nothing.
  std::vector<Work> TakeOrClose() {
    absl::MutexLock lock(&mu_);
    if (queue_.empty()) closed_ = true;
    return std::exchange(queue_, {});
  }

 private:
  void Wake() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    // One wake-up per loop turn is enough.
    if (woken_) return;
    woken_ = true;
    const std::uint64_t one = 1;
    while (::write(wake_fd_, &one, sizeof one) < 0 && errno == EINTR) {
    }
  }

  const int wake_fd_;
  absl::Mutex mu_;
  std::vector<Work> queue_ ABSL_GUARDED_BY(mu_);
  bool woken_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

// One transfer. Its loop state is touched under its loop's mutex only.
class CurlTransport::TransferOp final
    : public AsyncOperation,
      public std::enable_shared_from_this<TransferOp> {
 public:
  TransferOp(std::shared_ptr<Inbox> inbox, Loop* loop, HttpRequest req,
             absl::Time started, absl::Time deadline, Done on_done)
      : request(std::move(req)),
        start(started),
        caller_deadline(deadline),
        done(std::move(on_done)),
        inbox_(std::move(inbox)),
        loop_(loop) {}
  void Cancel() override;

  HttpRequest request;
  const absl::Time start;
  const absl::Time caller_deadline;
  Done done;
  // Loop state (under the loop's mu_).
  CURL* easy = nullptr;
  curl_slist* headers = nullptr;
  std::size_t body_sent = 0;
  std::size_t max_response_bytes = 0;
  HttpResponse response;
  bool too_large = false;
  // The connection was up and the request about to leave (it may have
  // reached Maesn from then on).
  bool request_started = false;
  bool finished = false;
  // Set when building the handle: which limit the total timeout came from.
  bool caller_deadline_first = false;
  bool connect_limited_by_caller = false;

 private:
  std::shared_ptr<Inbox> inbox_;
  Loop* const loop_;  // only dereferenced by work run on that loop
  std::atomic<bool> cancel_requested_{false};
};

// One timer.
class CurlTransport::TimerOp final
    : public AsyncOperation,
      public std::enable_shared_from_this<TimerOp> {
 public:
  TimerOp(std::shared_ptr<Inbox> inbox, Loop* loop, absl::Time when,
          Callback on_due)
      : due(when),
        callback(std::move(on_due)),
        inbox_(std::move(inbox)),
        loop_(loop) {}

  void Cancel() override;

  const absl::Time due;
  Callback callback;
  bool finished = false;  // loop thread only

 private:
  std::shared_ptr<Inbox> inbox_;
  Loop* const loop_;
  std::atomic<bool> cancel_requested_{false};
};

// One event-loop thread with its curl multi handle (connection pool, DNS
// cache), TLS session cache, timers and transfers.
//
// The loop waits in epoll for its sockets (registered through libcurl's
// socket callback), for libcurl's next timeout (a timerfd) and for posted
// work (the inbox's eventfd), and drives libcurl with
// curl_multi_socket_action: each turn costs what became ready, not the
// number of connections. `mu_` guards every libcurl call on the multi and
// its handles: the loop holds it while it drives libcurl and releases it
// before it waits and before it runs completion callbacks. So a thread
// that starts a request while the loop waits starts it itself: it adds the
// handle and lets libcurl write the request at once (no wake-up of the
// loop, which the answer then wakes); when the loop is busy the request is
// posted to it instead. Completion callbacks always run on the loop
// thread, outside `mu_`.
class CurlTransport::Loop {
 public:
  Loop(const CurlTransportOptions& options, const std::string& base_url,
       bool http2, Counters& counters, int index)
      : options_(options),
        base_url_(base_url),
        http2_(http2),
        counters_(counters),
        multi_(curl_multi_init()),
        share_(curl_share_init()),
        inbox_(std::make_shared<Inbox>()),
        epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
        timer_fd_(
            ::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) {
    if (multi_ == nullptr || share_ == nullptr || epoll_fd_ < 0 ||
        timer_fd_ < 0 || inbox_->wake_fd() < 0 ||
        !Watch(inbox_->wake_fd(), EPOLLIN) || !Watch(timer_fd_, EPOLLIN)) {
      return;
    }
    curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &OnSocket);
    curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &OnTimer);
    curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
    curl_multi_setopt(multi_, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);
    // Beyond the cap, requests wait inside libcurl for a free connection
    // (their deadlines still run).
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
                      static_cast<long>(options_.max_connections));
    curl_multi_setopt(multi_, CURLMOPT_MAXCONNECTS,
                      static_cast<long>(options_.max_idle_connections));
    // Used under mu_ only: no locking callbacks needed.
    curl_share_setopt(share_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    thread_ = std::thread([this, index] {
      pthread_setname_np(pthread_self(),
                         absl::StrCat("maesn-curl-", index).c_str());
      Run();
    });
  }

  ~Loop() {
    Stop();
    if (!stopped_thread_) {  // else the loop cleaned up its handles itself
      if (multi_ != nullptr) curl_multi_cleanup(multi_);
      if (share_ != nullptr) curl_share_cleanup(share_);
    }
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (timer_fd_ >= 0) ::close(timer_fd_);
  }

  // Ends what the loop still runs (callbacks see CANCELLED) and joins its
  // thread; later work is refused. Idempotent.
  void Stop() {
    if (thread_.joinable() && thread_.get_id() == std::this_thread::get_id()) {
      // A completion callback dropped the last owner of the transport, or
      // stopped it. The loop cannot join itself; say so instead of an
      // opaque std::system_error.
      std::fputs(
          "fatal: CurlTransport stopped or destroyed on its own event-loop "
          "thread (from a completion callback)\n",
          stderr);
      std::abort();
    }
    inbox_->Stop();
    if (thread_.joinable()) {
      thread_.join();
      stopped_thread_ = true;
    }
  }

  bool ok() const { return thread_.joinable(); }
  const std::shared_ptr<Inbox>& inbox() const { return inbox_; }

  // Any thread: starts `op` at once when the loop is not busy, so that the
  // request leaves without waking the loop. False (nothing done) when the
  // loop holds mu_ or is stopping: then post Add() instead.
  bool TryAddInline(const std::shared_ptr<TransferOp>& op) {
    if (!mu_.TryLock()) return false;
    if (stopping_) {
      mu_.Unlock();
      return false;
    }
    Completions done;
    AddLocked(op, done);
    mu_.Unlock();
    if (!done.empty()) PostCompletions(std::move(done));
    return true;
  }

  // --- On the loop thread ---------------------------------------------

  void Add(const std::shared_ptr<TransferOp>& op) {
    Completions done;
    {
      absl::MutexLock lock(&mu_);
      AddLocked(op, done);
    }
    RunCompletions(done);
  }

  void Cancel(const std::shared_ptr<TransferOp>& op) {
    Completions done;
    {
      absl::MutexLock lock(&mu_);
      if (op->finished) return;
      if (op->easy != nullptr) {
        active_.erase(op->easy);
        // Closes an HTTP/1.1 connection at once; resets an HTTP/2 stream.
        curl_multi_remove_handle(multi_, op->easy);
      }
      Complete(op,
               Sent(absl::CancelledError("the caller cancelled the call"),
                    op->request_started),
               done);
      Drive(/*force=*/false, done);
    }
    RunCompletions(done);
  }

  void AddTimer(std::shared_ptr<TimerOp> op) {
    if (Stopping())
      return FireTimer(*op, absl::CancelledError("shutting down"));
    const absl::Time due = op->due;
    timers_.emplace(due, std::move(op));
  }

  void CancelTimer(TimerOp& op) {
    if (op.finished) return;
    auto range = timers_.equal_range(op.due);
    for (auto it = range.first; it != range.second; ++it) {
      if (it->second.get() == &op) {
        std::shared_ptr<TimerOp> keep = std::move(it->second);
        timers_.erase(it);
        return FireTimer(*keep, absl::CancelledError("timer cancelled"));
      }
    }
  }

 private:
  bool Stopping() {
    absl::MutexLock lock(&mu_);
    return stopping_;
  }

  // A transfer that ended, and what its callback receives.
  struct Completion {
    std::shared_ptr<TransferOp> op;
    absl::StatusOr<HttpResponse> result;
  };
  using Completions = std::vector<Completion>;

  void Run() {
    constexpr int kMaxEvents = 64;
    epoll_event events[kMaxEvents];
    for (;;) {
      bool stop = false;
      for (Work& w : inbox_->Take(&stop)) std::move(w)();
      if (stop) break;
      RunDueTimers();
      const int n = ::epoll_wait(epoll_fd_, events, kMaxEvents, WaitMs());
      Completions done;
      {
        absl::MutexLock lock(&mu_);
        int running = 0;
        for (int i = 0; i < n; ++i) {
          const int fd = events[i].data.fd;
          if (fd == inbox_->wake_fd()) continue;  // Take() reads it
          if (fd == timer_fd_) {
            ReadCounter(timer_fd_);
            timeout_due_ = true;
            continue;
          }
          const std::uint32_t ev = events[i].events;
          int action = 0;
          if (ev & EPOLLIN) action |= CURL_CSELECT_IN;
          if (ev & EPOLLOUT) action |= CURL_CSELECT_OUT;
          if (ev & (EPOLLERR | EPOLLHUP)) action |= CURL_CSELECT_ERR;
          curl_multi_socket_action(multi_, fd, action, &running);
        }
        Drive(/*force=*/false, done);
      }
      RunCompletions(done);
    }
    Shutdown();
    // Every libcurl call, teardown included, happens under mu_. Spare
    // handles still use the share, so they go first.
    absl::MutexLock lock(&mu_);
    for (CURL* easy : spare_) curl_easy_cleanup(easy);
    spare_.clear();
    curl_multi_cleanup(multi_);  // closes the pooled connections
    curl_share_cleanup(share_);
  }

  // Ends everything still running (callbacks see CANCELLED), then closes
  // the inbox; what callbacks queue meanwhile is cancelled as well.
  void Shutdown() {
    Completions done;
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      auto active = std::exchange(active_, {});
      for (auto& [easy, op] : active) {
        curl_multi_remove_handle(multi_, easy);
        Complete(op,
                 Sent(absl::CancelledError("the gateway is shutting down"),
                      op->request_started),
                 done);
      }
    }
    RunCompletions(done);
    auto timers = std::exchange(timers_, {});
    for (auto& [due, op] : timers) {
      FireTimer(*op, absl::CancelledError("shutting down"));
    }
    for (;;) {
      std::vector<Work> work = inbox_->TakeOrClose();
      if (work.empty()) break;
      for (Work& w : work) std::move(w)();
    }
  }

  // epoll_wait's timeout: the next timer of ours (libcurl's own timeout is
  // the timerfd).
  int WaitMs() const {
    constexpr int64_t kIdleMs = 10000;
    if (timers_.empty()) return static_cast<int>(kIdleMs);
    const absl::Duration wait = timers_.begin()->first - absl::Now();
    return static_cast<int>(std::clamp<int64_t>(
        absl::ToInt64Milliseconds(absl::Ceil(wait, absl::Milliseconds(1))), 0,
        kIdleMs));
  }

  void RunDueTimers() {
    const absl::Time now = absl::Now();
    while (!timers_.empty() && timers_.begin()->first <= now) {
      std::shared_ptr<TimerOp> op = std::move(timers_.begin()->second);
      timers_.erase(timers_.begin());
      FireTimer(*op, absl::OkStatus());
    }
  }

  void FireTimer(TimerOp& op, absl::Status status) {
    if (op.finished) return;
    op.finished = true;
    std::move(op.callback)(std::move(status));
    op.callback = nullptr;
  }

  // --- Driving libcurl (under mu_) --------------------------------------

  bool Watch(int fd, std::uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.fd = fd;
    return ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) == 0;
  }

  // libcurl: which of a socket's events to wait for. Called inside libcurl,
  // so under mu_, on whichever thread drives it; epoll_ctl is thread-safe,
  // and a loop waiting in epoll_wait sees the change.
  static int OnSocket(CURL*, curl_socket_t fd, int what, void* p,
                      void* socketp) {
    auto* loop = static_cast<Loop*>(p);
    if (what == CURL_POLL_REMOVE) {
      if (socketp != nullptr) {
        ::epoll_ctl(loop->epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
        curl_multi_assign(loop->multi_, fd, nullptr);
      }
      return 0;
    }
    epoll_event ev{};
    ev.events = ((what & CURL_POLL_IN) != 0 ? EPOLLIN : 0u) |
                ((what & CURL_POLL_OUT) != 0 ? EPOLLOUT : 0u);
    ev.data.fd = fd;
    int op = socketp == nullptr ? EPOLL_CTL_ADD : EPOLL_CTL_MOD;
    if (::epoll_ctl(loop->epoll_fd_, op, fd, &ev) != 0) {
      // Re-used descriptor numbers: add what is unknown, modify what is
      // already there.
      op = errno == EEXIST ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
      ::epoll_ctl(loop->epoll_fd_, op, fd, &ev);
    }
    if (socketp == nullptr) curl_multi_assign(loop->multi_, fd, loop);
    return 0;
  }

  // libcurl: when to call it next without socket activity. 0 = at once
  // (Drive() does, before mu_ is released), -1 = never.
  static int OnTimer(CURLM*, long timeout_ms, void* p) {
    auto* loop = static_cast<Loop*>(p);
    loop->mu_.AssertHeld();  // called inside libcurl
    if (timeout_ms == 0) {
      loop->timeout_due_ = true;
      return 0;
    }
    itimerspec spec{};
    if (timeout_ms > 0) {
      spec.it_value.tv_sec = timeout_ms / 1000;
      spec.it_value.tv_nsec = (timeout_ms % 1000) * 1000000L;
    }
    ::timerfd_settime(loop->timer_fd_, 0, &spec, nullptr);
    return 0;
  }

  // Runs libcurl's due timeouts (all of them when `force`) and collects
  // what completed, until libcurl wants no immediate turn (removing a
  // finished handle may hand its connection to a waiting one).
  void Drive(bool force, Completions& done) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    constexpr int kMaxTurns = 16;
    int running = 0;
    for (int turn = 0; turn < kMaxTurns; ++turn) {
      if (force || timeout_due_) {
        force = false;
        timeout_due_ = false;
        curl_multi_socket_action(multi_, CURL_SOCKET_TIMEOUT, 0, &running);
      }
      Reap(done);
      if (!timeout_due_) return;
    }
    // Still more to do: come back through the timerfd rather than spin here
    // while holding mu_.
    timeout_due_ = false;
    itimerspec spec{};
    spec.it_value.tv_nsec = 1;
    ::timerfd_settime(timer_fd_, 0, &spec, nullptr);
  }

  void AddLocked(const std::shared_ptr<TransferOp>& op, Completions& done)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (stopping_) {
      return Complete(
          op,
          Sent(absl::CancelledError("the gateway is shutting down; the "
                                    "request to Maesn was not sent"),
               false),
          done);
    }
    const absl::Time now = absl::Now();
    const absl::Time budget_deadline =
        op->start + options_.connect_timeout + options_.read_timeout;
    const absl::Time end = std::min(budget_deadline, op->caller_deadline);
    if (now >= end) {
      if (op->caller_deadline <= budget_deadline) {
        return Complete(op,
                        Sent(absl::DeadlineExceededError(
                                 "deadline expired before the request "
                                 "to Maesn was sent"),
                             false),
                        done);
      }
      return Complete(op, BudgetExceeded(false), done);
    }
    op->caller_deadline_first = op->caller_deadline <= budget_deadline;
    op->connect_limited_by_caller =
        op->caller_deadline <= now + options_.connect_timeout;
    if (absl::Status s = Prepare(*op, end - now); !s.ok()) {
      return Complete(op, Sent(std::move(s), false), done);
    }
    if (curl_multi_add_handle(multi_, op->easy) != CURLM_OK) {
      return Complete(
          op,
          Sent(absl::InternalError("the request to Maesn could not be queued"),
               false),
          done);
    }
    active_.emplace(op->easy, op);
    // Starts the transfer now: on a pooled connection the request leaves
    // before this returns.
    Drive(/*force=*/true, done);
  }

  // Completed transfers.
  void Reap(Completions& done) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      CURL* easy = msg->easy_handle;
      const CURLcode rc = msg->data.result;
      auto it = active_.find(easy);
      if (it == active_.end()) continue;
      std::shared_ptr<TransferOp> op = std::move(it->second);
      active_.erase(it);
      CountConnection(easy);
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      curl_multi_remove_handle(multi_, easy);
      if (rc == CURLE_OK) {
        op->response.status = static_cast<int>(status);
        HttpResponse response = std::move(op->response);
        Complete(op, std::move(response), done);
      } else {
        absl::Status error = MapError(*op, rc);
        Complete(op, std::move(error), done);
      }
    }
  }

  // Ends `op` once: releases its curl handle and queues its callback.
  void Complete(const std::shared_ptr<TransferOp>& op,
                absl::StatusOr<HttpResponse> result, Completions& done)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (op->finished) return;
    op->finished = true;
    if (op->easy != nullptr) Release(op->easy);
    op->easy = nullptr;
    if (op->headers != nullptr) curl_slist_free_all(op->headers);
    op->headers = nullptr;
    op->request = HttpRequest{};  // credentials go as soon as not needed
    counters_.in_flight.fetch_sub(1);
    done.push_back(Completion{op, std::move(result)});
  }

  // Runs callbacks, outside mu_ (they may start requests).
  static void RunCompletions(Completions& done) {
    for (Completion& c : done) {
      Done callback = std::move(c.op->done);
      std::move(callback)(std::move(c.result));
    }
    done.clear();
  }

  // From a thread other than the loop's: callbacks never run there.
  void PostCompletions(Completions done) {
    auto shared = std::make_shared<Completions>(std::move(done));
    if (!inbox_->Post([shared] { RunCompletions(*shared); })) {
      // The loop is gone (Start() racing a shutdown): no other thread
      // will run them.
      RunCompletions(*shared);
    }
  }

  // --- Easy handles -----------------------------------------------------
  //
  // A handle is reused for later transfers instead of being made and freed
  // per request. Released handles are reset at once (curl_easy_reset: every
  // option back to libcurl's default, so nothing of the last request —
  // its URL, credential headers, callbacks — stays set) and Prepare() sets
  // every option again, exactly as on a fresh handle. What a reset keeps is
  // state libcurl shares anyway (connections and DNS live in the multi, TLS
  // sessions in the share).

  // A handle out of the multi: kept for reuse, or freed beyond the spares
  // a loop keeps.
  void Release(CURL* easy) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (stopping_ || spare_.size() >= kMaxSpareHandles) {
      curl_easy_cleanup(easy);
      return;
    }
    curl_easy_reset(easy);
    spare_.push_back(easy);
  }

  CURL* Acquire() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (spare_.empty()) return curl_easy_init();
    CURL* easy = spare_.back();
    spare_.pop_back();
    return easy;
  }

  // --- Building a handle ------------------------------------------------

  absl::Status Prepare(TransferOp& op, absl::Duration total)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (const auto& [name, value] : op.request.headers) {
      if (name.empty() || absl::StrContains(name, ':') ||
          !SafeHeaderText(name) || !SafeHeaderText(value)) {
        return absl::InvalidArgumentError(
            "a request header holds a line break or an invalid name");
      }
    }
    CURL* easy = Acquire();
    if (easy == nullptr) {
      return absl::ResourceExhaustedError("libcurl could not make a handle");
    }
    op.easy = easy;
    op.max_response_bytes = options_.max_response_bytes;

    bool has_content_type = false;
    for (const auto& [name, value] : op.request.headers) {
      has_content_type |= absl::EqualsIgnoreCase(name, "Content-Type");
      // "Name;" is libcurl's way to send a header with an empty value.
      op.headers = curl_slist_append(
          op.headers, value.empty() ? absl::StrCat(name, ";").c_str()
                                    : absl::StrCat(name, ": ", value).c_str());
    }
    // No "Expect: 100-continue" round trip; no form content type by default.
    op.headers = curl_slist_append(op.headers, "Expect:");
    const bool has_body = !op.request.body.empty();
    if (has_body && !has_content_type) {
      op.headers = curl_slist_append(op.headers, "Content-Type:");
    }

    bool ok = true;
    auto check = [&ok](CURLcode rc) { ok &= rc == CURLE_OK; };
    const std::string url = absl::StrCat(base_url_, op.request.target);
    check(curl_easy_setopt(easy, CURLOPT_URL, url.c_str()));
    // The target goes out byte for byte (no dot-segment squashing).
    check(curl_easy_setopt(easy, CURLOPT_PATH_AS_IS, 1L));
    check(curl_easy_setopt(easy, CURLOPT_PRIVATE, &op));
    check(curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L));
    // HTTPS only, verified, never redirected.
    check(curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "https"));
    check(curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "https"));
    check(curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L));
    check(curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L));
    check(curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L));
    check(curl_easy_setopt(easy, CURLOPT_SSLVERSION,
                           static_cast<long>(CURL_SSLVERSION_TLSv1_2)));
    if (!options_.ca_file.empty()) {
      check(curl_easy_setopt(easy, CURLOPT_CAINFO, options_.ca_file.c_str()));
    }
    check(curl_easy_setopt(easy, CURLOPT_SHARE, share_));
    // HTTP/2 when offered, sharing connections being set up.
    check(curl_easy_setopt(easy, CURLOPT_HTTP_VERSION,
                           http2_ ? static_cast<long>(CURL_HTTP_VERSION_2TLS)
                                  : static_cast<long>(CURL_HTTP_VERSION_1_1)));
    check(curl_easy_setopt(easy, CURLOPT_PIPEWAIT, 1L));
    check(curl_easy_setopt(easy, CURLOPT_TCP_NODELAY, 1L));
    check(curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L));
    // Time limits of this attempt.
    check(curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, CurlMillis(total)));
    check(curl_easy_setopt(
        easy, CURLOPT_CONNECTTIMEOUT_MS,
        CurlMillis(std::min(options_.connect_timeout, total))));
    // Egress: only what the options say, never the environment. Request
    // headers stay inside the tunnel.
    check(curl_easy_setopt(easy, CURLOPT_PROXY, options_.proxy.c_str()));
    check(curl_easy_setopt(easy, CURLOPT_NOPROXY, options_.no_proxy.c_str()));
    check(curl_easy_setopt(easy, CURLOPT_HTTPPROXYTUNNEL, 1L));
    check(curl_easy_setopt(easy, CURLOPT_HEADEROPT,
                           static_cast<long>(CURLHEADER_SEPARATE)));
    check(curl_easy_setopt(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L));
    // Request.
    check(
        curl_easy_setopt(easy, CURLOPT_USERAGENT, options_.user_agent.c_str()));
    check(curl_easy_setopt(easy, CURLOPT_HTTPHEADER, op.headers));
    // gzip only: cheap for Maesn to make and for us to undo. Offering
    // every encoding libcurl knows let a server pick brotli at its default
    // quality, which costs it ~10x the CPU of the request itself (measured
    // against the simulator: 2.2 ms instead of 0.2 ms per answer).
    check(curl_easy_setopt(easy, CURLOPT_ACCEPT_ENCODING, "gzip"));
    if (op.request.method == "GET") {
      check(curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L));
    } else if (has_body) {
      // The body is read through a callback that cannot rewind: libcurl
      // then fails rather than resend a body that has (partly) left.
      check(curl_easy_setopt(easy, CURLOPT_POST, 1L));
      check(curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                             static_cast<curl_off_t>(op.request.body.size())));
      check(curl_easy_setopt(easy, CURLOPT_READFUNCTION, &OnReadBody));
      check(curl_easy_setopt(easy, CURLOPT_READDATA, &op));
      if (op.request.method != "POST") {
        check(curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST,
                               op.request.method.c_str()));
      }
    } else {
      // A write without a body has nothing that could fail a resend: keep
      // it off reused connections, where libcurl may resend on its own.
      // The connection opened for it is closed after it: the pool already
      // holds the connections the reads need, and keeping one more per
      // such write would grow it (and the gateway's memory) until
      // libcurl's cap or idle limit (BENCHMARKS.md i3.).
      check(curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST,
                             op.request.method.c_str()));
      check(curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L));
      check(curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L));
    }
    // Response.
    check(curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &OnBody));
    check(curl_easy_setopt(easy, CURLOPT_WRITEDATA, &op));
    check(curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, &OnHeader));
    check(curl_easy_setopt(easy, CURLOPT_HEADERDATA, &op));
    check(curl_easy_setopt(easy, CURLOPT_PREREQFUNCTION, &OnRequestReady));
    check(curl_easy_setopt(easy, CURLOPT_PREREQDATA, &op));
    // Connection accounting.
    check(curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, &OnOpenSocket));
    check(curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, this));
    check(curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &OnCloseSocket));
    check(curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this));
    if (!ok) {
      return absl::InternalError("libcurl refused a transfer option");
    }
    return absl::OkStatus();
  }

  static size_t OnReadBody(char* buffer, size_t size, size_t count,
                           void* data) {
    auto* op = static_cast<TransferOp*>(data);
    const std::string& body = op->request.body;
    const size_t n = std::min(size * count, body.size() - op->body_sent);
    std::memcpy(buffer, body.data() + op->body_sent, n);
    op->body_sent += n;
    return n;
  }

  static size_t OnBody(char* data, size_t size, size_t count, void* p) {
    auto* op = static_cast<TransferOp*>(p);
    const size_t n = size * count;
    std::string& body = op->response.body;
    if (body.size() + n > op->max_response_bytes) {
      op->too_large = true;
      return 0;  // fails the transfer (CURLE_WRITE_ERROR)
    }
    body.append(data, n);
    return n;
  }

  static size_t OnHeader(char* data, size_t size, size_t count, void* p) {
    auto* op = static_cast<TransferOp*>(p);
    const size_t n = size * count;
    absl::string_view line(data, n);
    absl::ConsumeSuffix(&line, "\n");
    absl::ConsumeSuffix(&line, "\r");
    if (absl::StartsWith(line, "HTTP/")) {
      // A new response head (after an interim 1xx): start over.
      op->response.headers.clear();
      return n;
    }
    const auto colon = line.find(':');
    if (colon == absl::string_view::npos) return n;
    op->response.headers.emplace_back(
        std::string(absl::StripAsciiWhitespace(line.substr(0, colon))),
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
    return n;
  }

  static int OnRequestReady(void* p, char*, char*, int, int) {
    static_cast<TransferOp*>(p)->request_started = true;
    return CURL_PREREQFUNC_OK;
  }

  static curl_socket_t OnOpenSocket(void* p, curlsocktype,
                                    curl_sockaddr* address) {
    const int fd = ::socket(address->family, address->socktype | SOCK_CLOEXEC,
                            address->protocol);
    if (fd < 0) return CURL_SOCKET_BAD;
    auto* loop = static_cast<Loop*>(p);
    loop->mu_.AssertHeld();  // called inside libcurl
    loop->sockets_.emplace(fd, kUnknownProtocol);
    return fd;
  }

  static int OnCloseSocket(void* p, curl_socket_t fd) {
    auto* loop = static_cast<Loop*>(p);
    loop->mu_.AssertHeld();  // called inside libcurl
    auto it = loop->sockets_.find(fd);
    if (it != loop->sockets_.end()) {
      if (it->second == static_cast<int>(HttpProtocol::kHttp1)) {
        loop->counters_.open_h1.fetch_sub(1);
      } else if (it->second == static_cast<int>(HttpProtocol::kHttp2)) {
        loop->counters_.open_h2.fetch_sub(1);
      }
      loop->sockets_.erase(it);
    }
    return ::close(fd);
  }

  // After a transfer completed: counts the connections it opened, and
  // labels the connection it leaves in the pool with its protocol.
  void CountConnection(CURL* easy) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    long connects = 0;
    if (curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects) == CURLE_OK &&
        connects > 0) {
      counters_.opened.fetch_add(connects);
    }
    curl_socket_t fd = CURL_SOCKET_BAD;
    long version = 0;
    if (curl_easy_getinfo(easy, CURLINFO_ACTIVESOCKET, &fd) != CURLE_OK ||
        fd == CURL_SOCKET_BAD ||
        curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &version) != CURLE_OK) {
      return;
    }
    auto it = sockets_.find(fd);
    if (it == sockets_.end() || it->second != kUnknownProtocol) return;
    if (version == CURL_HTTP_VERSION_2_0) {
      it->second = static_cast<int>(HttpProtocol::kHttp2);
      counters_.open_h2.fetch_add(1);
    } else {
      it->second = static_cast<int>(HttpProtocol::kHttp1);
      counters_.open_h1.fetch_add(1);
    }
  }

  // --- Errors -----------------------------------------------------------

  absl::Status BudgetExceeded(bool sent) const {
    return Sent(WithErrorInfo(
                    absl::DeadlineExceededError(absl::StrCat(
                        "Maesn did not answer within ",
                        absl::FormatDuration(options_.connect_timeout +
                                             options_.read_timeout),
                        " (MAESN_CONNECT_TIMEOUT_MS + MAESN_READ_TIMEOUT_MS)")),
                    "UPSTREAM_TIMEOUT"),
                sent);
  }

  absl::Status MapError(const TransferOp& op, CURLcode rc) const {
    const bool sent = op.request_started;
    const bool proxied = !options_.proxy.empty();
    if (op.too_large) {
      return Sent(
          WithErrorInfo(absl::ResourceExhaustedError(absl::StrCat(
                            "Maesn's response exceeds the gateway's limit of ",
                            options_.max_response_bytes,
                            " bytes (MAESN_MAX_RESPONSE_BYTES)")),
                        "UPSTREAM_RESPONSE_TOO_LARGE"),
          true);
    }
    const auto unavailable = [](std::string message, bool was_sent) {
      return Sent(WithErrorInfo(absl::UnavailableError(std::move(message)),
                                "UPSTREAM_UNAVAILABLE"),
                  was_sent);
    };
    const auto not_connected = [&] {
      return unavailable(proxied ? "could not connect to Maesn through the "
                                   "egress proxy (HTTPS_PROXY)"
                                 : "could not connect to Maesn",
                         false);
    };
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT:
        if (!sent) {
          if (op.connect_limited_by_caller ||
              absl::Now() >= op.caller_deadline) {
            return Sent(absl::DeadlineExceededError(
                            "deadline expired while connecting to Maesn"),
                        false);
          }
          return unavailable("connecting to Maesn timed out", false);
        }
        if (op.caller_deadline_first) {
          return Sent(absl::DeadlineExceededError(
                          "the call's deadline passed while waiting for Maesn"),
                      true);
        }
        return BudgetExceeded(true);
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_COULDNT_CONNECT:
      case CURLE_PROXY:
        // Refused, unreachable, the name does not resolve, or the proxy
        // would not open the tunnel.
        return not_connected();
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CIPHER:
      case CURLE_SSL_ENGINE_NOTFOUND:
      case CURLE_SSL_ENGINE_SETFAILED:
      case CURLE_SSL_ENGINE_INITFAILED:
      case CURLE_USE_SSL_FAILED:
        // Includes a peer that does not speak TLS at all: there is never a
        // fallback to plain HTTP.
        return Sent(WithErrorInfo(absl::UnavailableError(
                                      "TLS handshake with Maesn failed"),
                                  "UPSTREAM_TLS_FAILED"),
                    false);
      case CURLE_PEER_FAILED_VERIFICATION:
        return Sent(WithErrorInfo(absl::UnavailableError(
                                      "Maesn's TLS certificate could not be "
                                      "verified (untrusted or wrong host)"),
                                  "UPSTREAM_TLS_VERIFICATION_FAILED"),
                    false);
      case CURLE_SSL_CACERT_BADFILE:
        return Sent(WithErrorInfo(absl::FailedPreconditionError(
                                      "the configured CA bundle could not be "
                                      "loaded"),
                                  "UPSTREAM_CA_UNREADABLE"),
                    false);
      case CURLE_SEND_FAIL_REWIND:
        return unavailable(
            "the connection to Maesn broke after the request was sent; it "
            "is not sent twice",
            true);
      case CURLE_SEND_ERROR:
        if (!sent) return not_connected();
        // The request did not get out whole, so Maesn cannot have acted on
        // it.
        return unavailable("sending the request to Maesn failed", false);
      case CURLE_BAD_CONTENT_ENCODING:
        return Sent(
            WithErrorInfo(absl::InternalError("Maesn's response could not be "
                                              "decompressed"),
                          "INVALID_UPSTREAM_RESPONSE"),
            true);
      default:
        if (!sent) return not_connected();
        if (absl::Now() >= op.caller_deadline) {
          return Sent(absl::DeadlineExceededError(
                          "deadline expired while reading Maesn's response"),
                      true);
        }
        // Reset, closed early, a body shorter than announced, a malformed
        // answer or a broken HTTP/2 stream.
        return unavailable(
            "the connection to Maesn broke before the whole response arrived",
            true);
    }
  }

  static constexpr int kUnknownProtocol = -1;
  // Reset handles a loop keeps for reuse (beyond the transfers in flight,
  // which hold their own).
  static constexpr std::size_t kMaxSpareHandles = 128;

  const CurlTransportOptions& options_;
  const std::string& base_url_;
  const bool http2_;
  Counters& counters_;
  CURLM* const multi_;
  CURLSH* const share_;
  const std::shared_ptr<Inbox> inbox_;
  const int epoll_fd_;
  const int timer_fd_;  // libcurl's timeout
  // Held for every libcurl call on multi_ and its handles, and for the
  // transfers' state (TransferOp's loop fields).
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // libcurl asked to be driven again at once.
  bool timeout_due_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<CURL*, std::shared_ptr<TransferOp>> active_
      ABSL_GUARDED_BY(mu_);
  std::vector<CURL*> spare_ ABSL_GUARDED_BY(mu_);  // reset, out of the multi
  // Sockets libcurl opened, with the protocol of the connection once known.
  absl::flat_hash_map<curl_socket_t, int> sockets_ ABSL_GUARDED_BY(mu_);
  // Loop-thread state.
  std::multimap<absl::Time, std::shared_ptr<TimerOp>> timers_;
  bool stopped_thread_ = false;  // Stop() joined a thread that ran
  std::thread thread_;           // last: starts once everything above exists
};

void CurlTransport::TransferOp::Cancel() {
  if (cancel_requested_.exchange(true)) return;
  inbox_->Post([self = shared_from_this()] { self->loop_->Cancel(self); });
}

void CurlTransport::TimerOp::Cancel() {
  if (cancel_requested_.exchange(true)) return;
  inbox_->Post(
      [self = shared_from_this()] { self->loop_->CancelTimer(*self); });
}

absl::StatusOr<UpstreamEndpoint> ParseBaseUrl(const std::string& url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "https://")) {
    return absl::InvalidArgumentError(
        "must start with https:// (plain HTTP is never used for Maesn)");
  }
  absl::ConsumeSuffix(&rest, "/");
  if (rest.empty() || absl::StrContains(rest, "/") ||
      absl::StrContains(rest, "@") || absl::StrContains(rest, "?") ||
      absl::StrContains(rest, "#")) {
    return absl::InvalidArgumentError(
        "must be https://host or https://host:port, without a path");
  }
  UpstreamEndpoint ep;
  const auto colon = rest.rfind(':');
  if (colon == absl::string_view::npos) {
    ep.host = std::string(rest);
    return ep;
  }
  ep.host = std::string(rest.substr(0, colon));
  int port = 0;
  if (ep.host.empty() || !absl::SimpleAtoi(rest.substr(colon + 1), &port) ||
      port <= 0 || port > 65535) {
    return absl::InvalidArgumentError("has an invalid host or port");
  }
  ep.port = port;
  return ep;
}

absl::Status ValidateProxyUrl(const std::string& url) {
  absl::string_view rest = url;
  if (!absl::ConsumePrefix(&rest, "http://") &&
      !absl::ConsumePrefix(&rest, "https://")) {
    return absl::InvalidArgumentError(
        "must be an http:// or https:// proxy URL");
  }
  absl::ConsumeSuffix(&rest, "/");
  // Credentials may precede the host; the URL is never repeated.
  const auto at = rest.rfind('@');
  if (at != absl::string_view::npos) rest.remove_prefix(at + 1);
  if (rest.empty() || absl::StrContains(rest, "/") ||
      absl::StrContains(rest, "?") || absl::StrContains(rest, "#")) {
    return absl::InvalidArgumentError(
        "must be http://[user:password@]host:port, without a path");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<CurlTransport>> CurlTransport::Create(
    CurlTransportOptions options) {
  auto ep = ParseBaseUrl(options.base_url);
  if (!ep.ok()) return ep.status();
  if (!options.proxy.empty()) {
    if (absl::Status s = ValidateProxyUrl(options.proxy); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("the egress proxy URL ", s.message()));
    }
  }
  if (!CurlReady()) {
    return absl::InternalError("libcurl could not be initialised");
  }
  std::unique_ptr<CurlTransport> t(new CurlTransport(std::move(options)));
  for (const auto& loop : t->loops_) {
    if (!loop->ok()) {
      return absl::ResourceExhaustedError(
          "the upstream event loop could not be started");
    }
  }
  return t;
}

namespace {

std::string BaseUrlWithoutSlash(std::string url) {
  if (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

int LoopCount(int wanted) {
  const int cores =
      std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return std::clamp(wanted, 1, cores);
}

}  // namespace

CurlTransport::CurlTransport(CurlTransportOptions options)
    : options_([&] {
        options.base_url = BaseUrlWithoutSlash(std::move(options.base_url));
        options.http2 = options.http2 && CurlHasHttp2();
        options.event_loops = LoopCount(options.event_loops);
        return std::move(options);
      }()) {
  for (int i = 0; i < options_.event_loops; ++i) {
    loops_.push_back(std::make_unique<Loop>(options_, options_.base_url,
                                            options_.http2, counters_, i));
  }
}

void CurlTransport::Shutdown() {
  for (auto& loop : loops_) loop->Stop();
}

CurlTransport::~CurlTransport() {
  // Each loop cancels what it still runs before its thread ends.
  loops_.clear();
}

CurlTransport::Loop& CurlTransport::NextLoop() {
  return *loops_[next_loop_.fetch_add(1) % loops_.size()];
}

std::shared_ptr<AsyncOperation> CurlTransport::Start(HttpRequest request,
                                                     absl::Time deadline,
                                                     Done done) {
  Loop& loop = NextLoop();
  auto op =
      std::make_shared<TransferOp>(loop.inbox(), &loop, std::move(request),
                                   absl::Now(), deadline, std::move(done));
  counters_.in_flight.fetch_add(1);
  if (loop.TryAddInline(op)) return op;
  if (!loop.inbox()->Post([&loop, op] { loop.Add(op); })) {
    // Only when called against the contract, during destruction.
    counters_.in_flight.fetch_sub(1);
    std::move(op->done)(
        Sent(absl::CancelledError("the gateway is shutting down"), false));
  }
  return op;
}

std::shared_ptr<AsyncOperation> CurlTransport::RunAfter(absl::Duration delay,
                                                        Callback callback) {
  Loop& loop = NextLoop();
  auto op = std::make_shared<TimerOp>(loop.inbox(), &loop, absl::Now() + delay,
                                      std::move(callback));
  if (!loop.inbox()->Post([&loop, op] { loop.AddTimer(op); })) {
    std::move(op->callback)(absl::CancelledError("shutting down"));
  }
  return op;
}

absl::StatusOr<HttpResponse> CurlTransport::Send(const HttpRequest& request,
                                                 CallContext& context) {
  return SendAndWait(*this, request, context, options_.cancel_poll_interval);
}

std::int64_t CurlTransport::in_flight() const {
  return counters_.in_flight.load();
}

std::int64_t CurlTransport::open_connections(HttpProtocol protocol) const {
  return protocol == HttpProtocol::kHttp2 ? counters_.open_h2.load()
                                          : counters_.open_h1.load();
}

std::int64_t CurlTransport::connections_opened() const {
  return counters_.opened.load();
}

}  // namespace maesn::gateway
