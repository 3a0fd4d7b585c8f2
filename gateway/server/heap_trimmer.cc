#include "gateway/server/heap_trimmer.h"

#include <malloc.h>

#include <utility>

namespace maesn::gateway {

HeapTrimmer::HeapTrimmer(absl::Duration interval, TrimFunction trim)
    : interval_(interval), trim_(std::move(trim)) {
  thread_ = std::thread([this] { Run(); });
}

HeapTrimmer::~HeapTrimmer() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  thread_.join();
}

void HeapTrimmer::TrimNow() { malloc_trim(0); }

void HeapTrimmer::Run() {
  absl::MutexLock lock(&mu_);
  for (;;) {
    // Returns early only when stopped.
    mu_.AwaitWithTimeout(absl::Condition(&stop_), interval_);
    if (stop_) return;
    mu_.Unlock();
    trim_();
    mu_.Lock();
  }
}

}  // namespace maesn::gateway
