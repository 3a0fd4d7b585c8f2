#include "gateway/watch/watch_hub.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gateway/common/errors.h"
#include "gateway/maesn/maesn_connection.h"

namespace maesn::gateway {
namespace {

// Identifies a loop. Holds the credentials: compared and hashed, never
// printed.
struct LoopKey {
  std::string api_key;
  std::string account_key;
  std::string company_id;
  std::string environment_name;
  std::string task_id;

  friend bool operator==(const LoopKey& a, const LoopKey& b) {
    return std::tie(a.api_key, a.account_key, a.company_id, a.environment_name,
                    a.task_id) == std::tie(b.api_key, b.account_key,
                                           b.company_id, b.environment_name,
                                           b.task_id);
  }
  template <typename H>
  friend H AbslHashValue(H h, const LoopKey& k) {
    return H::combine(std::move(h), k.api_key, k.account_key, k.company_id,
                      k.environment_name, k.task_id);
  }
};

struct Loop {
  LoopKey key;
  Credentials credentials;
  v1::GetTaskRequest request;
  // Guarded by the hub's mutex (Loop is a plain record of its state).
  absl::flat_hash_map<TaskSubscriber*, std::shared_ptr<TaskSubscriber>>
      subscribers;
  TaskSnapshotPtr latest;
  std::uint64_t version = 0;
  absl::Duration interval;
  TimerQueue::TimerId timer = 0;
  // Read without the lock by the poll in flight (cancellation).
  std::atomic<bool> stopped{false};
  // When the poll in flight started (guarded by the hub's mutex): the
  // interval runs from one poll's start to the next, so Maesn's latency
  // does not stretch it.
  absl::Time poll_started;
  // Aborts the poll in flight when the loop stops.
  std::shared_ptr<CancelSource> cancel = std::make_shared<CancelSource>();
};

// Counts the polls whose completion has not run yet. Shared with each
// poll's callback, so the callback may still count down after the hub has
// stopped waiting for it.
class PollsInFlight {
 public:
  void Started() {
    absl::MutexLock lock(&mu_);
    ++count_;
  }
  void Finished() {
    absl::MutexLock lock(&mu_);
    --count_;
  }
  // True when none is left within `timeout`.
  bool AwaitNone(absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto none = [this]()
                    ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return count_ == 0; };
    return mu_.AwaitWithTimeout(absl::Condition(&none), timeout);
  }

 private:
  absl::Mutex mu_;
  std::int64_t count_ ABSL_GUARDED_BY(mu_) = 0;
};

// How long Shutdown() waits for the polls it cancelled to report back. The
// transport runs every callback promptly on cancellation (and on its own
// shutdown), so this only bounds a defect.
constexpr absl::Duration kPollDrainTimeout = absl::Seconds(10);

absl::Status ShutdownStatus() {
  return WithErrorInfo(
      absl::UnavailableError(
          "the gateway is shutting down: reconnect to continue watching (the "
          "first message of a new stream is the task's current state)"),
      "GATEWAY_SHUTTING_DOWN");
}

}  // namespace

bool IsTransientPollFailure(const absl::Status& status) {
  if (status.ok()) return false;
  int http = 0;
  if (absl::SimpleAtoi(ErrorMetadata(status, kHttpStatusKey), &http)) {
    return http >= 500 || http == 408 || http == 429;
  }
  if (IsRetryable(status)) return true;
  const std::string reason = ErrorReason(status);
  return status.code() == absl::StatusCode::kDeadlineExceeded ||
         reason == "UPSTREAM_UNAVAILABLE" || reason == "UPSTREAM_TIMEOUT";
}

class WatchHub::Impl : public std::enable_shared_from_this<WatchHub::Impl> {
 public:
  Impl(std::shared_ptr<TaskPoller> poller, Submit submit,
       std::shared_ptr<Clock> clock, WatchOptions options)
      : poller_(std::move(poller)),
        submit_(std::move(submit)),
        options_(options),
        timers_(std::move(clock)) {}

