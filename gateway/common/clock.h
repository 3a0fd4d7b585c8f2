#ifndef MAESN_GATEWAY_COMMON_CLOCK_H_
#define MAESN_GATEWAY_COMMON_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace maesn::gateway {

// Time source and sleeper, injected so that retry and watch logic can be
// tested with fake time. Implementations are thread-safe.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
  // Blocks the calling thread for `d` (fake clocks advance instead).
  virtual void SleepFor(absl::Duration d) = 0;
};

// The real clock.
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
  void SleepFor(absl::Duration d) override { absl::SleepFor(d); }
};

}  // namespace maesn::gateway

#endif  // MAESN_GATEWAY_COMMON_CLOCK_H_
