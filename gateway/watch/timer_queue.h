#ifndef MAESN_GATEWAY_WATCH_TIMER_QUEUE_H_
#define MAESN_GATEWAY_WATCH_TIMER_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/optional.h"
#include "gateway/common/clock.h"

namespace maesn::gateway {

// Timers for every watch loop and stream of the process, run by one thread.
//
// A callback runs once, on the timer thread (or on the thread calling
// RunDue()), at or after its time on the injected Clock, never while the
// queue's lock is held: callbacks may schedule and cancel timers. Callbacks
// must be short and must not block; blocking work goes to the Executor.
// With a fake clock, leave the thread off and drive time with RunDue().
// Thread-safe.
class TimerQueue {
 public:
  using TimerId = std::uint64_t;  // 0 is never a valid id

  explicit TimerQueue(std::shared_ptr<Clock> clock);
  ~TimerQueue();  // Stop()

  TimerQueue(const TimerQueue&) = delete;
  TimerQueue& operator=(const TimerQueue&) = delete;

  // Starts the one thread that runs timers as they fall due (needs a clock
  // that moves by itself, i.e. SystemClock). At most once.
  void StartThread();
  // Joins the thread; timers not yet run are dropped without running.
  // Schedule() after Stop() returns 0 and drops the callback. Idempotent.
  void Stop();

  // Runs `fn` at `when` (at once, on the next turn, if `when` has passed).
  TimerId Schedule(absl::Time when, std::function<void()> fn);
  // Removes a timer that has not started running. False when it already
  // ran, is running, or is unknown (0 included).
  bool Cancel(TimerId id);

  // Runs, on the calling thread, every timer due at clock->Now() (also the
  // ones that become due while it runs). Returns how many ran.
  int RunDue();

  // Time of the earliest pending timer, if any.
  absl::optional<absl::Time> NextDue() const;
  std::size_t size() const;

  const std::shared_ptr<Clock>& clock() const { return clock_; }

 private:
  void ThreadMain();

  using Key = std::pair<absl::Time, TimerId>;

  const std::shared_ptr<Clock> clock_;
  mutable absl::Mutex mu_;
  absl::CondVar changed_;
  std::map<Key, std::function<void()>> timers_ ABSL_GUARDED_BY(mu_);
  absl::flat_hash_map<TimerId, absl::Time> when_ ABSL_GUARDED_BY(mu_);
  TimerId next_id_ ABSL_GUARDED_BY(mu_) = 1;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_WATCH_TIMER_QUEUE_H_