  absl::StatusOr<TaskSnapshotPtr> Subscribe(
      const Credentials& credentials, const v1::GetTaskRequest& target,
      std::shared_ptr<TaskSubscriber> subscriber) {
    LoopKey key{credentials.api_key, credentials.account_key,
                target.company_id(), target.environment_name(),
                target.task_id()};
    std::shared_ptr<Loop> fresh;
    TaskSnapshotPtr latest;
    {
      absl::MutexLock lock(&mu_);
      if (shutting_down_) return ShutdownStatus();
      if (by_subscriber_.contains(subscriber.get())) {
        return absl::FailedPreconditionError("already subscribed");
      }
      std::shared_ptr<Loop>& loop = loops_[key];
      if (loop == nullptr) {
        loop = std::make_shared<Loop>();
        loop->key = std::move(key);
        loop->credentials = credentials;
        loop->request.set_task_id(target.task_id());
        loop->request.set_company_id(target.company_id());
        loop->request.set_environment_name(target.environment_name());
        loop->interval = options_.poll_min;
        fresh = loop;
      }
      by_subscriber_.emplace(subscriber.get(), loop);
      latest = loop->latest;
      loop->subscribers.emplace(subscriber.get(), std::move(subscriber));
    }
    if (fresh != nullptr) StartPoll(fresh);
    return latest;
  }

  void Unsubscribe(TaskSubscriber* subscriber) {
    std::shared_ptr<TaskSubscriber> released;  // dropped after unlocking
    absl::MutexLock lock(&mu_);
    auto it = by_subscriber_.find(subscriber);
    if (it == by_subscriber_.end()) return;
    std::shared_ptr<Loop> loop = std::move(it->second);
    by_subscriber_.erase(it);
    auto sub = loop->subscribers.find(subscriber);
    if (sub != loop->subscribers.end()) {
      released = std::move(sub->second);
      loop->subscribers.erase(sub);
    }
    if (loop->subscribers.empty()) {
      std::vector<std::shared_ptr<TaskSubscriber>> none;
      StopLoopLocked(*loop, none);
    }
  }

