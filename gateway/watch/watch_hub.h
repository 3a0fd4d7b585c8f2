#ifndef MAESN_GATEWAY_WATCH_WATCH_HUB_H_
#define MAESN_GATEWAY_WATCH_WATCH_HUB_H_

#include <cstdint>
#include <functional>
#include <memory>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gateway/common/call_context.h"
#include "gateway/common/clock.h"
#include "gateway/common/v1.h"
#include "gateway/watch/task_poller.h"
#include "gateway/watch/task_snapshot.h"
#include "gateway/watch/timer_queue.h"

namespace maesn::gateway {

struct WatchOptions {
  // Poll interval right after a change (and at the start): WATCH_POLL_MIN_MS.
  absl::Duration poll_min = absl::Seconds(1);
  // The interval grows by `backoff` per poll without a change (and per
  // transient failure) up to this: WATCH_POLL_MAX_MS.
  absl::Duration poll_max = absl::Seconds(15);
  double backoff = 1.5;
  // Open WatchTask streams plus WaitTask calls: WATCH_MAX_STREAMS.
  int max_streams = 10000;
  // Longest a WatchTask stream or WaitTask call lasts: WATCH_MAX_DURATION_MS.
  absl::Duration max_duration = absl::Hours(1);
  // Heartbeat intervals below this are raised to it: WATCH_HEARTBEAT_MIN_MS.
  absl::Duration heartbeat_min = absl::Seconds(1);
};

// Counters for metrics. A consistent snapshot of one moment.
struct WatchStats {
  std::int64_t open_streams = 0;   // WatchTask streams + WaitTask calls
  std::int64_t active_loops = 0;   // poll loops running
  std::int64_t subscribers = 0;    // watchers attached to a loop
  std::int64_t polls = 0;          // upstream polls started (ever)
  std::int64_t poll_failures = 0;  // polls that failed (ever)
  std::int64_t changes = 0;        // states published (ever)
};

// Receives the states of one watched task. Calls come from transport and
// timer threads, for one subscriber possibly concurrently: order them by
// TaskSnapshot::version (StreamOutbox does). OnState may even arrive after
// OnEnd; ignore it then. Implementations are thread-safe and never block.
class TaskSubscriber {
 public:
  virtual ~TaskSubscriber() = default;
  // A newly observed state of the task.
  virtual void OnState(TaskSnapshotPtr snapshot) = 0;
  // The watch is over for this subscriber, which the hub has already
  // dropped: OK after a terminal state (delivered by OnState first);
  // NOT_FOUND, UNAUTHENTICATED, PERMISSION_DENIED or another permanent
  // upstream error; UNAVAILABLE on Shutdown(). Called at most once.
  virtual void OnEnd(const absl::Status& status) = 0;
};

// True for poll failures that a watch outlives: HTTP 5xx, 408 and 429,
// timeouts and connection errors (IsRetryable() in maesn_connection.h plus
// timeouts and every 5xx, since the loop's own schedule is the retry and a
// later poll costs the caller nothing).
bool IsTransientPollFailure(const absl::Status& status);

// The task-watch hub: one shared poll loop per (API key, account key,
// company, environment, task id).
//
// N subscribers of one key cost one upstream request per interval; keys
// that differ in any part, the credentials included, never share a loop, a
// result or a cache entry. A subscriber joining a running loop gets its
// latest state at once (Subscribe's result). A loop starts with an
// immediate poll and stops when its last subscriber leaves, when the task
// reaches a terminal status, or on a permanent error. It polls every
// `poll_min` after a change (from one poll's start to the next, so Maesn's
// latency does not stretch it), growing by `backoff` up to `poll_max` while
// nothing changes; after a transient failure it waits the grown interval
// from the failure, and never less than a Retry-After asks. Only a changed
// state (SameTaskState) is published.
//
// Polls start through the TaskPoller's non-blocking StartPoll, one attempt
// per tick (handed to `submit` first, which in production runs it inline;
// tests with a blocking poller give it an executor); a poll in flight holds
// no thread, and a stopped loop aborts it. Timing comes from the injected
// Clock and one TimerQueue thread for every loop and stream. No thread per
// loop, per poll or per subscriber. The key holds the credentials and is never
// printed. Thread-safe.
class WatchHub {
 public:
  // Runs a task that starts a poll (inline in production); false when it
  // cannot (the loop then retries on its next tick).
  using Submit = std::function<bool(std::function<void()>)>;

  WatchHub(std::shared_ptr<TaskPoller> poller, Submit submit,
           std::shared_ptr<Clock> clock, WatchOptions options);
  ~WatchHub();  // Shutdown()

  WatchHub(const WatchHub&) = delete;
  WatchHub& operator=(const WatchHub&) = delete;

  // Starts the timer thread (production; tests drive timers() by hand).
  void StartTimerThread();

  // Attaches `subscriber` to the loop of (credentials, task_id, company_id,
  // environment_name of `target`), starting the loop if needed. Returns the
  // loop's latest state (null before its first successful poll), which the
  // caller passes to the subscriber itself. UNAVAILABLE after Shutdown().
  absl::StatusOr<TaskSnapshotPtr> Subscribe(
      const Credentials& credentials, const v1::GetTaskRequest& target,
      std::shared_ptr<TaskSubscriber> subscriber);
  // Detaches `subscriber` (no-op if it is not attached). No OnEnd follows;
  // a call already under way may still arrive.
  void Unsubscribe(TaskSubscriber* subscriber);

  // Admission for a WatchTask stream or WaitTask call: RESOURCE_EXHAUSTED
  // beyond max_streams, UNAVAILABLE after Shutdown(). Every OK is paired
  // with one ReleaseStream().
  absl::Status AcquireStream();
  void ReleaseStream();

  // Ends every subscriber with UNAVAILABLE (asking it to reconnect), stops
  // every loop and the timer thread, and refuses new work. Idempotent.
  void Shutdown();

  // Blocks until `condition` holds for the counters, or `timeout` passes
  // (real time); true when it holds. The condition is checked whenever the
  // hub's state changes; it must be quick and must not call the hub.
  bool AwaitStats(const std::function<bool(const WatchStats&)>& condition,
                  absl::Duration timeout);
  // AwaitStats for "no stream is open and no loop runs" (drain, tests).
  bool AwaitIdle(absl::Duration timeout);

  WatchStats stats() const;
  const WatchOptions& options() const;
  // The timers every loop and stream share.
  TimerQueue& timers();
  Clock& clock();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_WATCH_WATCH_HUB_H_
