#ifndef MAESN_GATEWAY_SERVER_HEAP_TRIMMER_H_
#define MAESN_GATEWAY_SERVER_HEAP_TRIMMER_H_

#include <functional>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace maesn::gateway {

// Gives the heap's free memory back to the system at a fixed interval
// (glibc's malloc_trim: free pages at the top of each arena and inside it).
// The gateway's allocations come in bursts (a page of records, thousands of
// answers in flight at once); without this, glibc keeps much of what a
// burst freed, and a pod's RSS follows its highest burst rather than what
// it holds. One thread that sleeps between trims; destruction stops it at
// once.
class HeapTrimmer {
 public:
  using TrimFunction = std::function<void()>;

  // Trims every `interval` (> 0) with `trim` (tests pass their own).
  explicit HeapTrimmer(absl::Duration interval,
                       TrimFunction trim = &HeapTrimmer::TrimNow);
  ~HeapTrimmer();
  HeapTrimmer(const HeapTrimmer&) = delete;
  HeapTrimmer& operator=(const HeapTrimmer&) = delete;

  // One trim of every arena (malloc_trim(0)).
  static void TrimNow();

 private:
  void Run();

  const absl::Duration interval_;
  const TrimFunction trim_;
  absl::Mutex mu_;
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_SERVER_HEAP_TRIMMER_H_