  absl::Status AcquireStream() {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) return ShutdownStatus();
    if (open_streams_ >= options_.max_streams) {
      return WithErrorInfo(
          absl::ResourceExhaustedError(absl::StrCat(
              "the gateway serves its maximum of ", options_.max_streams,
              " open WatchTask/WaitTask calls (WATCH_MAX_STREAMS); retry "
              "later or on another replica")),
          "WATCH_STREAM_LIMIT");
    }
    ++open_streams_;
    return absl::OkStatus();
  }

  void ReleaseStream() {
    absl::MutexLock lock(&mu_);
    if (open_streams_ > 0) --open_streams_;
  }

  void Shutdown() {
    std::vector<std::shared_ptr<TaskSubscriber>> ended;
    {
      absl::MutexLock lock(&mu_);
      if (shutting_down_) return;
      shutting_down_ = true;
      std::vector<std::shared_ptr<Loop>> loops;
      loops.reserve(loops_.size());
      for (auto& [key, loop] : loops_) loops.push_back(loop);
      for (auto& loop : loops) StopLoopLocked(*loop, ended);
    }
    const absl::Status status = ShutdownStatus();
    for (auto& s : ended) s->OnEnd(status);
    ended.clear();
    timers_.Stop();
    // Stopping the loops cancelled their polls; wait for the callbacks. A
    // callback holds this Impl alive while it runs, and the Impl owns the
    // poller, hence (often) the transport: if the callback let go of the
    // last reference, the transport would be destroyed on its own event
    // loop thread, which cannot join itself.
    polls_in_flight_->AwaitNone(kPollDrainTimeout);
  }

  bool AwaitStats(const std::function<bool(const WatchStats&)>& condition,
                  absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto holds = [this, &condition]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return condition(StatsLocked());
    };
    return mu_.AwaitWithTimeout(absl::Condition(&holds), timeout);
  }

  WatchStats stats() const {
    absl::MutexLock lock(&mu_);
    return StatsLocked();
  }

  const WatchOptions& options() const { return options_; }
  TimerQueue& timers() { return timers_; }

 private:
  WatchStats StatsLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    WatchStats s;
    s.open_streams = open_streams_;
    s.active_loops = static_cast<std::int64_t>(loops_.size());
    s.subscribers = static_cast<std::int64_t>(by_subscriber_.size());
    s.polls = polls_.load();
    s.poll_failures = poll_failures_.load();
    s.changes = changes_;
    return s;
  }

  // Hands one poll of `loop` to `submit_` (which runs it inline in
  // production: starting a poll does not block); when that refuses it,
  // tries again after the loop's (grown) interval.
  void StartPoll(const std::shared_ptr<Loop>& loop) {
    if (loop->stopped.load()) return;
    std::weak_ptr<Impl> weak = weak_from_this();
    const bool queued = submit_([weak, loop] {
      if (auto self = weak.lock()) self->Poll(loop);
    });
    if (queued) return;
    absl::MutexLock lock(&mu_);
    if (loop->stopped.load()) return;
    loop->interval = Grow(loop->interval);
    ScheduleLocked(loop, loop->interval);
  }

  // One upstream attempt, started without blocking (TaskPoller::
  // StartPoll). Deliberately the poller, not MaesnConnection: the loop's
  // own schedule is the retry, so a failed poll simply waits for the next
  // tick instead of retrying inside it (which would multiply the requests
  // of every watched task).
  void Poll(const std::shared_ptr<Loop>& loop) {
    if (loop->stopped.load()) return;
    polls_.fetch_add(1);
    {
      absl::MutexLock lock(&mu_);
      loop->poll_started = timers_.clock()->Now();
    }
    auto context = std::make_shared<CallContext>();
    context->credentials = loop->credentials;
    context->cancel = loop->cancel;
    CallContext& ctx = *context;
    std::weak_ptr<Impl> weak = weak_from_this();
    polls_in_flight_->Started();
    poller_->StartPoll(
        ctx, loop->request,
        [weak, loop, context = std::move(context),
         in_flight = polls_in_flight_](
            absl::StatusOr<v1::GetTaskResponse> result) mutable {
          if (auto self = weak.lock()) {
            if (!result.ok()) self->poll_failures_.fetch_add(1);
            self->OnPollDone(loop, std::move(result));
          }  // `self` is released before Shutdown() may stop waiting
          in_flight->Finished();
        });
  }

  void OnPollDone(const std::shared_ptr<Loop>& loop,
                  absl::StatusOr<v1::GetTaskResponse> result) {
    std::vector<std::shared_ptr<TaskSubscriber>> targets;
    TaskSnapshotPtr published;
    absl::Status end;
    bool ended = false;
    {
      absl::MutexLock lock(&mu_);
      if (loop->stopped.load()) return;
      const absl::Time now = timers_.clock()->Now();
      absl::Duration delay;
      if (result.ok()) {
        const bool changed =
            loop->latest == nullptr ||
            !SameTaskState(loop->latest->task(), result->task());
        if (changed) {
          auto snapshot = std::make_shared<TaskSnapshot>();
          snapshot->version = ++loop->version;
          *snapshot->message.mutable_task() =
              std::move(*result->mutable_task());
          *snapshot->message.mutable_meta() =
              std::move(*result->mutable_meta());
          snapshot->message.set_next_page_token(
              std::move(*result->mutable_next_page_token()));
          *snapshot->message.mutable_observe_time() = ToProtoTime(now);
          published = std::move(snapshot);
          loop->latest = published;
          loop->interval = options_.poll_min;
          ++changes_;
        } else {
          loop->interval = Grow(loop->interval);
        }
        ended = loop->latest->done();
        delay = std::max(absl::ZeroDuration(),
                         loop->interval - (now - loop->poll_started));
      } else if (IsTransientPollFailure(result.status())) {
        loop->interval = Grow(loop->interval);
        delay = loop->interval;
        absl::Duration asked;
        if (RetryDelay(result.status(), &asked)) delay = std::max(delay, asked);
      } else {
        ended = true;
        end = result.status();
      }
      if (published != nullptr || ended) {
        targets.reserve(loop->subscribers.size());
        for (auto& [ptr, s] : loop->subscribers) targets.push_back(s);
      }
      if (ended) {
        std::vector<std::shared_ptr<TaskSubscriber>> none;
        StopLoopLocked(*loop, none);
      } else {
        ScheduleLocked(loop, delay);
      }
    }
    if (published != nullptr) {
      for (auto& s : targets) s->OnState(published);
    }
    if (ended) {
      for (auto& s : targets) s->OnEnd(end);
    }
  }

  void ScheduleLocked(const std::shared_ptr<Loop>& loop, absl::Duration delay)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::weak_ptr<Impl> weak = weak_from_this();
    loop->timer =
        timers_.Schedule(timers_.clock()->Now() + delay, [weak, loop] {
          if (auto self = weak.lock()) {
            self->StartPoll(loop);
          }
        });
  }

  // Removes `loop` and its subscribers from the hub; the subscribers are
  // appended to `dropped` (for an OnEnd the caller sends after unlocking).
  void StopLoopLocked(Loop& loop,
                      std::vector<std::shared_ptr<TaskSubscriber>>& dropped)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (loop.stopped.exchange(true)) return;
    loop.cancel->Cancel();  // never runs a callback inline
    if (loop.timer != 0) timers_.Cancel(loop.timer);
    loop.timer = 0;
    for (auto& [ptr, s] : loop.subscribers) {
      by_subscriber_.erase(ptr);
      dropped.push_back(std::move(s));
    }
    loop.subscribers.clear();
    loops_.erase(loop.key);
  }

  absl::Duration Grow(absl::Duration interval) const {
    return std::min(interval * options_.backoff, options_.poll_max);
  }

  static google::protobuf::Timestamp ToProtoTime(absl::Time t) {
    google::protobuf::Timestamp ts;
    const int64_t nanos = absl::ToUnixNanos(t);
    ts.set_seconds(nanos / 1000000000);
    ts.set_nanos(static_cast<int32_t>(nanos % 1000000000));
    return ts;
  }

  const std::shared_ptr<TaskPoller> poller_;
  const Submit submit_;
  const WatchOptions options_;
  TimerQueue timers_;
  std::atomic<std::int64_t> polls_{0};
  std::atomic<std::int64_t> poll_failures_{0};
  const std::shared_ptr<PollsInFlight> polls_in_flight_ =
      std::make_shared<PollsInFlight>();

  mutable absl::Mutex mu_;
  absl::flat_hash_map<LoopKey, std::shared_ptr<Loop>> loops_
      ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<TaskSubscriber*, std::shared_ptr<Loop>> by_subscriber_
      ABSL_GUARDED_BY(mu_);
  std::int64_t open_streams_ ABSL_GUARDED_BY(mu_) = 0;
  std::int64_t changes_ ABSL_GUARDED_BY(mu_) = 0;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
};

