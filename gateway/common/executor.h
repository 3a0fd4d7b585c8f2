#ifndef MAESN_GATEWAY_COMMON_EXECUTOR_H_
#define MAESN_GATEWAY_COMMON_EXECUTOR_H_

#include <cstddef>
#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace maesn::gateway {

// A fixed pool of worker threads with a bounded queue.
//
// The gateway runs every blocking upstream request here, never on a gRPC
// callback thread. Submit() never blocks: when the queue is full it returns
// false and the caller answers RESOURCE_EXHAUSTED. Thread-safe.
class Executor {
 public:
  // `threads` workers; at most `max_queue` tasks wait for a worker.
  Executor(int threads, std::size_t max_queue);
  ~Executor();  // Runs queued tasks to completion, then joins.

  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues `task`. Returns false (and drops it) if the queue is full or the
  // executor is shutting down.
  bool Submit(std::function<void()> task);

  // Stops accepting work, finishes what is queued and joins the workers.
  void Shutdown();

  int threads() const { return static_cast<int>(workers_.size()); }
  std::size_t queued() const;

 private:
  void Work();

  const std::size_t max_queue_;
  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_COMMON_EXECUTOR_H_
