#ifndef MAESN_TESTS_TESTING_FAKE_CLOCK_H_
#define MAESN_TESTS_TESTING_FAKE_CLOCK_H_

#include <vector>

#include "absl/synchronization/mutex.h"
#include "gateway/common/clock.h"

namespace maesn::testing {

// A Clock whose time moves only when told to (or by SleepFor, which records
// the requested sleep and advances time by it at once). Thread-safe.
class FakeClock final : public gateway::Clock {
 public:
  explicit FakeClock(absl::Time start = absl::FromUnixSeconds(1700000000))
      : now_(start) {}

  absl::Time Now() const override {
    absl::MutexLock lock(&mu_);
    return now_;
  }
  void SleepFor(absl::Duration d) override {
    absl::MutexLock lock(&mu_);
    sleeps_.push_back(d);
    now_ += d;
  }
  void Advance(absl::Duration d) {
    absl::MutexLock lock(&mu_);
    now_ += d;
  }
  std::vector<absl::Duration> sleeps() const {
    absl::MutexLock lock(&mu_);
    return sleeps_;
  }

 private:
  mutable absl::Mutex mu_;
  absl::Time now_;
  std::vector<absl::Duration> sleeps_;
};

}  // namespace maesn::testing

#endif  // MAESN_TESTS_TESTING_FAKE_CLOCK_H_
