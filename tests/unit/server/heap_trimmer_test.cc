#include "gateway/server/heap_trimmer.h"

#include <gtest/gtest.h>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace maesn::gateway {
namespace {

// Trims come one interval apart, again and again.
TEST(HeapTrimmerTest, TrimsAtEveryInterval) {
  absl::Mutex mu;
  int trims = 0;
  {
    HeapTrimmer trimmer(absl::Milliseconds(1), [&] {
      absl::MutexLock lock(&mu);
      ++trims;
    });
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(
        +[](int* n) { return *n >= 3; }, &trims));
  }
  absl::MutexLock lock(&mu);
  EXPECT_GE(trims, 3);
}

// Destruction does not wait for the next interval, and no trim runs before
// the first interval has passed.
TEST(HeapTrimmerTest, StopsAtOnceWithoutTrimmingEarly) {
  int trims = 0;
  const absl::Time start = absl::Now();
  {
    HeapTrimmer trimmer(absl::Hours(1), [&] { ++trims; });
  }
  EXPECT_LT(absl::Now() - start, absl::Minutes(1));
  EXPECT_EQ(trims, 0);
}

}  // namespace
}  // namespace maesn::gateway
