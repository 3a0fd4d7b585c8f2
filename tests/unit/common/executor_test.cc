#include "gateway/common/executor.h"

#include <gtest/gtest.h>

#include <atomic>

#include "absl/synchronization/notification.h"

namespace maesn::gateway {
namespace {

TEST(ExecutorTest, RunsEveryTaskBeforeShutdownReturns) {
  std::atomic<int> ran{0};
  {
    Executor e(4, 1000);
    for (int i = 0; i < 500; ++i) ASSERT_TRUE(e.Submit([&] { ++ran; }));
  }
  EXPECT_EQ(ran.load(), 500);
}

TEST(ExecutorTest, RefusesWhenQueueIsFull) {
  Executor e(1, 1);
  absl::Notification release, started;
  ASSERT_TRUE(e.Submit([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();
  EXPECT_TRUE(e.Submit([] {}));   // fills the queue
  EXPECT_FALSE(e.Submit([] {}));  // beyond the bound
  release.Notify();
}

TEST(ExecutorTest, RefusesAfterShutdown) {
  Executor e(1, 10);
  e.Shutdown();
  EXPECT_FALSE(e.Submit([] {}));
}

}  // namespace
}  // namespace maesn::gateway
