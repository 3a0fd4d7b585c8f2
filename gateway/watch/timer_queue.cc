#include "gateway/watch/timer_queue.h"

#include <utility>

namespace maesn::gateway {

TimerQueue::TimerQueue(std::shared_ptr<Clock> clock)
    : clock_(std::move(clock)) {}

TimerQueue::~TimerQueue() { Stop(); }

void TimerQueue::StartThread() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { ThreadMain(); });
}

void TimerQueue::Stop() {
  std::map<Key, std::function<void()>> dropped;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    changed_.SignalAll();
    dropped.swap(timers_);
    when_.clear();
  }
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) {
    thread_.join();
  }
  // `dropped` is destroyed here, outside the lock: callbacks may own
  // objects whose destructors use the queue.
}

TimerQueue::TimerId TimerQueue::Schedule(absl::Time when,
                                         std::function<void()> fn) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return 0;
  const TimerId id = next_id_++;
  const bool earliest =
      timers_.empty() || Key{when, id} < timers_.begin()->first;
  timers_.emplace(Key{when, id}, std::move(fn));
  when_.emplace(id, when);
  if (earliest) changed_.Signal();
  return id;
}

bool TimerQueue::Cancel(TimerId id) {
  std::function<void()> fn;  // destroyed after the lock is released
  {
    absl::MutexLock lock(&mu_);
    auto it = when_.find(id);
    if (it == when_.end()) return false;
    auto timer = timers_.find(Key{it->second, id});
    if (timer != timers_.end()) {
      fn = std::move(timer->second);
      timers_.erase(timer);
    }
    when_.erase(it);
  }
  return true;
}

int TimerQueue::RunDue() {
  int ran = 0;
  for (;;) {
    std::function<void()> fn;
    {
      absl::MutexLock lock(&mu_);
      if (timers_.empty()) break;
      auto first = timers_.begin();
      if (first->first.first > clock_->Now()) break;
      fn = std::move(first->second);
      when_.erase(first->first.second);
      timers_.erase(first);
    }
    fn();
    ++ran;
  }
  return ran;
}

absl::optional<absl::Time> TimerQueue::NextDue() const {
  absl::MutexLock lock(&mu_);
  if (timers_.empty()) return absl::nullopt;
  return timers_.begin()->first.first;
}

std::size_t TimerQueue::size() const {
  absl::MutexLock lock(&mu_);
  return timers_.size();
}

void TimerQueue::ThreadMain() {
  for (;;) {
    {
      absl::MutexLock lock(&mu_);
      for (;;) {
        if (stopping_) return;
        if (!timers_.empty()) {
          const absl::Duration wait =
              timers_.begin()->first.first - clock_->Now();
          if (wait <= absl::ZeroDuration()) break;
          changed_.WaitWithTimeout(&mu_, wait);
        } else {
          changed_.Wait(&mu_);
        }
      }
    }
    RunDue();
  }
}

}  // namespace maesn::gateway
