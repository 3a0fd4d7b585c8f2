#include "gateway/watch/timer_queue.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"
#include "tests/testing/fake_clock.h"

namespace maesn::gateway {
namespace {

using ::maesn::testing::FakeClock;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

class TimerQueueTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeClock> clock_ = std::make_shared<FakeClock>();
  TimerQueue timers_{clock_};
  absl::Time t0_ = clock_->Now();
};

TEST_F(TimerQueueTest, RunsDueTimersInTimeOrderThenInScheduleOrder) {
  std::vector<int> ran;
  timers_.Schedule(t0_ + absl::Seconds(2), [&] { ran.push_back(3); });
  timers_.Schedule(t0_ + absl::Seconds(1), [&] { ran.push_back(1); });
  timers_.Schedule(t0_ + absl::Seconds(1), [&] { ran.push_back(2); });
  timers_.Schedule(t0_ + absl::Seconds(5), [&] { ran.push_back(4); });
  EXPECT_EQ(timers_.RunDue(), 0);
  EXPECT_EQ(timers_.NextDue(), t0_ + absl::Seconds(1));
  clock_->Advance(absl::Seconds(2));
  EXPECT_EQ(timers_.RunDue(), 3);
  EXPECT_THAT(ran, ElementsAre(1, 2, 3));
  EXPECT_EQ(timers_.size(), 1u);
  EXPECT_EQ(timers_.NextDue(), t0_ + absl::Seconds(5));
}

TEST_F(TimerQueueTest, CancelRemovesOnlyPendingTimers) {
  int ran = 0;
  auto a = timers_.Schedule(t0_ + absl::Seconds(1), [&] { ++ran; });
  auto b = timers_.Schedule(t0_ + absl::Seconds(1), [&] { ++ran; });
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
  EXPECT_TRUE(timers_.Cancel(a));
  EXPECT_FALSE(timers_.Cancel(a));
  EXPECT_FALSE(timers_.Cancel(0));
  clock_->Advance(absl::Seconds(1));
  EXPECT_EQ(timers_.RunDue(), 1);
  EXPECT_EQ(ran, 1);
  EXPECT_FALSE(timers_.Cancel(b));  // already ran
  EXPECT_EQ(timers_.NextDue(), absl::nullopt);
}

TEST_F(TimerQueueTest, CallbacksMayScheduleAndCancel) {
  std::vector<int> ran;
  TimerQueue::TimerId victim =
      timers_.Schedule(t0_ + absl::Seconds(3), [&] { ran.push_back(99); });
  timers_.Schedule(t0_ + absl::Seconds(1), [&] {
    ran.push_back(1);
    timers_.Cancel(victim);
    // Due at once: runs in the same RunDue.
    timers_.Schedule(clock_->Now(), [&] { ran.push_back(2); });
    timers_.Schedule(clock_->Now() + absl::Seconds(1),
                     [&] { ran.push_back(3); });
  });
  clock_->Advance(absl::Seconds(1));
  EXPECT_EQ(timers_.RunDue(), 2);
  EXPECT_THAT(ran, ElementsAre(1, 2));
  clock_->Advance(absl::Seconds(5));
  EXPECT_EQ(timers_.RunDue(), 1);
  EXPECT_THAT(ran, ElementsAre(1, 2, 3));
}

TEST_F(TimerQueueTest, StopDropsPendingTimersAndRefusesNewOnes) {
  bool ran = false;
  timers_.Schedule(t0_, [&] { ran = true; });
  timers_.Stop();
  EXPECT_EQ(timers_.size(), 0u);
  EXPECT_EQ(timers_.Schedule(t0_, [&] { ran = true; }), 0u);
  EXPECT_EQ(timers_.RunDue(), 0);
  EXPECT_FALSE(ran);
}

TEST(TimerQueueThreadTest, TheThreadRunsTimersAsTheyFallDue) {
  TimerQueue timers(std::make_shared<SystemClock>());
  timers.StartThread();
  absl::Notification later_fired, sooner_fired;
  bool sooner_first = false;
  // The later timer is scheduled first: the thread must wake up again for
  // the sooner one.
  timers.Schedule(absl::Now() + absl::Milliseconds(200), [&] {
    sooner_first = sooner_fired.HasBeenNotified();
    later_fired.Notify();
  });
  timers.Schedule(absl::Now() + absl::Milliseconds(20),
                  [&] { sooner_fired.Notify(); });
  ASSERT_TRUE(later_fired.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_TRUE(sooner_first);
  timers.Stop();
}

}  // namespace
}  // namespace maesn::gateway