WatchHub::WatchHub(std::shared_ptr<TaskPoller> poller, Submit submit,
                   std::shared_ptr<Clock> clock, WatchOptions options)
    : impl_(std::make_shared<Impl>(std::move(poller), std::move(submit),
                                   std::move(clock), options)) {}

WatchHub::~WatchHub() { impl_->Shutdown(); }

void WatchHub::StartTimerThread() { impl_->timers().StartThread(); }

absl::StatusOr<TaskSnapshotPtr> WatchHub::Subscribe(
    const Credentials& credentials, const v1::GetTaskRequest& target,
    std::shared_ptr<TaskSubscriber> subscriber) {
  return impl_->Subscribe(credentials, target, std::move(subscriber));
}

void WatchHub::Unsubscribe(TaskSubscriber* subscriber) {
  impl_->Unsubscribe(subscriber);
}

absl::Status WatchHub::AcquireStream() { return impl_->AcquireStream(); }
void WatchHub::ReleaseStream() { impl_->ReleaseStream(); }
void WatchHub::Shutdown() { impl_->Shutdown(); }
bool WatchHub::AwaitStats(
    const std::function<bool(const WatchStats&)>& condition,
    absl::Duration timeout) {
  return impl_->AwaitStats(condition, timeout);
}
bool WatchHub::AwaitIdle(absl::Duration timeout) {
  return impl_->AwaitStats(
      [](const WatchStats& s) {
        return s.open_streams == 0 && s.active_loops == 0;
      },
      timeout);
}
WatchStats WatchHub::stats() const { return impl_->stats(); }
const WatchOptions& WatchHub::options() const { return impl_->options(); }
TimerQueue& WatchHub::timers() { return impl_->timers(); }
Clock& WatchHub::clock() { return *impl_->timers().clock(); }

}  // namespace maesn::gateway
